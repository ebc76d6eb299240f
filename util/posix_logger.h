// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// PosixLogger writes LOG lines to a stdio stream, one whole line per call:
//
//   2026/12/06-19:36:29.123456 140234 [INFO] opened /db: ...
//
// local date and time to the microsecond, the kernel thread id of the
// caller, the level, then the message (with `tag` before it when one is
// given: "[WARN] o3lsm-node[worker]: ..."). Env::NewLogger's files and
// o3lsm-node's standard error use it, so both read the same.
//
// Thread safety: Logv may be called concurrently; a mutex keeps lines
// whole.

#ifndef O3LSM_UTIL_POSIX_LOGGER_H_
#define O3LSM_UTIL_POSIX_LOGGER_H_

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>

#include "o3lsm/env.h"

#include "util/mutex.h"

namespace o3lsm {

class PosixLogger final : public Logger {
 public:
  // Writes to fp, closing it at destruction if owns_fp.
  PosixLogger(FILE* fp, bool owns_fp, std::string tag = "",
              uint64_t initial_size = 0);
  ~PosixLogger() override;

  void Logv(const char* format, va_list ap) override;
  void Logv(InfoLogLevel level, const char* format, va_list ap) override;
  uint64_t GetLogFileSize() const override {
    return size_.load(std::memory_order_relaxed);
  }

 private:
  Mutex mu_;
  FILE* const fp_;
  const bool owns_fp_;
  const std::string tag_;
  std::atomic<uint64_t> size_;
};

// Writes "2026/12/06-19:36:29.123456 140234 [LEVEL] " into buf (at least
// 64 bytes); returns its length.
size_t FormatLogLinePrefix(InfoLogLevel level, char* buf, size_t size);

}  // namespace o3lsm

#endif  // O3LSM_UTIL_POSIX_LOGGER_H_
