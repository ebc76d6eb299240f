// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// log::Reader reads back the records a log::Writer wrote (WAL replay,
// MANIFEST recovery) and, when the log stops yielding records, says how it
// ended, so that recovery can tell a crash from damage:
//
//   kCleanEof    the log ends at a record boundary: at the end of the file,
//                before zero bytes that run to the end of the file
//                (preallocated or never-written space), or before an intact
//                fragment of another log (a reused file's stale bytes).
//   kTornTail    the last record is incomplete or damaged and no valid record
//                of this log follows it: what a crash while appending leaves.
//                Recovery truncates the file at LastGoodOffset(), unless
//                paranoid, where it fails with status().
//   kCorruption  bytes were lost in the middle: a damaged fragment followed
//                later in the file by the first fragment of a valid record of
//                this log; a record whose last fragment never came before the
//                next record starts; or a kMiddleType/kLastType fragment with
//                no record in progress. status() names the file and the
//                offset; recovery fails.
//   kIOError     reading the file failed; status() says why. Nothing is
//                known about the bytes after LastGoodOffset(): never truncate.
//
// Reading stops at the first anomaly: records after a hole are not returned,
// since replaying them would skip the updates lost in the hole. To decide
// between kTornTail and kCorruption the reader scans the rest of the file,
// at every byte offset, for a fragment header that starts a record
// (kFullType or kFirstType), carries this log's number and verifies; only
// such a fragment proves that the damage is not at the tail. Fragments that
// continue a record (kMiddleType, kLastType) do not count: a crash can
// persist a multi-block record's later pages before its first one.
//
// Recovery, in short:
//   while (reader.ReadRecord(&record, &scratch)) Replay(record);
//   switch (reader.end_state()) {
//     case EndState::kCleanEof: break;
//     case EndState::kTornTail:
//       if (paranoid) return reader.status();
//       truncate the file to reader.LastGoodOffset(); break;
//     default: return reader.status();  // kCorruption, kIOError
//   }
//
// Thread safety: not thread-safe; use one reader from one thread.

#ifndef O3LSM_LSM_WAL_LOG_READER_H_
#define O3LSM_LSM_WAL_LOG_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "o3lsm/env.h"
#include "o3lsm/slice.h"
#include "o3lsm/status.h"

#include "lsm/wal/log_format.h"

namespace o3lsm::log {

class Reader {
 public:
  // Told about bytes the reader drops.
  class Reporter {
   public:
    virtual ~Reporter() = default;
    // Called once, when reading ends in kTornTail or kCorruption: bytes is
    // the length of the range after LastGoodOffset() that holds no returned
    // record (to the end of the file for a torn tail, to the next valid
    // record for corruption); status is Reader::status().
    virtual void DroppedBytes(uint64_t bytes, const Status& status) = 0;
  };

  enum class EndState {
    kReading,  // ReadRecord has not returned false yet
    kCleanEof,
    kTornTail,
    kCorruption,
    kIOError,
  };

  // Reads the log numbered log_number from file, which starts at offset 0.
  // fname is used in messages only. reporter may be null; otherwise it must
  // outlive the reader.
  Reader(std::unique_ptr<SequentialFile> file, std::string fname,
         uint64_t log_number, Reporter* reporter = nullptr);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader() = default;

  // Reads the next record into *record and returns true, or returns false at
  // the end of the log (then see end_state()). *record points into *scratch
  // or into the reader's buffer and stays valid until the next ReadRecord or
  // the reader's destruction. Every returned record verified its checksums.
  bool ReadRecord(Slice* record, std::string* scratch);

  // How the log ended; kReading while ReadRecord still returns records.
  EndState end_state() const { return end_state_; }
  // OK for kReading and kCleanEof; otherwise Corruption (or IOError) naming
  // the file and the offset of the fragment where reading stopped.
  const Status& status() const { return status_; }
  // The file offset just past the last complete, valid record returned (0 if
  // none): where a torn log is truncated, and where a Writer continuing this
  // log starts (dest_length). May be less than the file size even after a
  // clean end (zero padding, another log's fragments).
  uint64_t LastGoodOffset() const { return last_good_offset_; }

 private:
  // What ReadFragment found at the current position.
  enum class FragmentResult {
    kFragment,  // a verified fragment of this log
    kEnd,       // the file ends at a fragment boundary (padding excepted)
    kStale,     // a verified fragment of another log
    kBad,       // bytes that are no valid fragment; see bad_reason_
    kIOError,
  };

  // Reads the fragment at the current position and, if valid, moves past it.
  // *offset is its file offset (for kEnd, the end of the file).
  FragmentResult ReadFragment(RecordType* type, Slice* payload,
                              uint64_t* offset);
  // Reads the next block into block_; false on an I/O error (in status_).
  bool ReadBlock();
  // Looks for a fragment that starts a valid record of this log anywhere
  // after the anomaly at block position pos_, reading to the end of the file
  // if needed. Sets *found_offset if one exists, and *all_zero if every byte
  // from the anomaly to the end of the file is zero. False on an I/O error
  // (in status_).
  bool ScanAhead(bool* found, uint64_t* found_offset, bool* all_zero);
  // Whether a fragment that starts a record of this log verifies at
  // block_pos of the current block.
  bool StartsRecordAt(size_t block_pos) const;

  // Classifies the end of the log after an anomaly (a bad or stale fragment)
  // at offset, found with or without a record in progress.
  void FinishAfterAnomaly(FragmentResult result, uint64_t offset,
                          bool in_record);
  void Finish(EndState state, Status status, uint64_t dropped_bytes);

  const std::unique_ptr<SequentialFile> file_;
  const std::string fname_;
  const uint64_t log_number_;
  Reporter* const reporter_;

  // The block being parsed: block_len_ bytes from file offset block_start_,
  // the next fragment at block position pos_. eof_ once a read came back
  // empty: the file ends in this block.
  std::unique_ptr<char[]> block_;
  size_t block_len_ = 0;
  size_t pos_ = 0;
  uint64_t block_start_ = 0;
  uint64_t next_block_start_ = 0;
  bool eof_ = false;

  const char* bad_reason_ = "";    // why the last kBad fragment is bad
  uint32_t stale_log_number_ = 0;  // of the last kStale fragment
  uint64_t last_good_offset_ = 0;
  EndState end_state_ = EndState::kReading;
  Status status_;
};

}  // namespace o3lsm::log

#endif  // O3LSM_LSM_WAL_LOG_READER_H_
