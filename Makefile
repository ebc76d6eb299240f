# o3lsm — the two commands:
#   make run    install what is missing, build (Release), start o3lsm-cli on ./o3lsm-data
#   make test   install what is missing, build, run the whole suite (with short
#               crash-test runs), then again under AddressSanitizer +
#               UndefinedBehaviorSanitizer, the concurrent tests under
#               ThreadSanitizer, and each fuzz target for a few seconds
#               (docs/reliability.md)
#
#   make install   build, then install headers, libo3lsm.so/.a, the CMake
#               package, o3lsm.pc and the tools under PREFIX (docs/install.md)
#
# Other targets: build, test-release, test-asan, test-tsan, test-crash,
# test-install, test-fuzz, bench, clean. test-release and test-asan include
# the install test (ctest label "install": examples/consumer built against
# the installed tree, through CMake and pkg-config).

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 15
JOBS       ?= $(shell nproc)
DB         ?= ./o3lsm-data
PREFIX     ?= /usr/local
CTEST_ARGS ?=

CMAKE_COMMON = -G Ninja -DO3LSM_WERROR=ON

.PHONY: all deps configure build run install test test-release test-asan test-tsan \
	test-crash test-install test-fuzz bench clean

all: build

deps:
	@scripts/install-deps.sh

# Build output goes to stderr so that `make run`'s stdout is the shell's.
configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release >/dev/null 1>&2

build: configure
	@cmake --build $(BUILD) -j $(JOBS) 1>&2

# Builds the shell alone (the library and o3lsm-cli), not the test suite.
run: configure
	@cmake --build $(BUILD) -j $(JOBS) --target o3lsm-cli 1>&2
	@$(BUILD)/bin/o3lsm-cli --db $(DB)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

test: test-release test-asan test-tsan test-fuzz

test-release: build
	ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure --timeout 900 $(CTEST_ARGS)

# Asserts stay on (no NDEBUG) in the sanitizer builds; the ASan build also
# checks libstdc++'s preconditions (an out-of-range operator[] aborts).
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -D_GLIBCXX_ASSERTIONS" \
	  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
	  -DO3LSM_SANITIZE=address,undefined -DO3LSM_BUILD_TOOLS=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) -j $(JOBS) --output-on-failure --timeout 900 $(CTEST_ARGS)

# Only the executables labelled "concurrent" (and what they need) are built:
# their names come from the o3lsm_test() calls that carry the label.
test-tsan: deps
	@cmake -S . -B $(TSAN_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
	  -DO3LSM_SANITIZE=thread -DO3LSM_BUILD_TOOLS=ON >/dev/null
	@targets=$$(cat tests/*/CMakeLists.txt | tr '\n' ' ' \
	  | grep -oE 'o3lsm_test\([^)]*\)' | grep -w concurrent \
	  | sed -E 's/^o3lsm_test\( *([A-Za-z0-9_]+).*/\1/'); \
	  echo "test-tsan: $$targets"; \
	  cmake --build $(TSAN_BUILD) -j $(JOBS) --target $$targets
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir $(TSAN_BUILD) -j $(JOBS) --output-on-failure --timeout 900 \
	  -L concurrent $(CTEST_ARGS)

# The crash-test runs alone (test-release runs them too).
test-crash: build
	ctest --test-dir $(BUILD) --output-on-failure -L crash $(CTEST_ARGS)

# The install test alone: install into build/testtmp/install, build and run
# examples/consumer through find_package and pkg-config.
test-install: build
	ctest --test-dir $(BUILD) --output-on-failure -L install $(CTEST_ARGS)

# libFuzzer needs clang; without it the target says so and passes. Warnings
# are not errors here: the GCC builds enforce them, and clang has its own.
test-fuzz: deps
	@if command -v clang++ >/dev/null 2>&1; then \
	  cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
	    -DO3LSM_SANITIZE=fuzzer-no-link,address,undefined -DO3LSM_BUILD_FUZZERS=ON \
	    -DO3LSM_BUILD_TESTS=OFF -DO3LSM_BUILD_TOOLS=OFF >/dev/null && \
	  cmake --build $(FUZZ_BUILD) -j $(JOBS) && \
	  python3 tests/fuzz/run_fuzzers.py --build $(FUZZ_BUILD) \
	    --seconds $(FUZZ_SECONDS) --jobs $(JOBS); \
	else \
	  echo "test-fuzz: clang++ not found (scripts/install-deps.sh installs it); skipped"; \
	fi

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
