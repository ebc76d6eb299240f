// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/auto_roll_logger.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "lsm/version/filename.h"

namespace o3lsm {

namespace {

// Wall clock, not Env::NowMicros (a monotonic clock): the name tells a
// reader when the file was closed.
uint64_t WallMicros() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace

Status AutoRollLogger::Open(Env* env, const std::string& dbname,
                            uint64_t max_size, size_t keep_log_file_num,
                            InfoLogLevel level,
                            std::shared_ptr<Logger>* result) {
  std::shared_ptr<AutoRollLogger> logger(
      new AutoRollLogger(env, dbname, max_size, keep_log_file_num));
  logger->set_level(level);
  MutexLock l(&logger->mu_);
  Status s = logger->Roll();
  if (!s.ok()) return s;
  *result = std::move(logger);
  return Status::OK();
}

AutoRollLogger::AutoRollLogger(Env* env, std::string dbname, uint64_t max_size,
                               size_t keep_log_file_num)
    : env_(env),
      dbname_(std::move(dbname)),
      max_size_(max_size),
      keep_log_file_num_(keep_log_file_num) {}

void AutoRollLogger::ArchiveLog() {
  const std::string log = InfoLogFileName(dbname_);
  if (env_->FileExists(log)) {
    uint64_t micros = WallMicros();
    // Two rolls within a microsecond must not overwrite each other.
    while (env_->FileExists(OldInfoLogFileName(dbname_, micros))) micros++;
    env_->RenameFile(log, OldInfoLogFileName(dbname_, micros))
        .PermitUncheckedError();
  }
  std::vector<std::string> children;
  if (!env_->GetChildren(dbname_, &children).ok()) return;
  // (micros of the rename, name): the legacy "LOG.old" counts as 0.
  std::vector<std::pair<uint64_t, std::string>> old;
  for (const std::string& child : children) {
    uint64_t number;
    FileType type;
    if (child != "LOG" && ParseFileName(child, &number, &type) &&
        type == FileType::kInfoLogFile) {
      const size_t dot = child.rfind('.');
      old.emplace_back(strtoull(child.c_str() + dot + 1, nullptr, 10), child);
    }
  }
  if (old.size() <= keep_log_file_num_) return;
  std::sort(old.begin(), old.end());  // oldest first (legacy LOG.old: 0)
  for (size_t i = 0; i + keep_log_file_num_ < old.size(); i++) {
    env_->RemoveFile(dbname_ + "/" + old[i].second).PermitUncheckedError();
  }
}

Status AutoRollLogger::Roll() {
  ArchiveLog();
  std::shared_ptr<Logger> fresh;
  Status s = env_->NewLogger(InfoLogFileName(dbname_), &fresh);
  if (!s.ok()) return s;
  // This logger filters; the file logger writes what it is given.
  fresh->set_level(InfoLogLevel::kDebug);
  logger_ = std::move(fresh);
  return Status::OK();
}

std::shared_ptr<Logger> AutoRollLogger::Current() const {
  MutexLock l(&mu_);
  return logger_;
}

uint64_t AutoRollLogger::GetLogFileSize() const {
  return Current()->GetLogFileSize();
}

void AutoRollLogger::Logv(const char* format, va_list ap) {
  Logv(InfoLogLevel::kInfo, format, ap);
}

void AutoRollLogger::Logv(InfoLogLevel level, const char* format, va_list ap) {
  if (!Enabled(level)) return;
  std::shared_ptr<Logger> logger = Current();
  logger->Logv(level, format, ap);
  if (max_size_ == 0 || logger->GetLogFileSize() < max_size_) return;
  MutexLock l(&mu_);
  // Another writer may have rolled it already.
  if (logger_ != logger) return;
  Status s = Roll();
  if (!s.ok()) {
    // Keep writing to the old file (renamed or not); retry at the next
    // line.
    Log(InfoLogLevel::kWarn, logger.get(), "cannot start a new LOG: %s",
        s.ToString().c_str());
  }
}

}  // namespace o3lsm
