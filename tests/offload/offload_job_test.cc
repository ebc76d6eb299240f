// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/offload_job.h"

#include <gtest/gtest.h>

#include "interconnect/dm_allocator.h"
#include "lsm/table/table.h"
#include "lsm/version/filename.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

std::shared_ptr<DmContext> OpenContext() {
  fabric::FabricOptions o;
  o.uri = "emulated:";
  o.create_if_missing = true;
  o.size = 64 << 20;
  std::unique_ptr<fabric::Fabric> f;
  EXPECT_OK(fabric::OpenFabric(o, &f));
  std::unique_ptr<fabric::DmAllocator> a;
  EXPECT_OK(fabric::DmAllocator::Open(f.get(), 1, &a));
  return std::make_shared<DmContext>(std::move(f), std::move(a));
}

FlushJobSpec SampleFlushSpec() {
  FlushJobSpec spec;
  spec.db_path = "/shared/db";
  spec.table.bloom_bits_per_key = 10;
  spec.table.compression = CompressionType::kZstd;
  spec.oldest_snapshot = 42;
  spec.file_number_base = 100;
  spec.max_attempts = 8;
  spec.segments = {{fabric::DmAddr(1, 4096), 1000}, {fabric::DmAddr(1, 65536), 20}};
  return spec;
}

template <typename T>
void ExpectEveryTruncationRejected(const std::string& encoded) {
  for (size_t len = 0; len < encoded.size(); len++) {
    T decoded;
    EXPECT_FALSE(decoded.DecodeFrom(Slice(encoded.data(), len)).ok()) << len;
  }
  T decoded;
  EXPECT_FALSE(decoded.DecodeFrom(encoded + "x").ok());
}

}  // namespace

TEST(OffloadJob, FlushSpecRoundTripAndRejectsDamage) {
  std::string enc;
  SampleFlushSpec().EncodeTo(&enc);
  FlushJobSpec d;
  ASSERT_OK(d.DecodeFrom(enc));
  EXPECT_EQ("/shared/db", d.db_path);
  EXPECT_EQ(CompressionType::kZstd, d.table.compression);
  EXPECT_EQ(42u, d.oldest_snapshot);
  ASSERT_EQ(2u, d.segments.size());
  EXPECT_EQ(fabric::DmAddr(1, 65536).raw(), d.segments[1].addr.raw());
  EXPECT_EQ(20u, d.segments[1].length);
  ExpectEveryTruncationRejected<FlushJobSpec>(enc);
}

TEST(OffloadJob, CompactionSpecAndResultRoundTrip) {
  CompactionJobSpec spec;
  spec.db_path = "/db";
  spec.level = 1;
  spec.output_level = 2;
  spec.max_output_file_size = 1 << 20;
  spec.inputs[0] = {{7, 100, InternalKey("a", 1, kTypeValue).Encode().ToString(),
                     InternalKey("c", 2, kTypeValue).Encode().ToString()}};
  spec.deeper = {{}, {{9, 5, InternalKey("b", 1, kTypeValue).Encode().ToString(),
                       InternalKey("b", 1, kTypeValue).Encode().ToString()}}};
  spec.file_number_base = 50;
  spec.outputs_per_attempt = 4;
  spec.max_attempts = 3;
  spec.oldest_snapshot = 40;
  spec.range_tombstones = {{"a", "b", 30}, {"b", "bz", 40}};
  std::string enc;
  spec.EncodeTo(&enc);
  CompactionJobSpec d;
  ASSERT_OK(d.DecodeFrom(enc));
  EXPECT_EQ(2, d.output_level);
  ASSERT_EQ(2u, d.deeper.size());
  EXPECT_EQ(9u, d.deeper[1][0].number);
  ASSERT_EQ(2u, d.range_tombstones.size());
  EXPECT_EQ("b", d.range_tombstones[1].begin);
  EXPECT_EQ("bz", d.range_tombstones[1].end);
  EXPECT_EQ(40u, d.range_tombstones[1].seq);
  ExpectEveryTruncationRejected<CompactionJobSpec>(enc);
  // A tombstone newer than the oldest snapshot (which the job may not
  // apply), and an empty range, are malformed.
  for (RangeTombstone bad :
       {RangeTombstone{"a", "b", 41}, RangeTombstone{"b", "b", 30}}) {
    CompactionJobSpec b = spec;
    b.range_tombstones = {bad};
    std::string benc;
    b.EncodeTo(&benc);
    EXPECT_TRUE(d.DecodeFrom(benc).IsCorruption());
  }

  JobResult r;
  FileMetaData f;
  f.number = 51;
  f.file_size = 999;
  f.smallest = InternalKey("a", 5, kTypeValue);
  f.largest = InternalKey("z", 6, kTypeDeletion);
  f.num_entries = 10;
  r.outputs.push_back(f);
  r.micros = 1234;
  std::string renc;
  r.EncodeTo(&renc);
  JobResult rd;
  ASSERT_OK(rd.DecodeFrom(renc));
  ASSERT_EQ(1u, rd.outputs.size());
  EXPECT_EQ(51u, rd.outputs[0].number);
  EXPECT_EQ("z", rd.outputs[0].largest.user_key().ToString());
  EXPECT_EQ(1234u, rd.micros);
  ExpectEveryTruncationRejected<JobResult>(renc);
}

TEST(OffloadJob, FlushJobMergesSegmentsIntoOneNumberedTable) {
  test::ScratchDir dir;
  auto ctx = OpenContext();
  // Two segments of the same key range, the newer one overwriting.
  std::vector<DmSegmentRef> segs;
  SequenceNumber seq = 0;
  for (int round = 0; round < 2; round++) {
    auto mem = std::make_shared<MemTable>(round + 1, 1 << 20, 2 << 20);
    for (int i = 0; i < 500; i++) {
      ASSERT_TRUE(mem->Add(++seq, kTypeValue, "k" + std::to_string(1000 + i),
                           "v" + std::to_string(round)));
    }
    DmSegmentRef s;
    ASSERT_OK(DmSegment::Create(ctx, mem.get(), {0, 1}, {}, &s));
    segs.push_back(s);
  }
  FlushJobSpec spec;
  spec.db_path = dir.path();
  spec.oldest_snapshot = seq;
  spec.file_number_base = 200;
  spec.max_attempts = 4;
  for (auto& s : segs) spec.segments.push_back(s->location());
  std::string enc;
  spec.EncodeTo(&enc);
  FlushJobSpec decoded;
  ASSERT_OK(decoded.DecodeFrom(enc));

  JobResult result;
  ASSERT_OK(ExecuteFlushJob(ctx->fabric(), Env::Default(), decoded, /*attempt=*/2,
                            [] { return true; }, &result));
  ASSERT_EQ(1u, result.outputs.size());
  EXPECT_EQ(202u, result.outputs[0].number);  // base + attempt
  EXPECT_EQ(500u, result.outputs[0].num_entries);  // overwritten versions dropped
  EXPECT_EQ(500u, result.records_dropped);
  // The table holds the newer values.
  std::unique_ptr<RandomAccessFile> file;
  const std::string fname = TableFileName(dir.path(), 202);
  ASSERT_OK(Env::Default()->NewRandomAccessFile(fname, &file));
  std::unique_ptr<Table> table;
  ASSERT_OK(Table::Open(TableOptions(), fname, std::move(file),
                        result.outputs[0].file_size, &table));
  std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), n++) {
    EXPECT_EQ("v1", it->value().ToString());
  }
  EXPECT_EQ(500, n);
}

TEST(OffloadJob, RevokedFlushLeavesNoFileAndBadSegmentsFail) {
  test::ScratchDir dir;
  auto ctx = OpenContext();
  auto mem = std::make_shared<MemTable>(1, 1 << 20, 2 << 20);
  for (int i = 0; i < 100; i++) ASSERT_TRUE(mem->Add(i + 1, kTypeValue, std::to_string(i), "v"));
  DmSegmentRef s;
  ASSERT_OK(DmSegment::Create(ctx, mem.get(), {0, 1}, {}, &s));
  FlushJobSpec spec;
  spec.db_path = dir.path();
  spec.oldest_snapshot = 100;
  spec.file_number_base = 10;
  spec.max_attempts = 2;
  spec.segments.push_back(s->location());
  JobResult r;
  Status st = ExecuteFlushJob(ctx->fabric(), Env::Default(), spec, 0,
                              [] { return false; }, &r);
  EXPECT_TRUE(st.IsAborted()) << st.ToString();
  EXPECT_FALSE(Env::Default()->FileExists(TableFileName(dir.path(), 10)));
  // Past the job's attempts.
  st = ExecuteFlushJob(ctx->fabric(), Env::Default(), spec, 2, [] { return true; }, &r);
  EXPECT_TRUE(st.IsAborted()) << st.ToString();
  // A segment location that is not a segment.
  spec.segments[0].length += 8;
  st = ExecuteFlushJob(ctx->fabric(), Env::Default(), spec, 0, [] { return true; }, &r);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
}

// Reads every entry of the tables, in order: (user key, value).
std::vector<std::pair<std::string, std::string>> ReadTables(
    const std::string& dir, const std::vector<FileMetaData>& files) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& f : files) {
    std::unique_ptr<RandomAccessFile> file;
    const std::string fname = TableFileName(dir, f.number);
    EXPECT_OK(Env::Default()->NewRandomAccessFile(fname, &file));
    std::unique_ptr<Table> table;
    EXPECT_OK(Table::Open(TableOptions(), fname, std::move(file), f.file_size,
                          &table));
    std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      entries.emplace_back(ExtractUserKey(it->key()).ToString(),
                           it->value().ToString());
    }
  }
  return entries;
}

// A compaction split by key range: the sub-jobs' outputs, in range order,
// hold exactly what the whole job's do (all versions of a key in one part).
TEST(OffloadJob, CompactionSubJobsTogetherEqualTheWholeJob) {
  test::ScratchDir dir;
  auto ctx = OpenContext();
  // Two L0 tables over the same keys: the newer overwrites or deletes.
  std::vector<JobFile> l0;
  SequenceNumber seq = 0;
  for (int round = 0; round < 2; round++) {
    auto mem = std::make_shared<MemTable>(round + 1, 1 << 20, 2 << 20);
    for (int i = 0; i < 600; i++) {
      const std::string key = "k" + std::to_string(1000 + i);
      if (round == 1 && i % 3 == 0) {
        ASSERT_TRUE(mem->Add(++seq, kTypeDeletion, key, ""));
      } else {
        ASSERT_TRUE(mem->Add(++seq, kTypeValue, key, "v" + std::to_string(round)));
      }
    }
    DmSegmentRef s;
    ASSERT_OK(DmSegment::Create(ctx, mem.get(), {0, 1}, {}, &s));
    FlushJobSpec flush;
    flush.db_path = dir.path();
    flush.oldest_snapshot = 0;  // keep every version for the compaction
    flush.file_number_base = 10 + 10 * round;
    flush.max_attempts = 1;
    flush.segments.push_back(s->location());
    JobResult r;
    ASSERT_OK(ExecuteFlushJob(ctx->fabric(), Env::Default(), flush, 0,
                              [] { return true; }, &r));
    ASSERT_EQ(1u, r.outputs.size());
    const FileMetaData& f = r.outputs[0];
    l0.push_back(JobFile{f.number, f.file_size, f.smallest.Encode().ToString(),
                         f.largest.Encode().ToString()});
  }
  CompactionJobSpec whole;
  whole.db_path = dir.path();
  whole.oldest_snapshot = seq;
  whole.level = 0;
  whole.output_level = 1;
  whole.max_output_file_size = 8 << 10;  // several outputs
  whole.inputs[0] = l0;
  whole.file_number_base = 100;
  whole.outputs_per_attempt = 20;
  whole.max_attempts = 1;
  JobResult all;
  ASSERT_OK(ExecuteCompactionJob(Env::Default(), whole, 0, [] { return true; },
                                 &all));
  const auto expected = ReadTables(dir.path(), all.outputs);
  ASSERT_EQ(400u, expected.size());  // a third deleted, old versions dropped

  const std::vector<std::string> cuts = {"", "k1200", "k1450", ""};
  std::vector<FileMetaData> parts_out;
  uint64_t records_in = 0;
  for (size_t i = 0; i + 1 < cuts.size(); i++) {
    CompactionJobSpec part = whole;
    part.range_begin = cuts[i];
    part.range_end = cuts[i + 1];
    part.file_number_base = 200 + 100 * i;
    std::string enc;
    part.EncodeTo(&enc);
    CompactionJobSpec decoded;
    ASSERT_OK(decoded.DecodeFrom(enc));
    EXPECT_EQ(cuts[i], decoded.range_begin);
    EXPECT_EQ(cuts[i + 1], decoded.range_end);
    JobResult r;
    ASSERT_OK(ExecuteCompactionJob(Env::Default(), decoded, 0,
                                   [] { return true; }, &r));
    for (const auto& f : r.outputs) {
      if (!cuts[i].empty()) {
        EXPECT_GE(f.smallest.user_key().compare(cuts[i]), 0);
      }
      if (!cuts[i + 1].empty()) {
        EXPECT_LT(f.largest.user_key().compare(cuts[i + 1]), 0);
      }
    }
    parts_out.insert(parts_out.end(), r.outputs.begin(), r.outputs.end());
    records_in += r.records_in;
  }
  EXPECT_EQ(expected, ReadTables(dir.path(), parts_out));
  EXPECT_EQ(all.records_in, records_in);

  // A range that is empty or inverted is refused.
  CompactionJobSpec bad = whole;
  bad.range_begin = "k2";
  bad.range_end = "k1";
  std::string enc;
  bad.EncodeTo(&enc);
  CompactionJobSpec decoded;
  EXPECT_TRUE(decoded.DecodeFrom(enc).IsCorruption());
}

}  // namespace o3lsm
