#!/usr/bin/env bash
# Runs RocksDB's db_bench and o3lsm-bench on identical flags, alternating,
# and writes OUT/report.md (medians and ratios) and PNG plots. Installs
# rocksdb-tools and gnuplot if missing, builds o3lsm-bench if needed.
#
#   bench/compare.sh [--runs N] [--out DIR] [--db_bench PATH] -- \
#       --benchmarks=fillrandom,readrandom \
#       --num=1000000 --key_size=16 --value_size=100 --compression_type=none
#
# See bench/compare.py --help for every option; docs/benchmarks.md for
# results.
set -euo pipefail
cd "$(dirname "$0")/.."

# RocksDB's db_bench: the one named by --db_bench (e.g. the Release build
# in ../shared/anchors/rocksdb-11.9/db_bench), else Debian's rocksdb-tools.
named_db_bench=0
for arg in "$@"; do
  case "$arg" in --db_bench|--db_bench=*) named_db_bench=1 ;; --) break ;; esac
done
need=()
if [ $named_db_bench = 0 ]; then
  command -v db_bench >/dev/null 2>&1 || need+=(rocksdb-tools)
fi
command -v gnuplot >/dev/null 2>&1 || need+=(gnuplot-nox)
if [ ${#need[@]} -gt 0 ]; then
  echo "compare: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x build/bin/o3lsm-bench ] || make build >&2
exec python3 bench/compare.py "$@"
