# o3lsm — the two commands:
#   make run    install what is missing, build (Release), start o3lsm-cli on ./o3lsm-data
#   make test   install what is missing, build, run the whole suite, then again
#               under AddressSanitizer + UndefinedBehaviorSanitizer
#
# Other targets: build, test-release, test-asan, test-tsan, bench, clean.

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
DB         ?= ./o3lsm-data
CTEST_ARGS ?=

CMAKE_COMMON = -G Ninja -DO3LSM_WERROR=ON

.PHONY: all deps build run test test-release test-asan test-tsan bench clean

all: build

deps:
	@scripts/install-deps.sh

# Build output goes to stderr so that `make run`'s stdout is the shell's.
build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release >/dev/null 1>&2
	@cmake --build $(BUILD) -j $(JOBS) 1>&2

run: build
	@$(BUILD)/bin/o3lsm-cli --db $(DB)

test: test-release test-asan

test-release: build
	ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure --timeout 900 $(CTEST_ARGS)

# Asserts stay on (no NDEBUG) in the sanitizer builds.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
	  -DO3LSM_SANITIZE=address,undefined -DO3LSM_BUILD_TOOLS=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) -j $(JOBS) --output-on-failure --timeout 900 $(CTEST_ARGS)

test-tsan: deps
	@cmake -S . -B $(TSAN_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DO3LSM_SANITIZE=thread >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS)
	ctest --test-dir $(TSAN_BUILD) -j $(JOBS) --output-on-failure -L concurrent $(CTEST_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
