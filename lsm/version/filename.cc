// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/version/filename.h"

#include <cinttypes>
#include <cstdio>

namespace o3lsm {

namespace {

std::string MakeFileName(const std::string& dbname, uint64_t number,
                         const char* suffix) {
  char buf[100];
  snprintf(buf, sizeof(buf), "/%06" PRIu64 ".%s", number, suffix);
  return dbname + buf;
}

// Parses a decimal number from the front of *in; false on overflow or none.
bool ConsumeDecimalNumber(Slice* in, uint64_t* val) {
  uint64_t v = 0;
  size_t digits = 0;
  while (digits < in->size()) {
    const char c = (*in)[digits];
    if (c < '0' || c > '9') break;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
    digits++;
  }
  if (digits == 0) return false;
  in->remove_prefix(digits);
  *val = v;
  return true;
}

}  // namespace

std::string LogFileName(const std::string& dbname, uint64_t number) {
  return MakeFileName(dbname, number, "log");
}

std::string TableFileName(const std::string& dbname, uint64_t number) {
  return MakeFileName(dbname, number, "sst");
}

std::string DescriptorFileName(const std::string& dbname, uint64_t number) {
  char buf[100];
  snprintf(buf, sizeof(buf), "/MANIFEST-%06" PRIu64, number);
  return dbname + buf;
}

std::string CurrentFileName(const std::string& dbname) {
  return dbname + "/CURRENT";
}

std::string LockFileName(const std::string& dbname) { return dbname + "/LOCK"; }

std::string InfoLogFileName(const std::string& dbname) {
  return dbname + "/LOG";
}

std::string OldInfoLogFileName(const std::string& dbname, uint64_t micros) {
  return dbname + "/LOG.old." + std::to_string(micros);
}

std::string TempFileName(const std::string& dbname, uint64_t number) {
  return MakeFileName(dbname, number, "dbtmp");
}

bool ParseFileName(const std::string& filename, uint64_t* number,
                   FileType* type) {
  Slice rest(filename);
  if (rest == "CURRENT") {
    *number = 0;
    *type = FileType::kCurrentFile;
  } else if (rest == "LOCK") {
    *number = 0;
    *type = FileType::kLockFile;
  } else if (rest == "LOG" || rest == "LOG.old") {
    *number = 0;
    *type = FileType::kInfoLogFile;
  } else if (rest.starts_with("LOG.old.")) {
    rest.remove_prefix(strlen("LOG.old."));
    uint64_t micros;
    if (!ConsumeDecimalNumber(&rest, &micros) || !rest.empty()) return false;
    // A timestamp, not a file number: recovery must not count it as used.
    *number = 0;
    *type = FileType::kInfoLogFile;
  } else if (rest.starts_with("MANIFEST-")) {
    rest.remove_prefix(strlen("MANIFEST-"));
    uint64_t num;
    if (!ConsumeDecimalNumber(&rest, &num) || !rest.empty()) return false;
    *type = FileType::kDescriptorFile;
    *number = num;
  } else {
    uint64_t num;
    if (!ConsumeDecimalNumber(&rest, &num)) return false;
    if (rest == Slice(".log")) {
      *type = FileType::kLogFile;
    } else if (rest == Slice(".sst")) {
      *type = FileType::kTableFile;
    } else if (rest == Slice(".dbtmp")) {
      *type = FileType::kTempFile;
    } else {
      return false;
    }
    *number = num;
  }
  return true;
}

Status SetCurrentFile(Env* env, const std::string& dbname,
                      uint64_t descriptor_number) {
  std::string manifest = DescriptorFileName(dbname, descriptor_number);
  Slice contents = manifest;
  contents.remove_prefix(dbname.size() + 1);
  std::string tmp = TempFileName(dbname, descriptor_number);
  Status s = WriteStringToFile(env, contents.ToString() + "\n", tmp, true);
  if (s.ok()) s = env->RenameFile(tmp, CurrentFileName(dbname));
  if (s.ok()) s = env->SyncDir(dbname);
  if (!s.ok()) env->RemoveFile(tmp).PermitUncheckedError();
  return s;
}

}  // namespace o3lsm
