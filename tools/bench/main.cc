// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// o3lsm-bench: RocksDB db_bench's command line and output, run against
// o3lsm. See docs/bench.md.

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <unistd.h>

#include <gflags/gflags.h>

#include "o3lsm/env.h"

#include "tools/bench/bench_flags.h"
#include "tools/bench/bench_report.h"
#include "tools/bench/bench_stats.h"
#include "tools/bench/benchmark_runner.h"
#include "tools/bench/cluster_profile.h"
#include "tools/bench/ignored_flags.h"
#include "tools/bench/system_info.h"

#ifndef O3LSM_BENCH_VERSION
#define O3LSM_BENCH_VERSION "unknown"
#endif

namespace o3lsm::bench {
namespace {

void PrintError(const Status& s) {
  const std::string_view m = s.message();
  fprintf(stderr, "ERROR: %s\n",
          m.empty() ? s.ToString().c_str() : std::string(m).c_str());
}

Status WriteJson(const std::string& path, const std::string& text) {
  std::unique_ptr<WritableFile> file;
  Status s = Env::Default()->NewWritableFile(path, &file);
  if (s.ok()) s = file->Append(text);
  if (s.ok()) s = file->Close();
  return s;
}

int Main(int argc, char** argv) {
  const uint64_t wall_start = NowNanos();
  // For gflags' own --version and --helpshort/--helpmatch listings.
  gflags::SetUsageMessage("db_bench-compatible benchmark of o3lsm; see "
                          "docs/bench.md");
  gflags::SetVersionString(O3LSM_BENCH_VERSION);
  BenchFlags flags;
  bool help = false;
  Status s = ParseBenchFlags(argc, argv, &flags, &help);
  if (!s.ok()) {
    PrintError(s);
    return 1;
  }
  if (help) {
    fputs(BenchFlagsHelp().c_str(), stdout);
    return 0;
  }
  s = ValidateBenchFlags(flags);
  if (!s.ok()) {
    PrintError(s);
    return 1;
  }
  fputs(IgnoredFlagsWarning(flags.ignored_db_bench_flags).c_str(), stderr);
  ApplyProfile(&flags);

  uint64_t seed = static_cast<uint64_t>(flags.seed);
  if (flags.seed == 0) {
    seed = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
    fprintf(stdout, "Set seed to %" PRIu64 " because --seed was 0\n", seed);
  }
  if (flags.db.empty()) {
    // db_bench's /tmp/rocksdbtest-<uid>/dbbench, renamed.
    const std::string parent = "/tmp/o3lsmtest-" + std::to_string(getuid());
    Env::Default()->CreateDir(parent).PermitUncheckedError();  // may exist
    flags.db = parent + "/dbbench";
  }

  BenchmarkRunner runner(flags, seed);
  s = runner.Start();
  if (s.ok()) s = runner.RunAll();
  const Status closed = runner.Finish();
  if (s.ok()) s = closed;
  if (!s.ok()) PrintError(s);

  if (!flags.json.empty()) {
    RunInfo info;
    info.flags = &flags;
    info.version = O3LSM_BENCH_VERSION;
    info.date = CurrentDate();
    info.seed = seed;
    info.db_path = flags.db;
    info.compression = runner.compression_name();
    info.cpu = ReadCpuInfo();
    info.usage = GetProcessUsage();
    info.wall_seconds = static_cast<double>(NowNanos() - wall_start) * 1e-9;
    const Status js =
        WriteJson(flags.json, BuildJsonReport(info, runner.records()));
    if (!js.ok()) {
      PrintError(js);
      return 1;
    }
  }
  return s.ok() ? 0 : 1;
}

}  // namespace
}  // namespace o3lsm::bench

int main(int argc, char** argv) { return o3lsm::bench::Main(argc, argv); }
