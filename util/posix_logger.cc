// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "util/posix_logger.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

namespace o3lsm {

size_t FormatLogLinePrefix(InfoLogLevel level, char* buf, size_t size) {
  struct timeval now;
  gettimeofday(&now, nullptr);
  struct tm t;
  localtime_r(&now.tv_sec, &t);
  const int n =
      snprintf(buf, size, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld %ld [%s] ",
               t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min,
               t.tm_sec, static_cast<long>(now.tv_usec),
               static_cast<long>(syscall(SYS_gettid)), InfoLogLevelName(level));
  if (n < 0) return 0;
  return std::min(static_cast<size_t>(n), size - 1);
}

PosixLogger::PosixLogger(FILE* fp, bool owns_fp, std::string tag,
                         uint64_t initial_size)
    : fp_(fp), owns_fp_(owns_fp), tag_(std::move(tag)), size_(initial_size) {}

PosixLogger::~PosixLogger() {
  if (owns_fp_) fclose(fp_);
}

void PosixLogger::Logv(const char* format, va_list ap) {
  Logv(InfoLogLevel::kInfo, format, ap);
}

void PosixLogger::Logv(InfoLogLevel level, const char* format, va_list ap) {
  if (!Enabled(level)) return;
  // Most lines fit the stack buffer; a longer one (a stats dump) is
  // formatted again into one of its size.
  char stack[1024];
  std::string heap;
  char* line = stack;
  size_t cap = sizeof(stack);
  size_t n = FormatLogLinePrefix(level, line, cap);
  if (!tag_.empty()) {
    n += static_cast<size_t>(
        std::max(0, snprintf(line + n, cap - n, "%s: ", tag_.c_str())));
    n = std::min(n, cap - 1);
  }
  va_list copy;
  va_copy(copy, ap);
  const int m = vsnprintf(line + n, cap - n, format, copy);
  va_end(copy);
  size_t len = n + static_cast<size_t>(std::max(0, m));
  if (len + 2 > cap) {
    heap.assign(len + 2, '\0');
    memcpy(heap.data(), line, n);
    line = heap.data();
    vsnprintf(line + n, heap.size() - n, format, ap);
  }
  if (len == 0 || line[len - 1] != '\n') line[len++] = '\n';
  MutexLock l(&mu_);
  fwrite(line, 1, len, fp_);
  fflush(fp_);
  size_.fetch_add(len, std::memory_order_relaxed);
}

}  // namespace o3lsm
