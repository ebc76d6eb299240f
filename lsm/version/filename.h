// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Names of the files in a database directory:
//   NNNNNN.log          write-ahead log
//   NNNNNN.sst          table file
//   MANIFEST-NNNNNN     version edits
//   CURRENT             name of the live MANIFEST (replaced atomically)
//   LOCK                held by the process that has the database open
//   LOG                 human-readable progress
//   LOG.old.MICROS      an earlier LOG, renamed at open or when it grew past
//                       Options::max_log_file_size (MICROS: wall clock of
//                       the rename, microseconds since the epoch); LOG.old
//                       from older versions is still recognised
//   NNNNNN.dbtmp        temporary file (CURRENT's next contents)
// File numbers come from one counter in the MANIFEST, so no two files
// share a number.

#ifndef O3LSM_LSM_VERSION_FILENAME_H_
#define O3LSM_LSM_VERSION_FILENAME_H_

#include <cstdint>
#include <string>

#include "o3lsm/env.h"
#include "o3lsm/slice.h"
#include "o3lsm/status.h"

namespace o3lsm {

enum class FileType {
  kLogFile,
  kTableFile,
  kDescriptorFile,
  kCurrentFile,
  kLockFile,
  kInfoLogFile,
  kTempFile,
};

std::string LogFileName(const std::string& dbname, uint64_t number);
std::string TableFileName(const std::string& dbname, uint64_t number);
std::string DescriptorFileName(const std::string& dbname, uint64_t number);
std::string CurrentFileName(const std::string& dbname);
std::string LockFileName(const std::string& dbname);
std::string InfoLogFileName(const std::string& dbname);
// "LOG.old.<micros>".
std::string OldInfoLogFileName(const std::string& dbname, uint64_t micros);
std::string TempFileName(const std::string& dbname, uint64_t number);

// Parses a file name (not a path). False if it is not one of ours. *number
// is 0 for the files without a number (CURRENT, LOCK, LOG and old LOGs).
bool ParseFileName(const std::string& filename, uint64_t* number,
                   FileType* type);

// Points CURRENT at MANIFEST-<descriptor_number>: writes a temporary file,
// syncs it, renames it over CURRENT and syncs the directory, so that a crash
// leaves either the old or the new CURRENT, never a torn one.
Status SetCurrentFile(Env* env, const std::string& dbname,
                      uint64_t descriptor_number);

}  // namespace o3lsm

#endif  // O3LSM_LSM_VERSION_FILENAME_H_
