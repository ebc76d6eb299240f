// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/system_info.h"

#include <cstdio>
#include <cstring>
#include <string_view>
#include <sys/resource.h>
#include <time.h>

namespace o3lsm::bench {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

CpuInfo ReadCpuInfo() {
  CpuInfo info;
  // Reading a /proc file is a one-off diagnostic outside the engine; it does
  // not go through Env, which has no notion of pseudo-files.
  FILE* f = fopen("/proc/cpuinfo", "r");
  if (f == nullptr) return info;
  char line[1024];
  while (fgets(line, sizeof(line), f) != nullptr) {
    const char* sep = strchr(line, ':');
    if (sep == nullptr) continue;
    const std::string_view key = Trim(std::string_view(line, sep - line));
    const std::string_view value = Trim(std::string_view(sep + 1));
    if (key == "model name") {
      info.count++;
      info.model = std::string(value);
    } else if (key == "cache size") {
      info.cache = std::string(value);
    }
  }
  fclose(f);
  return info;
}

std::string CurrentDate() {
  const time_t now = time(nullptr);
  char buf[64];
  if (ctime_r(&now, buf) == nullptr) return "";
  std::string r = buf;
  while (!r.empty() && r.back() == '\n') r.pop_back();
  return r;
}

ProcessUsage GetProcessUsage() {
  ProcessUsage u;
  rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return u;
  u.user_seconds = static_cast<double>(ru.ru_utime.tv_sec) +
                   static_cast<double>(ru.ru_utime.tv_usec) * 1e-6;
  u.system_seconds = static_cast<double>(ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_stime.tv_usec) * 1e-6;
  u.peak_rss_kib = ru.ru_maxrss;  // Linux reports KiB
  return u;
}

}  // namespace o3lsm::bench
