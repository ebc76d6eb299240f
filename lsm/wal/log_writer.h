// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// log::Writer appends records to a log file (the WAL or the MANIFEST) in the
// format of log_format.h. Each AddRecord hands the whole fragmented record,
// headers and block padding included, to the file in one Append, so that the
// WritableFile's buffer sees one copy per commit group.
//
// Durability is the caller's: AddRecord never syncs. Group commit writes one
// record per group and calls Sync at most once for it.
//
// Errors are sticky: once an Append fails, the file holds an unknown prefix
// of the record and block alignment is lost, so every later AddRecord, Flush
// and Sync returns that first error. Start a new log file to continue.
//
// Thread safety: not thread-safe; the write path serializes its calls.

#ifndef O3LSM_LSM_WAL_LOG_WRITER_H_
#define O3LSM_LSM_WAL_LOG_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "o3lsm/env.h"
#include "o3lsm/slice.h"
#include "o3lsm/status.h"

#include "lsm/wal/log_format.h"

namespace o3lsm::log {

class Writer {
 public:
  // Appends to dest, which already holds dest_length bytes of a log with the
  // same log_number (0 for a new file): writing continues in the block where
  // those bytes end. REQUIRES: dest_length is the end of a complete record
  // (Reader::LastGoodOffset of the existing bytes, after truncation).
  explicit Writer(std::unique_ptr<WritableFile> dest, uint64_t log_number,
                  uint64_t dest_length = 0);
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  // Does not close the file: the WritableFile's destructor does.
  ~Writer() = default;

  // Appends record (may be empty) to the file's buffer. Does not flush or
  // sync. The record may be larger than a block; no size limit besides
  // memory.
  [[nodiscard]] Status AddRecord(const Slice& record);
  // Hands buffered records to the operating system.
  [[nodiscard]] Status Flush();
  // Makes every added record durable.
  [[nodiscard]] Status Sync();
  [[nodiscard]] Status Close();

  // Bytes in the file, dest_length included: the offset the next record
  // starts at (before block padding).
  uint64_t FileSize() const { return file_size_; }
  uint64_t log_number() const { return log_number_; }
  // The file written to; owned by this writer.
  WritableFile* file() { return dest_.get(); }

 private:
  // Makes buf_ hold at least n bytes; contents are not kept.
  void ReserveBuffer(size_t n);

  std::unique_ptr<WritableFile> dest_;
  const uint64_t log_number_;
  uint64_t file_size_;
  size_t block_offset_;  // bytes used in the current block
  Status error_;         // first failed Append; sticky

  // The encoded record, reused across calls so that AddRecord allocates only
  // when a record is larger than every earlier one (see ReserveBuffer).
  std::unique_ptr<char[]> buf_;
  size_t buf_capacity_ = 0;
};

}  // namespace o3lsm::log

#endif  // O3LSM_LSM_WAL_LOG_WRITER_H_
