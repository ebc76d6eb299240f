// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Facts about the machine and this process for the report header and the
// JSON record: CPU model and count (from /proc/cpuinfo, as db_bench prints
// them), the date, and the process's CPU time and peak resident set size
// (getrusage).
//
// Thread safety: every function may be called from any thread.

#ifndef O3LSM_TOOLS_BENCH_SYSTEM_INFO_H_
#define O3LSM_TOOLS_BENCH_SYSTEM_INFO_H_

#include <cstdint>
#include <string>

namespace o3lsm::bench {

struct CpuInfo {
  int count = 0;      // logical CPUs listed
  std::string model;  // "AMD EPYC ..."
  std::string cache;  // "1024 KB"
};

// Empty fields if /proc/cpuinfo cannot be read.
CpuInfo ReadCpuInfo();

// The local time as ctime(3) prints it, without the newline.
std::string CurrentDate();

struct ProcessUsage {
  double user_seconds = 0;
  double system_seconds = 0;
  int64_t peak_rss_kib = 0;
};

ProcessUsage GetProcessUsage();

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_SYSTEM_INFO_H_
