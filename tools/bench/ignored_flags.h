// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// db_bench flags that have no meaning in o3lsm-bench (RocksDB tuning knobs
// o3lsm has no counterpart of: direct I/O, blob files, universal
// compaction, ...). They are gflags like every other flag, so a command
// line written for db_bench (tools/benchmark.sh's, for one) parses, and a
// malformed value is still an error; a run that sets any of them prints
// one warning naming them instead of aborting. docs/bench.md lists them
// with the reason each is ignored.
//
// Thread safety: the functions read gflags' registry, which is safe once
// parsing is done.

#ifndef O3LSM_TOOLS_BENCH_IGNORED_FLAGS_H_
#define O3LSM_TOOLS_BENCH_IGNORED_FLAGS_H_

#include <string>
#include <vector>

namespace o3lsm::bench {

// Every ignored flag's name, sorted.
std::vector<std::string> IgnoredDbBenchFlagNames();

// The ignored flags the command line (or a --flagfile) set, sorted.
std::vector<std::string> GivenIgnoredDbBenchFlags();

// "o3lsm-bench: warning: ignoring db_bench flags with no meaning here:
// --a, --b\n", or "" when given is empty.
std::string IgnoredFlagsWarning(const std::vector<std::string>& given);

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_IGNORED_FLAGS_H_
