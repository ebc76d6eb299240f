#!/usr/bin/env bash
# Installs the Debian 12 packages o3lsm builds and tests with, if any is
# missing. Runs apt-get only when needed (as root, or through sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  clang libclang-rt-14-dev        # libFuzzer targets and sanitizer runtimes
  libtbb-dev                      # oneTBB: background flush/compaction scheduler
  libxxhash-dev                   # XXH3 checksums
  libzstd-dev liblz4-dev          # optional SST block compression
  libpmem2-dev                    # cxl: fabric backend (DAX / file mappings)
  libnuma-dev numactl             # emulated fabric backend: NUMA placement
  libibverbs-dev librdmacm-dev    # rdma: fabric backend
  libfabric-dev libfabric-bin     # ofi: fabric backend (and fi_info)
  libssl-dev                      # HMAC-SHA256 of the cluster-secret handshake
  libcli11-dev libedit-dev        # o3lsm-cli, o3lsm-node
  libgflags-dev                   # o3lsm-bench's flags (db_bench's parser)
  libsnappy-dev                   # snappy SST block compression
  prometheus-cpp-dev libcivetweb-dev  # metrics endpoints: types, HTTP server
  libsystemd-dev                  # o3lsm-node's readiness (sd_notify)
  libgtest-dev libgmock-dev       # tests
  libbenchmark-dev                # micro-benchmarks
  python3                         # fuzz seeds, crash driver, bench/compare.py
  pybind11-dev python3-dev        # the Python module (python/)
  python3-pytest                  # its tests
  python3-prometheus-client       # checks the OpenMetrics the endpoints serve
  curl                            # the metrics tests scrape the endpoints
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "o3lsm: installing missing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "o3lsm: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
# sudo resets the environment: pass DEBIAN_FRONTEND on the command line, so
# that no package stops to ask a question.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  --no-install-recommends "${missing[@]}" >/dev/null
