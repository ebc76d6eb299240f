// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/wal/log_reader.h"

#include <cstring>
#include <utility>

#include "util/coding.h"

namespace o3lsm::log {

namespace {

std::string AtOffset(uint64_t offset) {
  return " at offset " + std::to_string(offset);
}

}  // namespace

Reader::Reader(std::unique_ptr<SequentialFile> file, std::string fname,
               uint64_t log_number, Reporter* reporter)
    : file_(std::move(file)),
      fname_(std::move(fname)),
      log_number_(log_number),
      reporter_(reporter),
      block_(std::make_unique_for_overwrite<char[]>(kBlockSize)) {}

bool Reader::ReadRecord(Slice* record, std::string* scratch) {
  if (end_state_ != EndState::kReading) return false;
  scratch->clear();
  bool in_record = false;
  uint64_t record_start = 0;
  while (true) {
    RecordType type = kZeroType;
    Slice payload;
    uint64_t offset = 0;
    const FragmentResult result = ReadFragment(&type, &payload, &offset);
    switch (result) {
      case FragmentResult::kFragment:
        break;
      case FragmentResult::kEnd:
        if (in_record) {
          Finish(EndState::kTornTail,
                 Status::Corruption(fname_, "torn tail: the file ends" +
                                                AtOffset(offset) +
                                                " inside the record started" +
                                                AtOffset(record_start)),
                 offset - last_good_offset_);
        } else {
          Finish(EndState::kCleanEof, Status::OK(), 0);
        }
        return false;
      case FragmentResult::kIOError:
        Finish(EndState::kIOError, status_, 0);
        return false;
      case FragmentResult::kStale:
      case FragmentResult::kBad:
        FinishAfterAnomaly(result, offset, in_record);
        return false;
    }

    const uint64_t end = offset + kHeaderSize + payload.size();
    switch (type) {
      case kFullType:
      case kFirstType:
        if (in_record) {
          // A later record was written after this one was cut short: no
          // crash produces that, bytes went missing in the middle.
          Finish(EndState::kCorruption,
                 Status::Corruption(
                     fname_, "record" + AtOffset(record_start) +
                                 " lacks its last fragment; a record starts" +
                                 AtOffset(offset)),
                 offset - last_good_offset_);
          return false;
        }
        if (type == kFullType) {
          *record = payload;
          last_good_offset_ = end;
          return true;
        }
        in_record = true;
        record_start = offset;
        scratch->assign(payload.data(), payload.size());
        break;
      case kMiddleType:
      case kLastType:
        if (!in_record) {
          Finish(
              EndState::kCorruption,
              Status::Corruption(
                  fname_, "fragment of type " + std::to_string(type) +
                              " without a first fragment" + AtOffset(offset)),
              end - last_good_offset_);
          return false;
        }
        scratch->append(payload.data(), payload.size());
        if (type == kLastType) {
          *record = Slice(*scratch);
          last_good_offset_ = end;
          return true;
        }
        break;
      case kZeroType:
        // ReadFragment returns kBad for it.
        break;
    }
  }
}

Reader::FragmentResult Reader::ReadFragment(RecordType* type, Slice* payload,
                                            uint64_t* offset) {
  while (true) {
    const size_t available = block_len_ - pos_;
    if (available < kHeaderSize) {
      if (!eof_) {
        // A full block's last bytes are padding (or nothing is read yet).
        if (!ReadBlock()) return FragmentResult::kIOError;
        continue;
      }
      // Bytes too few for a header end the file cleanly only where no header
      // can start: in a block's padding. *offset is then the end of the file.
      if (available == 0 || pos_ + kHeaderSize > kBlockSize) {
        *offset = block_start_ + block_len_;
        return FragmentResult::kEnd;
      }
      *offset = block_start_ + pos_;
      bad_reason_ = "truncated fragment header";
      return FragmentResult::kBad;
    }

    const char* header = block_.get() + pos_;
    *offset = block_start_ + pos_;
    const size_t length = DecodeFixed16(header + kLengthOffset);
    const auto raw_type = static_cast<uint8_t>(header[kTypeOffset]);
    // Checked before the checksum, which reads the payload.
    if (kHeaderSize + length > available) {
      bad_reason_ = (pos_ + kHeaderSize + length > kBlockSize)
                        ? "fragment length past the block end"
                        : "fragment truncated by the end of the file";
      return FragmentResult::kBad;
    }
    if (raw_type == kZeroType || raw_type > kMaxRecordType) {
      bad_reason_ = raw_type == kZeroType ? "zeroed fragment header"
                                          : "unknown fragment type";
      return FragmentResult::kBad;
    }
    if (FragmentChecksum(header, length) !=
        DecodeFixed32(header + kChecksumOffset)) {
      bad_reason_ = "fragment checksum mismatch";
      return FragmentResult::kBad;
    }
    // The checksum is seeded with the stored number, so this fragment is
    // intact: it belongs to another log whose blocks this file reuses.
    const uint32_t stored = DecodeFixed32(header + kLogNumberOffset);
    if (stored != StoredLogNumber(log_number_)) {
      stale_log_number_ = stored;
      return FragmentResult::kStale;
    }
    pos_ += kHeaderSize + length;
    *type = static_cast<RecordType>(raw_type);
    *payload = Slice(header + kHeaderSize, length);
    return FragmentResult::kFragment;
  }
}

bool Reader::ReadBlock() {
  block_start_ = next_block_start_;
  block_len_ = 0;
  pos_ = 0;
  // A short read does not prove the end of the file for every
  // SequentialFile; only an empty one does.
  while (block_len_ < kBlockSize) {
    const size_t want = kBlockSize - block_len_;
    char* dst = block_.get() + block_len_;
    Slice got;
    Status s = file_->Read(want, &got, dst);
    if (!s.ok()) {
      status_ = Status::IOError(
          fname_ + ": read" + AtOffset(block_start_ + block_len_), s.message());
      return false;
    }
    if (got.size() > want) {
      status_ = Status::IOError(
          fname_ + ": read" + AtOffset(block_start_ + block_len_),
          "returned more bytes than asked for");
      return false;
    }
    if (got.empty()) {
      eof_ = true;
      break;
    }
    // The file may return its own storage instead of filling dst.
    if (got.data() != dst) memmove(dst, got.data(), got.size());
    block_len_ += got.size();
  }
  next_block_start_ = block_start_ + block_len_;
  return true;
}

bool Reader::StartsRecordAt(size_t block_pos) const {
  if (block_pos + kHeaderSize > block_len_) return false;
  const char* p = block_.get() + block_pos;
  // The log number is the cheap, selective test: most offsets fail it.
  if (DecodeFixed32(p + kLogNumberOffset) != StoredLogNumber(log_number_)) {
    return false;
  }
  const auto type = static_cast<uint8_t>(p[kTypeOffset]);
  if (type != kFullType && type != kFirstType) return false;
  const size_t length = DecodeFixed16(p + kLengthOffset);
  const size_t end = block_pos + kHeaderSize + length;
  if (end > block_len_) return false;
  // The writer gives a first fragment all the room its block has left; the
  // stricter shape makes it even less likely that payload bytes pass.
  if (type == kFirstType && end != kBlockSize) return false;
  return FragmentChecksum(p, length) == DecodeFixed32(p + kChecksumOffset);
}

bool Reader::ScanAhead(bool* found, uint64_t* found_offset, bool* all_zero) {
  *found = false;
  *all_zero = true;
  // The anomaly is at pos_ in the current block; candidates start after it.
  size_t zero_from = pos_;
  size_t candidate_from = pos_ + 1;
  while (true) {
    const char* base = block_.get();
    for (size_t i = zero_from; *all_zero && i < block_len_; ++i) {
      if (base[i] != 0) *all_zero = false;
    }
    // Every byte offset, not just where the damaged fragment's length says
    // the next one starts: that length may be the damaged field.
    for (size_t p = candidate_from; p + kHeaderSize <= block_len_; ++p) {
      if (StartsRecordAt(p)) {
        *found = true;
        *found_offset = block_start_ + p;
        return true;
      }
    }
    if (eof_) return true;
    if (!ReadBlock()) return false;
    zero_from = 0;
    candidate_from = 0;
  }
}

void Reader::FinishAfterAnomaly(FragmentResult result, uint64_t offset,
                                bool in_record) {
  const std::string what =
      result == FragmentResult::kStale
          ? "intact fragment of log " + std::to_string(stale_log_number_)
          : std::string(bad_reason_);
  bool found = false;
  uint64_t found_offset = 0;
  bool all_zero = false;
  if (!ScanAhead(&found, &found_offset, &all_zero)) {
    Finish(EndState::kIOError, status_, 0);
    return;
  }
  if (found) {
    Finish(EndState::kCorruption,
           Status::Corruption(fname_, what + AtOffset(offset) +
                                          "; a valid record follows" +
                                          AtOffset(found_offset)),
           found_offset - last_good_offset_);
    return;
  }
  // Only zeros, or another log's intact fragment, after a complete record:
  // nothing of an unfinished record is there, so the log just ends.
  if (!in_record && (all_zero || result == FragmentResult::kStale)) {
    Finish(EndState::kCleanEof, Status::OK(), 0);
    return;
  }
  const uint64_t file_end = next_block_start_;
  Finish(EndState::kTornTail,
         Status::Corruption(fname_, "torn tail: " + what + AtOffset(offset) +
                                        "; the last complete record ends" +
                                        AtOffset(last_good_offset_)),
         file_end - last_good_offset_);
}

void Reader::Finish(EndState state, Status status, uint64_t dropped_bytes) {
  end_state_ = state;
  status_ = std::move(status);
  if (reporter_ != nullptr &&
      (state == EndState::kTornTail || state == EndState::kCorruption)) {
    reporter_->DroppedBytes(dropped_bytes, status_);
  }
}

}  // namespace o3lsm::log
