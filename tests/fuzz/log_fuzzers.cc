// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Fuzz targets of the log decoders (docs/wal_format.md,
// docs/manifest_format.md): log::Reader over arbitrary file bytes, write
// batches (WAL record payloads) and version edits (MANIFEST records).

#include <memory>
#include <string>
#include <vector>

#include "o3lsm/write_batch.h"

#include "lsm/version/version_edit.h"
#include "lsm/wal/log_format.h"
#include "lsm/wal/log_reader.h"
#include "lsm/wal/write_batch_internal.h"
#include "tests/fuzz/fuzz_targets.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/memory_file.h"
#include "util/coding.h"

namespace o3lsm::fuzz {

namespace {

// The log number the seed logs were written with (seed_writer.cc).
constexpr uint64_t kLogNumber = 7;
constexpr int kMaxRecords = 4096;

// Recomputes the checksum of every fragment header that can be located by
// walking each block from its start.
void FixLogChecksums(std::string* file) {
  for (size_t block = 0; block < file->size(); block += log::kBlockSize) {
    const size_t end = std::min(file->size(), block + log::kBlockSize);
    size_t pos = block;
    while (end - pos >= log::kHeaderSize) {
      char* h = file->data() + pos;
      const size_t length = DecodeFixed16(h + log::kLengthOffset);
      if (length > end - pos - log::kHeaderSize) break;
      EncodeFixed32(h + log::kChecksumOffset, log::FragmentChecksum(h, length));
      pos += log::kHeaderSize + length;
    }
  }
}

// Collects a batch's updates as one string per update.
class Recorder final : public WriteBatch::Handler {
 public:
  void Put(const Slice& key, const Slice& value) override {
    ops.push_back("P" + std::to_string(key.size()) + ":" + key.ToString() +
                  value.ToString());
  }
  void Delete(const Slice& key) override {
    ops.push_back("D" + key.ToString());
  }
  void DeleteRange(const Slice& begin, const Slice& end) override {
    ops.push_back("R" + std::to_string(begin.size()) + ":" +
                  begin.ToString() + end.ToString());
  }
  std::vector<std::string> ops;
};

// Rebuilds batch from its updates through the public API.
class Rebuilder final : public WriteBatch::Handler {
 public:
  explicit Rebuilder(WriteBatch* out) : out_(out) {}
  void Put(const Slice& key, const Slice& value) override {
    out_->Put(key, value);
  }
  void Delete(const Slice& key) override { out_->Delete(key); }
  void DeleteRange(const Slice& begin, const Slice& end) override {
    out_->DeleteRange(begin, end);
  }

 private:
  WriteBatch* const out_;
};

void DecodeBatch(const Slice& contents) {
  WriteBatch batch;
  if (!WriteBatchInternal::SetContents(&batch, contents).ok()) return;
  Recorder first;
  if (!batch.Iterate(&first).ok()) return;
  // A batch that decodes holds as many updates as its header says, and
  // re-encoding them gives the same updates.
  FUZZ_CHECK(first.ops.size() == WriteBatchInternal::Count(&batch),
             "Iterate accepted a batch whose count is wrong");
  WriteBatch again;
  Rebuilder rebuild(&again);
  FUZZ_CHECK(batch.Iterate(&rebuild).ok(), "second Iterate failed");
  Recorder second;
  FUZZ_CHECK(again.Iterate(&second).ok(), "rebuilt batch does not decode");
  FUZZ_CHECK(first.ops == second.ops, "rebuilt batch differs");
}

void DecodeEdit(const Slice& record) {
  VersionEdit edit;
  if (!edit.DecodeFrom(record, /*num_levels=*/7).ok()) return;
  // Encoding what was decoded is a fixed point: decoding the encoding and
  // encoding again gives the same bytes.
  std::string once;
  edit.EncodeTo(&once);
  VersionEdit again;
  Status s = again.DecodeFrom(once, 7);
  FUZZ_CHECK(s.ok(), "re-encoded edit does not decode: " + s.ToString());
  std::string twice;
  again.EncodeTo(&twice);
  FUZZ_CHECK(once == twice,
             "edit changes across a round trip: " + edit.DebugString() +
                 " vs " + again.DebugString());
}

}  // namespace

int FuzzLogReader(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  FlaggedInput in = SplitFlags(data, size);
  if (in.fix_checksums()) FixLogChecksums(&in.bytes);
  const uint64_t file_size = in.bytes.size();
  log::Reader reader(
      std::make_unique<MemorySequentialFile>(std::move(in.bytes)), "fuzz.log",
      kLogNumber);
  Slice record;
  std::string scratch;
  int n = 0;
  while (n < kMaxRecords && reader.ReadRecord(&record, &scratch)) {
    FUZZ_CHECK(reader.end_state() == log::Reader::EndState::kReading,
               "a record after the end");
    DecodeBatch(record);
    DecodeEdit(record);
    n++;
  }
  if (n < kMaxRecords) {
    const auto state = reader.end_state();
    FUZZ_CHECK(state != log::Reader::EndState::kReading,
               "ReadRecord returned false while reading");
    FUZZ_CHECK(
        (state == log::Reader::EndState::kCleanEof) == reader.status().ok(),
        "end state and status disagree: " + reader.status().ToString());
    FUZZ_CHECK(reader.LastGoodOffset() <= file_size,
               "LastGoodOffset past the end of the file");
    FUZZ_CHECK(!reader.ReadRecord(&record, &scratch), "a record after the end");
  }
  return 0;
}

int FuzzWriteBatch(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  DecodeBatch(Slice(reinterpret_cast<const char*>(data), size));
  return 0;
}

int FuzzVersionEdit(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  DecodeEdit(Slice(reinterpret_cast<const char*>(data), size));
  return 0;
}

}  // namespace o3lsm::fuzz
