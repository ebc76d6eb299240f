// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// AutoRollLogger is the database's own LOG (Options::info_log left null):
// a file logger of Env::NewLogger that, once the file reaches
// max_log_file_size bytes, renames it to LOG.old.<micros> and starts a
// fresh LOG, keeping at most keep_log_file_num old files (the oldest are
// deleted, at open too).
//
// Thread safety: Logv may be called concurrently with itself and with a
// roll. A caller writes to the file logger it took under mu_; a roll swaps
// in a new one under mu_, and the old one (its file already renamed) is
// closed when the last caller writing to it drops its reference, so no
// line is lost or torn.

#ifndef O3LSM_LSM_DB_AUTO_ROLL_LOGGER_H_
#define O3LSM_LSM_DB_AUTO_ROLL_LOGGER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "o3lsm/env.h"

#include "util/mutex.h"

namespace o3lsm {

class AutoRollLogger final : public Logger {
 public:
  // Archives an existing LOG of dbname (to LOG.old.<micros>), deletes the
  // old LOGs beyond keep_log_file_num and opens a fresh LOG. max_size 0:
  // the LOG is never rolled while open.
  static Status Open(Env* env, const std::string& dbname, uint64_t max_size,
                     size_t keep_log_file_num, InfoLogLevel level,
                     std::shared_ptr<Logger>* result);

  void Logv(const char* format, va_list ap) override;
  void Logv(InfoLogLevel level, const char* format, va_list ap) override;
  uint64_t GetLogFileSize() const override;

 private:
  AutoRollLogger(Env* env, std::string dbname, uint64_t max_size,
                 size_t keep_log_file_num);

  // Renames LOG (if any) to LOG.old.<micros> and deletes the old LOGs
  // beyond keep_log_file_num_. Errors are ignored: a LOG is not worth
  // refusing to work for.
  void ArchiveLog();
  // ArchiveLog, then a new LOG in logger_ (kept as it was on failure).
  Status Roll() EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::shared_ptr<Logger> Current() const;

  Env* const env_;
  const std::string dbname_;
  const uint64_t max_size_;
  const size_t keep_log_file_num_;

  mutable Mutex mu_;
  std::shared_ptr<Logger> logger_ GUARDED_BY(mu_);
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_AUTO_ROLL_LOGGER_H_
