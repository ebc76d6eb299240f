// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "o3lsm/env.h"

#include <cstdio>
#include <string>

namespace o3lsm {

const char* InfoLogLevelName(InfoLogLevel level) {
  switch (level) {
    case InfoLogLevel::kDebug:
      return "DEBUG";
    case InfoLogLevel::kInfo:
      return "INFO";
    case InfoLogLevel::kWarn:
      return "WARN";
    case InfoLogLevel::kError:
      return "ERROR";
    case InfoLogLevel::kFatal:
      return "FATAL";
    case InfoLogLevel::kHeader:
      return "HEADER";
  }
  return "?";
}

namespace {

// Logv with a format of its own (the default leveled Logv's prefix).
void LogFormatted(Logger* logger, const char* format, ...)
    __attribute__((__format__(__printf__, 2, 3)));
void LogFormatted(Logger* logger, const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  logger->Logv(format, ap);
  va_end(ap);
}

}  // namespace

void Logger::Logv(InfoLogLevel level, const char* format, va_list ap) {
  if (!Enabled(level)) return;
  va_list copy;
  va_copy(copy, ap);
  const int n = vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string message(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) vsnprintf(message.data(), message.size() + 1, format, ap);
  LogFormatted(this, "[%s] %s", InfoLogLevelName(level), message.c_str());
}

void Log(Logger* info_log, const char* format, ...) {
  if (info_log == nullptr) return;
  va_list ap;
  va_start(ap, format);
  info_log->Logv(InfoLogLevel::kInfo, format, ap);
  va_end(ap);
}

void Log(InfoLogLevel level, Logger* info_log, const char* format, ...) {
  if (info_log == nullptr) return;
  va_list ap;
  va_start(ap, format);
  info_log->Logv(level, format, ap);
  va_end(ap);
}

#define O3LSM_DEFINE_LEVEL_LOG(Name, level)              \
  void Name(Logger* info_log, const char* format, ...) { \
    if (info_log == nullptr) return;                     \
    va_list ap;                                          \
    va_start(ap, format);                                \
    info_log->Logv(InfoLogLevel::level, format, ap);     \
    va_end(ap);                                          \
  }
O3LSM_DEFINE_LEVEL_LOG(LogDebug, kDebug)
O3LSM_DEFINE_LEVEL_LOG(LogInfo, kInfo)
O3LSM_DEFINE_LEVEL_LOG(LogWarn, kWarn)
O3LSM_DEFINE_LEVEL_LOG(LogError, kError)
O3LSM_DEFINE_LEVEL_LOG(LogFatal, kFatal)
O3LSM_DEFINE_LEVEL_LOG(LogHeader, kHeader)
#undef O3LSM_DEFINE_LEVEL_LOG

Status WriteStringToFile(Env* env, const Slice& data, const std::string& fname,
                         bool sync) {
  std::unique_ptr<WritableFile> file;
  Status s = env->NewWritableFile(fname, &file);
  if (!s.ok()) return s;
  s = file->Append(data);
  if (s.ok() && sync) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (!s.ok()) env->RemoveFile(fname).PermitUncheckedError();
  return s;
}

Status ReadFileToString(Env* env, const std::string& fname, std::string* data) {
  data->clear();
  std::unique_ptr<SequentialFile> file;
  Status s = env->NewSequentialFile(fname, &file);
  if (!s.ok()) return s;
  static constexpr size_t kBufferSize = 8192;
  std::string scratch(kBufferSize, '\0');
  while (true) {
    Slice fragment;
    s = file->Read(kBufferSize, &fragment, scratch.data());
    if (!s.ok() || fragment.empty()) break;
    data->append(fragment.data(), fragment.size());
  }
  return s;
}

}  // namespace o3lsm
