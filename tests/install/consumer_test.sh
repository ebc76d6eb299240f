#!/usr/bin/env bash
# The install test (tests/install/CMakeLists.txt registers it with ctest):
#  1. `cmake --install` of the build into <work>/prefix (the Runtime,
#     Development and Tools components: o3lsm's own files, not the Python
#     module's, which go to the interpreter's directory);
#  2. checks the tree: headers with version.h, libo3lsm.so with its
#     SONAME, libo3lsm.a, the CMake package, o3lsm.pc, the tools, and no
#     private build_config.h;
#  3. builds examples/consumer (consumer: the C++ API; consumer_c: the C API
#     from C) with find_package(o3lsm) against the prefix, linking
#     o3lsm::o3lsm and then o3lsm::o3lsm_static, and runs them;
#  4. builds them through pkg-config (examples/consumer/Makefile) and runs
#     them.
# Exits non-zero, saying which step failed, on any failure.
set -euo pipefail

usage() {
  echo "usage: $0 --build DIR --source DIR --work DIR --cmake CMAKE" \
       "--generator GEN --make MAKE --cc CC --cxx CXX --flags FLAGS" \
       "--tools yes|no" >&2
  exit 2
}
build="" source="" work="" cmake="" generator="" make="" cc="" cxx="" flags=""
tools="yes"
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$1" in
    --build) build="$2" ;;
    --source) source="$2" ;;
    --work) work="$2" ;;
    --cmake) cmake="$2" ;;
    --generator) generator="$2" ;;
    --make) make="$2" ;;
    --cc) cc="$2" ;;
    --cxx) cxx="$2" ;;
    --flags) flags="$2" ;;
    --tools) tools="$2" ;;
    *) usage ;;
  esac
  shift 2
done
[ -n "$build" ] && [ -n "$source" ] && [ -n "$work" ] && [ -n "$cmake" ] &&
  [ -n "$generator" ] && [ -n "$make" ] && [ -n "$cc" ] && [ -n "$cxx" ] ||
  usage

step() { echo "== consumer_test: $*"; }
fail() { echo "consumer_test: FAILED: $*" >&2; exit 1; }

prefix="$work/prefix"
rm -rf "$work"
mkdir -p "$work"

step "cmake --install $build --prefix $prefix"
components=(Runtime Development)
[ "$tools" = yes ] && components+=(Tools)
for c in "${components[@]}"; do
  "$cmake" --install "$build" --prefix "$prefix" --component "$c" \
    >"$work/install-$c.log" || { cat "$work/install-$c.log"; fail "install of $c"; }
done

step "checking the installed tree"
pc=$(find "$prefix" -name o3lsm.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || fail "no o3lsm.pc under $prefix"
libdir=$(dirname "$(dirname "$pc")")
expect=(
  include/o3lsm/db.h include/o3lsm/c.h include/o3lsm/version.h
  "${libdir#"$prefix"/}/libo3lsm.a" "${libdir#"$prefix"/}/libo3lsm.so"
  "${libdir#"$prefix"/}/cmake/o3lsm/o3lsmConfig.cmake"
  "${libdir#"$prefix"/}/cmake/o3lsm/o3lsmConfigVersion.cmake"
)
if [ "$tools" = yes ]; then
  expect+=(bin/o3lsm-cli bin/o3lsm-bench bin/o3lsm-node bin/o3lsm-stress
           lib/systemd/system/o3lsm-memory.service
           lib/systemd/system/o3lsm-worker.service
           share/o3lsm/systemd/o3lsm.default)
fi
for f in "${expect[@]}"; do
  [ -e "$prefix/$f" ] || fail "$f was not installed"
done
if [ "$tools" = yes ]; then
  for unit in o3lsm-memory o3lsm-worker; do
    grep -q "^ExecStart=$prefix/bin/o3lsm-node " \
      "$prefix/lib/systemd/system/$unit.service" ||
      fail "$unit.service does not start $prefix/bin/o3lsm-node"
  done
  if command -v systemd-analyze >/dev/null 2>&1; then
    (cd "$prefix/lib/systemd/system" &&
      systemd-analyze verify --man=no ./o3lsm-memory.service \
        ./o3lsm-worker.service) || fail "systemd-analyze verify of the units"
  else
    echo "no systemd-analyze here: the units' syntax is not verified"
  fi
fi
[ -z "$(find "$prefix" -name build_config.h)" ] ||
  fail "the private o3lsm/build_config.h was installed"
soname=$(objdump -p "$libdir/libo3lsm.so" | awk '$1 == "SONAME" { print $2 }')
[ -n "$soname" ] && [ -e "$libdir/$soname" ] ||
  fail "libo3lsm.so's SONAME '$soname' is not installed beside it"
echo "SONAME $soname"

run() {  # <what> <directory>: runs its consumer and consumer_c
  local out program
  for program in "$2/consumer" "$2/consumer_c"; do
    out=$("$program") || fail "$1: $program exited with status $?"
    echo "$out"
    case "$out" in *"o3lsm "*) ;; *) fail "$1: unexpected output" ;; esac
  done
}

# 3. find_package, shared and static.
for linkage in shared static; do
  dir="$work/cmake-$linkage"
  static=OFF target=o3lsm::o3lsm
  if [ "$linkage" = static ]; then static=ON target=o3lsm::o3lsm_static; fi
  step "find_package(o3lsm), linking $target"
  "$cmake" -S "$source/examples/consumer" -B "$dir" -G "$generator" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_FLAGS="$flags" \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
    -DCONSUMER_LINK_STATIC=$static >"$dir.log" 2>&1 ||
    { cat "$dir.log"; fail "configuring the consumer ($linkage)"; }
  "$cmake" --build "$dir" >>"$dir.log" 2>&1 ||
    { cat "$dir.log"; fail "building the consumer ($linkage)"; }
  run "find_package, $linkage" "$dir"
done

# 4. pkg-config.
step "pkg-config: PKG_CONFIG_PATH=$(dirname "$pc")"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH="$(dirname "$pc")"
pkg-config --static --libs o3lsm >/dev/null ||
  fail "pkg-config --static cannot resolve o3lsm's Requires.private"
mkdir -p "$work/pkg-config"
"$make" -C "$source/examples/consumer" OUT="$work/pkg-config" CC="$cc" \
  CXX="$cxx" CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="$flags" \
  >"$work/pkg-config.log" 2>&1 ||
  { cat "$work/pkg-config.log"; fail "building the consumer with pkg-config"; }
run "pkg-config" "$work/pkg-config"

step "passed"
