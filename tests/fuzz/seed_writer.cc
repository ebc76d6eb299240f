// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Writes the seed corpora of the fuzz targets: real structures produced by
// the engine's own writers (BlockBuilder, TableBuilder, log::Writer,
// WriteBatch, VersionEdit, EncodeSuperblock, BuildSegmentImage and
// SegmentHeader, the job specs, JobBoard), so that the fuzzers start
// from valid inputs and mutate from there. The corpora are checked in
// under tests/fuzz/corpus/; rerun this after a format change:
//
//   o3lsm_fuzz_seed_writer tests/fuzz/corpus
//
// Inputs of targets with a flags byte (fuzz_targets.h) are written with
// several flag values. The DM targets also get a few truncated and damaged
// inputs.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "o3lsm/env.h"
#include "o3lsm/write_batch.h"

#include "interconnect/superblock.h"
#include "lsm/dbformat.h"
#include "lsm/memtable/memtable.h"
#include "lsm/offload/offload_job.h"
#include "lsm/offload/search_protocol.h"
#include "lsm/offload/segment_format.h"
#include "lsm/offload/segment_image.h"
#include "lsm/table/block_builder.h"
#include "lsm/table/table_builder.h"
#include "lsm/version/version_edit.h"
#include "lsm/wal/log_writer.h"
#include "lsm/wal/write_batch_internal.h"
#include "scheduler/cluster/job_board.h"
#include "tests/fuzz/dm_fuzz_pool.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::fuzz {
namespace {

namespace fs = std::filesystem;

class StringFile final : public WritableFile {
 public:
  explicit StringFile(std::string* out) : out_(out) {}
  Status Append(const Slice& data) override {
    out_->append(data.data(), data.size());
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  uint64_t Size() const override { return out_->size(); }

 private:
  std::string* const out_;
};

class SeedWriter {
 public:
  explicit SeedWriter(fs::path root) : root_(std::move(root)) {}

  void Write(const char* target, const std::string& name,
             const std::string& bytes) {
    const fs::path dir = root_ / target;
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    written_++;
  }
  // Writes bytes behind each of the given flags bytes.
  void WriteFlagged(const char* target, const std::string& name,
                    const std::string& bytes,
                    std::initializer_list<uint8_t> flags) {
    for (uint8_t f : flags) {
      Write(target, name + "-f" + std::to_string(f),
            std::string(1, static_cast<char>(f)) + bytes);
    }
  }
  int written() const { return written_; }

 private:
  const fs::path root_;
  int written_ = 0;
};

std::string UserKey(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "user%06d", i * 7);
  return buf;
}

std::string IKey(const std::string& user_key, SequenceNumber seq,
                 ValueType type) {
  std::string k;
  AppendInternalKey(&k, ParsedInternalKey(user_key, seq, type));
  return k;
}

std::string Table(int entries, const TableOptions& options) {
  std::string file;
  StringFile f(&file);
  TableBuilder builder(options, &f, "seed.sst");
  builder.SetCreationTime(1700000000);  // reproducible seeds
  builder.SetUniqueId(1);
  for (int i = 0; i < entries; i++) {
    const ValueType type = i % 5 == 4 ? kTypeDeletion : kTypeValue;
    builder.Add(IKey(UserKey(i), 1000 - i, type),
                type == kTypeValue ? "value-" + std::to_string(i) : "");
  }
  if (!builder.Finish().ok()) abort();
  return file;
}

void WriteBlocks(SeedWriter* w) {
  for (int interval : {1, 4, 16}) {
    BlockBuilder b(interval);
    for (int i = 0; i < 40; i++) {
      b.Add(IKey(UserKey(i), 100 - i, kTypeValue), "v" + std::to_string(i));
    }
    w->Write("block", "internal-r" + std::to_string(interval),
             b.Finish().ToString());
  }
  BlockBuilder bytewise(8);
  for (int i = 0; i < 20; i++) bytewise.Add(UserKey(i), std::to_string(i));
  w->Write("block", "bytewise", bytewise.Finish().ToString());
  BlockBuilder empty(16);
  w->Write("block", "empty", empty.Finish().ToString());
}

void WriteTables(SeedWriter* w) {
  TableOptions plain;
  plain.block_size = 256;
  const std::string small = Table(60, plain);
  w->WriteFlagged("table", "small", small, {0, 1, 2, 4, 7});
  w->WriteFlagged("footer", "small", small.substr(small.size() - 72), {0, 1});
  TableOptions nofilter = plain;
  nofilter.bloom_bits_per_key = 0;
  w->WriteFlagged("table", "nofilter", Table(30, nofilter), {0, 1});
  TableOptions zstd = plain;
  zstd.compression = CompressionType::kZstd;
  w->WriteFlagged("table", "zstd", Table(80, zstd), {0, 1});
  TableOptions lz4 = plain;
  lz4.compression = CompressionType::kLz4;
  w->WriteFlagged("table", "lz4", Table(80, lz4), {1, 3});
  TableOptions snappy = plain;
  snappy.compression = CompressionType::kSnappy;
  w->WriteFlagged("table", "snappy", Table(80, snappy), {0, 2});
  w->WriteFlagged("table", "empty", Table(0, plain), {0, 1});
  TableOptions v1 = plain;  // the older index, without first keys
  v1.format_version = 1;
  w->WriteFlagged("table", "small-v1", Table(60, v1), {0, 1});
}

std::string Batch(int first, int n, SequenceNumber seq) {
  WriteBatch b;
  for (int i = first; i < first + n; i++) {
    if (i % 4 == 3) {
      b.Delete(UserKey(i));
    } else {
      b.Put(UserKey(i), std::string(static_cast<size_t>(i % 50), 'v'));
    }
  }
  if (n > 2) b.DeleteRange(UserKey(first), UserKey(first + n / 2));
  WriteBatchInternal::SetSequence(&b, seq);
  return WriteBatchInternal::Contents(&b).ToString();
}

std::string Edit(int variant) {
  VersionEdit e;
  e.SetLogNumber(12 + variant);
  e.SetNextFile(40 + variant);
  e.SetLastSequence(5000 + variant);
  if (variant >= 1) {
    FileMetaData f;
    f.number = 33;
    f.file_size = 4096;
    f.smallest = InternalKey(UserKey(1), 10, kTypeValue);
    f.largest = InternalKey(UserKey(90), 20, kTypeDeletion);
    f.smallest_seqno = 10;
    f.largest_seqno = 20;
    f.num_entries = 90;
    f.num_deletions = 3;
    e.AddFile(variant % 7, f);
    e.RemoveFile(1, 21);
  }
  if (variant >= 2) {
    e.SetCompactPointer(2, InternalKey(UserKey(50), 7, kTypeValue));
    e.AddRangeTombstone({UserKey(10), UserKey(20), 4900});
    e.DropRangeTombstone(4800);
  }
  std::string r;
  e.EncodeTo(&r);
  return r;
}

void WriteLogs(SeedWriter* w) {
  for (int i = 0; i < 3; i++)
    w->Write("write_batch", "batch" + std::to_string(i),
             Batch(i * 10, 3 + i * 5, 100 * i));
  w->Write("write_batch", "empty", Batch(0, 0, 1));
  for (int v = 0; v < 3; v++)
    w->Write("version_edit", "edit" + std::to_string(v), Edit(v));

  // A WAL and a MANIFEST of log number 7 (fuzz_targets.h), one spanning
  // blocks.
  std::string wal;
  {
    log::Writer writer(std::make_unique<StringFile>(&wal), 7);
    for (int i = 0; i < 5; i++) {
      if (!writer.AddRecord(Batch(i * 3, 3, i * 3 + 1)).ok()) abort();
    }
    if (!writer.AddRecord("").ok()) abort();
  }
  w->WriteFlagged("log_reader", "wal", wal, {0, 1});
  std::string big;
  {
    log::Writer writer(std::make_unique<StringFile>(&big), 7);
    if (!writer.AddRecord(Batch(0, 2, 1)).ok()) abort();
    if (!writer.AddRecord(std::string(40000, 'x')).ok()) abort();
    if (!writer.AddRecord(Batch(5, 2, 9)).ok()) abort();
  }
  w->WriteFlagged("log_reader", "spanning", big, {0, 1});
  std::string manifest;
  {
    log::Writer writer(std::make_unique<StringFile>(&manifest), 7);
    for (int v = 0; v < 3; v++) {
      if (!writer.AddRecord(Edit(v)).ok()) abort();
    }
  }
  w->WriteFlagged("log_reader", "manifest", manifest, {0, 1});
}

void WriteSuperblocks(SeedWriter* w) {
  fabric::PoolLayout layout;
  for (uint64_t size : {uint64_t{64} << 20, uint64_t{1} << 30}) {
    fabric::PoolInfo info;
    if (!fabric::PlanPool(size, 3, 0xC1A55, layout, &info).ok()) abort();
    info.creation_micros = 1700000000000000ull;
    std::string sb(fabric::kSuperblockSize, '\0');
    fabric::EncodeSuperblock(info, sb.data());
    // Only the encoded front matters; the rest of the 4 KiB is zero.
    sb.resize(256);
    w->WriteFlagged("superblock", "pool" + std::to_string(size >> 20) + "m", sb,
                    {0, 1, 2});
  }
}

void WriteCommandLines(SeedWriter* w) {
  const char* lines[] = {
      "put key value",
      "get \"my key\"; delete 'other key' # comment",
      "put \"\\x00\\xff\\t\\n\\\\\" '\"'\nscan a z",
      "compact\n\nflush;stats",
      "put \"unterminated",
  };
  int i = 0;
  for (const char* l : lines)
    w->Write("command_line", "line" + std::to_string(i++), l);
}

// A DM memtable segment as DmSegment::Create writes it (header, image,
// keys, order block), with fixed ids and times: `keys` user keys, each with
// `versions` versions, some of them deletions, laid out as `layout` says.
std::string Segment(int keys, int versions,
                    SegmentLayout layout = SegmentLayout::kSortedImage) {
  auto mem = std::make_shared<MemTable>(1, 1 << 20, 1 << 20);
  if (!mem->ok()) abort();
  SequenceNumber seq = 0;
  for (int i = 0; i < keys; i++) {
    for (int v = 0; v < versions; v++) {
      ++seq;
      const bool del = (i + v) % 5 == 3;
      if (!mem->Add(seq, del ? kTypeDeletion : kTypeValue, UserKey(i),
                    del ? "" : "value-" + std::to_string(seq))) {
        abort();
      }
    }
  }
  SegmentImage image;
  if (!BuildSegmentImage(mem.get(), layout, 10, &image).ok()) abort();
  const std::string keys_trailer =
      EncodeSegmentKeys(image.smallest_user_key, image.largest_user_key);
  SegmentHeader h;
  h.segment_id = 5;
  h.owner = 1;
  h.generation = 3;
  h.shard = 2;
  h.router_generation = 4;
  h.smallest_seq = image.smallest_seq;
  h.largest_seq = image.largest_seq;
  h.entries = image.entries;
  h.image_length = static_cast<uint32_t>(image.size);
  h.image_checksum = image.checksum;
  h.keys_length = static_cast<uint32_t>(keys_trailer.size());
  h.created_micros = 1700000000000000ull;
  h.layout = layout;
  h.order_length = static_cast<uint32_t>(image.order.size());
  if (!image.order.empty()) {
    h.order_checksum = Checksum64(image.order.data(), image.order.size());
  }
  std::string seg(SegmentHeader::kEncodedLength, '\0');
  h.EncodeTo(seg.data());
  seg.append(image.bytes, image.size);
  seg += keys_trailer;
  seg += image.order;
  return seg;
}

void WriteSegments(SeedWriter* w) {
  const std::string small = Segment(40, 1);  // 3 fences
  w->WriteFlagged("segment", "small", small, {0, 1, 2});
  w->WriteFlagged("segment", "versions", Segment(8, 6), {1});
  w->WriteFlagged("segment", "one", Segment(1, 1), {0});
  // Damaged: cut in the middle of the image (as it is, and padded back to
  // its length with zeros); a byte of the image flipped, behind recomputed
  // checksums.
  const size_t image = small.size() - SegmentHeader::kEncodedLength;
  w->WriteFlagged("segment", "truncated",
                  small.substr(0, SegmentHeader::kEncodedLength + image / 2),
                  {0, 2});
  std::string damaged = small;
  damaged[SegmentHeader::kEncodedLength + image / 2] ^= 0x40;
  w->WriteFlagged("segment", "damaged", damaged, {1});
  // Arena copies (the default layout): as written, and with two order
  // records swapped behind recomputed checksums.
  const std::string arena = Segment(40, 2, SegmentLayout::kArenaCopy);
  w->WriteFlagged("segment", "arena", arena, {0, 1, 2});
  w->WriteFlagged("segment", "arena_one", Segment(1, 1, SegmentLayout::kArenaCopy),
                  {0});
  SegmentHeader h;
  if (!h.DecodeFrom(arena).ok()) abort();
  std::string swapped = arena;
  std::swap_ranges(swapped.begin() + h.order_offset() + 3 * kOrderRecordSize,
                   swapped.begin() + h.order_offset() + 4 * kOrderRecordSize,
                   swapped.begin() + h.order_offset() + 4 * kOrderRecordSize);
  w->WriteFlagged("segment", "arena_swapped", swapped, {1});
}

FlushJobSpec FlushSpec() {
  FlushJobSpec spec;
  spec.db_path = "/shared/db";
  spec.table.compression = CompressionType::kZstd;
  spec.oldest_snapshot = 90;
  spec.file_number_base = 1000;
  spec.max_attempts = 3;
  spec.segments.push_back({fabric::DmAddr(1, 0x200000), 4096});
  spec.segments.push_back({fabric::DmAddr(1, 0x300000), 123456});
  return spec;
}

JobFile File(uint64_t number, int first, int last) {
  JobFile f;
  f.number = number;
  f.file_size = 1 << 20;
  f.smallest = IKey(UserKey(first), 100 + first, kTypeValue);
  f.largest = IKey(UserKey(last), 100 + last, kTypeDeletion);
  return f;
}

CompactionJobSpec CompactionSpec() {
  CompactionJobSpec spec;
  spec.db_path = "/shared/db";
  spec.table.bloom_bits_per_key = 0;
  spec.oldest_snapshot = 77;
  spec.level = 1;
  spec.output_level = 2;
  spec.max_output_file_size = 2 << 20;
  spec.inputs[0] = {File(11, 0, 20)};
  spec.inputs[1] = {File(21, 0, 9), File(22, 10, 30)};
  spec.deeper = {{File(31, 0, 50)}, {}};
  spec.grandparents = {File(31, 0, 50)};
  spec.file_number_base = 500;
  spec.outputs_per_attempt = 4;
  spec.max_attempts = 2;
  spec.range_tombstones = {{UserKey(3), UserKey(8), 60}};
  return spec;
}

std::string ResultBytes() {
  JobResult r;
  for (int i = 0; i < 2; i++) {
    FileMetaData f;
    f.number = 500 + i;
    f.file_size = 70000 + i;
    f.smallest = InternalKey(UserKey(i * 10), 40 + i, kTypeValue);
    f.largest = InternalKey(UserKey(i * 10 + 9), 60 + i, kTypeDeletion);
    f.smallest_seqno = 40 + i;
    f.largest_seqno = 60 + i;
    f.num_entries = 10;
    f.num_deletions = 1;
    r.outputs.push_back(f);
  }
  r.micros = 1234;
  r.records_in = 30;
  r.records_dropped = 10;
  r.bytes_read = 3 << 20;
  r.bytes_written = 140001;
  std::string bytes;
  r.EncodeTo(&bytes);
  return bytes;
}

// The `job` target's slot input (fuzz_targets.h): the state word, then the
// slot's bytes, with trailing zeros dropped. The job is posted in a fresh
// pool of the target's geometry and taken as far as `finish` says (0: posted,
// 1: done, 2: failed); `damage` flips a payload byte. JobBoard::Post picks
// the slot, so the bytes are re-checksummed for slot 0, where the target
// puts them, with a fixed post time.
std::string Slot(cluster::JobType type, const std::string& payload,
                 uint16_t offer_to, int finish, bool damage) {
  std::unique_ptr<fabric::Fabric> pool;
  std::unique_ptr<cluster::JobBoard> board;
  if (!OpenFuzzPool(&pool).ok() ||
      !cluster::JobBoard::Open(pool.get(), &board).ok()) {
    abort();
  }
  cluster::JobTicket ticket;
  if (!board->Post(kFuzzJobOwner, type, payload, offer_to, &ticket).ok()) {
    abort();
  }
  if (finish > 0) {
    cluster::ClaimedJob job;
    if (!board
             ->Claim(kFuzzJobExecutor, cluster::kAnyJobType,
                     std::chrono::nanoseconds(0), &job)
             .ok() ||
        !board
             ->Complete(job, finish == 1,
                        finish == 1 ? ResultBytes() : "IO error: disk full")
             .ok()) {
      abort();
    }
  }
  char word[8];
  std::string slot(kFuzzJobSlotSize, '\0');
  if (!pool->Read(board->TEST_WordAddr(ticket.slot), word, 8).ok() ||
      !pool->Read(board->TEST_SlotAddr(ticket.slot), slot.data(), slot.size())
           .ok()) {
    abort();
  }
  EncodeFixed64(slot.data() + cluster::job_slot::kPostMicros,
                1700000000000000ull);
  FixJobSlotChecksums(&slot, board->TEST_SlotAddr(0).offset(), ticket.serial,
                      board->max_payload());
  // After the checksums: the payload checksum no longer matches (the
  // target's flag bit 0 recomputes it, and the damage reaches the decoder).
  if (damage) slot[cluster::job_slot::kPayload + payload.size() / 2] ^= 0x01;
  while (!slot.empty() && slot.back() == '\0') slot.pop_back();
  return std::string(word, 8) + slot;
}

void WriteJobs(SeedWriter* w) {
  std::string flush, compaction;
  FlushSpec().EncodeTo(&flush);
  CompactionSpec().EncodeTo(&compaction);
  w->WriteFlagged("job", "flush", flush, {0});
  w->WriteFlagged("job", "compaction", compaction, {0});
  w->WriteFlagged("job", "result", ResultBytes(), {0});
  w->WriteFlagged("job", "truncated",
                  compaction.substr(0, compaction.size() / 2), {0});
  using cluster::JobType;
  w->WriteFlagged("job", "slot-posted",
                  Slot(JobType::kFlush, flush, 0, 0, false), {2});
  w->WriteFlagged(
      "job", "slot-done",
      Slot(JobType::kCompaction, compaction, kFuzzJobExecutor, 1, false), {2});
  w->WriteFlagged("job", "slot-failed",
                  Slot(JobType::kFlush, flush, 0, 2, false), {2});
  w->WriteFlagged("job", "slot-damaged",
                  Slot(JobType::kCompaction, compaction, 0, 0, true), {2, 3});
}

// Delegated search messages: requests that point at a segment image in
// the pool, and replies of each outcome.
void WriteSearches(SeedWriter* w) {
  SearchRequest request;
  request.id = 9;
  for (int k = 0; k < 3; k++) {
    SearchKey key;
    key.lookup_key = IKey(UserKey(k), 100, kValueTypeForSeek);
    SearchTarget t;
    t.segment = 1 << 20;
    t.image_length = 4096;
    t.order_offset = SegmentHeader::kEncodedLength + 4096;
    t.layout = k % 2 ? SegmentLayout::kSortedImage : SegmentLayout::kArenaCopy;
    t.num_fences = static_cast<uint8_t>(1 + k % 2);
    for (int f = 0; f < t.num_fences; f++) {
      t.fences[f].offset = 64 * f;
      t.fences[f].length = k % 2 ? 64 : 4;
      t.fences[f].first_node = 64 * f + 8;
    }
    key.targets.push_back(t);
    request.keys.push_back(std::move(key));
  }
  std::string bytes;
  EncodeSearchRequest(request, &bytes);
  w->WriteFlagged("search", "request", bytes, {0, 1});
  w->WriteFlagged("search", "request-cut", bytes.substr(0, bytes.size() / 2),
                  {0, 1});
  SearchReply reply;
  reply.id = 9;
  for (uint8_t o = 0; o <= kMaxSearchOutcome; o++) {
    SearchKeyReply r;
    r.outcome = static_cast<SearchOutcome>(o);
    r.target = o % 2;
    r.sequence = 50 + o;
    r.entry_offset = 100 * o;
    r.entry_length = 30;
    r.value = o == 1 ? "value" : o >= 4 ? "why" : "";
    reply.keys.push_back(r);
  }
  bytes.clear();
  EncodeSearchReply(reply, &bytes);
  w->WriteFlagged("search", "reply", bytes, {2, 3});
}

}  // namespace
}  // namespace o3lsm::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  o3lsm::fuzz::SeedWriter w(argv[1]);
  o3lsm::fuzz::WriteBlocks(&w);
  o3lsm::fuzz::WriteTables(&w);
  o3lsm::fuzz::WriteLogs(&w);
  o3lsm::fuzz::WriteSuperblocks(&w);
  o3lsm::fuzz::WriteCommandLines(&w);
  o3lsm::fuzz::WriteSegments(&w);
  o3lsm::fuzz::WriteJobs(&w);
  o3lsm::fuzz::WriteSearches(&w);
  printf("wrote %d seeds under %s\n", w.written(), argv[1]);
  return 0;
}
