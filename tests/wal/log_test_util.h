// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// In-memory files and helpers shared by the log writer and reader tests.

#ifndef O3LSM_TESTS_WAL_LOG_TEST_UTIL_H_
#define O3LSM_TESTS_WAL_LOG_TEST_UTIL_H_

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "o3lsm/env.h"

#include "lsm/wal/log_format.h"
#include "lsm/wal/log_reader.h"
#include "lsm/wal/log_writer.h"
#include "util/random.h"

namespace o3lsm::log::test {

// A WritableFile appending to a string it does not own; counts Appends and
// can fail them.
class StringSink : public WritableFile {
 public:
  explicit StringSink(std::string* contents) : contents_(contents) {}

  Status Append(const Slice& data) override {
    ++appends;
    if (fail_appends) return Status::IOError("sink", "injected failure");
    contents_->append(data.data(), data.size());
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override {
    ++syncs;
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t Size() const override { return contents_->size(); }

  int appends = 0;
  int syncs = 0;
  bool fail_appends = false;

 private:
  std::string* contents_;
};

// A SequentialFile over a copy of some bytes. max_chunk > 0 makes reads
// return at most that many bytes (random lengths in [1, max_chunk] if
// random_chunks), so that short reads that are not the end of the file are
// exercised; own_storage returns slices into the file's bytes instead of
// filling scratch.
class StringSource : public SequentialFile {
 public:
  explicit StringSource(std::string contents, size_t max_chunk = 0,
                        bool random_chunks = false, bool own_storage = false)
      : contents_(std::move(contents)),
        max_chunk_(max_chunk),
        random_chunks_(random_chunks),
        own_storage_(own_storage),
        rnd_(contents_.size() + 1) {}

  Status Read(size_t n, Slice* result, char* scratch) override {
    if (fail_reads) return Status::IOError("source", "injected failure");
    size_t len = std::min(n, contents_.size() - pos_);
    if (max_chunk_ > 0) {
      const size_t chunk =
          random_chunks_ ? 1 + rnd_.Uniform(max_chunk_) : max_chunk_;
      len = std::min(len, chunk);
    }
    if (own_storage_) {
      *result = Slice(contents_.data() + pos_, len);
    } else {
      if (len > 0) memcpy(scratch, contents_.data() + pos_, len);
      *result = Slice(scratch, len);
    }
    pos_ += len;
    return Status::OK();
  }
  Status Skip(uint64_t n) override {
    pos_ = std::min<size_t>(contents_.size(), pos_ + n);
    return Status::OK();
  }

  bool fail_reads = false;

 private:
  const std::string contents_;
  const size_t max_chunk_;
  const bool random_chunks_;
  const bool own_storage_;
  Random64 rnd_;
  size_t pos_ = 0;
};

class CountingReporter : public Reader::Reporter {
 public:
  void DroppedBytes(uint64_t bytes, const Status& status) override {
    ++calls;
    dropped += bytes;
    last = status;
  }
  int calls = 0;
  uint64_t dropped = 0;
  Status last;
};

// A log written by a Writer, with where each record starts (its first
// fragment header, after any block padding) and ends.
struct WrittenLog {
  std::string contents;
  std::vector<std::string> records;
  std::vector<uint64_t> starts;
  std::vector<uint64_t> ends;

  // Index of the record whose bytes (padding before it excluded) hold
  // `offset`, or -1 if offset is block padding.
  int RecordAt(uint64_t offset) const {
    for (size_t i = 0; i < records.size(); ++i) {
      if (offset >= starts[i] && offset < ends[i]) return static_cast<int>(i);
    }
    return -1;
  }
};

inline WrittenLog WriteLog(const std::vector<std::string>& records,
                           uint64_t log_number) {
  WrittenLog log;
  log.records = records;
  Writer writer(std::make_unique<StringSink>(&log.contents), log_number);
  for (const std::string& r : records) {
    uint64_t start = writer.FileSize();
    if (kBlockSize - start % kBlockSize < kHeaderSize) {
      start += kBlockSize - start % kBlockSize;
    }
    Status s = writer.AddRecord(r);
    if (!s.ok()) std::abort();
    log.starts.push_back(start);
    log.ends.push_back(writer.FileSize());
  }
  return log;
}

// Everything a Reader made of some bytes.
struct ReadBack {
  std::vector<std::string> records;
  Reader::EndState end_state = Reader::EndState::kReading;
  Status status;
  uint64_t last_good_offset = 0;
  int reports = 0;
  uint64_t dropped = 0;
};

inline ReadBack ReadLog(std::unique_ptr<SequentialFile> file,
                        uint64_t log_number,
                        const std::string& fname = "000007.log") {
  ReadBack out;
  CountingReporter reporter;
  Reader reader(std::move(file), fname, log_number, &reporter);
  Slice record;
  std::string scratch;
  while (reader.ReadRecord(&record, &scratch)) {
    out.records.push_back(record.ToString());
    if (reader.end_state() != Reader::EndState::kReading) std::abort();
  }
  out.end_state = reader.end_state();
  out.status = reader.status();
  out.last_good_offset = reader.LastGoodOffset();
  out.reports = reporter.calls;
  out.dropped = reporter.dropped;
  // Reading past the end stays at the end.
  if (reader.ReadRecord(&record, &scratch)) std::abort();
  return out;
}

inline ReadBack ReadLog(const std::string& contents, uint64_t log_number,
                        const std::string& fname = "000007.log") {
  return ReadLog(std::make_unique<StringSource>(contents), log_number, fname);
}

// One fragment encoded by hand, for shapes the Writer never produces.
inline std::string Fragment(RecordType type, const std::string& payload,
                            uint64_t log_number) {
  std::string f(kHeaderSize, '\0');
  EncodeFixed16(&f[kLengthOffset], static_cast<uint16_t>(payload.size()));
  f[kTypeOffset] = static_cast<char>(type);
  EncodeFixed32(&f[kLogNumberOffset], StoredLogNumber(log_number));
  f += payload;
  EncodeFixed32(&f[kChecksumOffset],
                FragmentChecksum(f.data(), payload.size()));
  return f;
}

inline const char* EndStateName(Reader::EndState s) {
  switch (s) {
    case Reader::EndState::kReading:
      return "kReading";
    case Reader::EndState::kCleanEof:
      return "kCleanEof";
    case Reader::EndState::kTornTail:
      return "kTornTail";
    case Reader::EndState::kCorruption:
      return "kCorruption";
    case Reader::EndState::kIOError:
      return "kIOError";
  }
  return "?";
}

}  // namespace o3lsm::log::test

#endif  // O3LSM_TESTS_WAL_LOG_TEST_UTIL_H_
