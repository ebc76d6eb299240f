// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// TableBuilder + Table round trips through real files: every compression,
// with and without a block cache, read through a mapping and through
// pread-style copies; scans both ways, seeks and point lookups against a
// sorted model; properties; the one-read open; sizes from 0 entries to 100k
// entries and 1 MiB values.

#include "lsm/table/table.h"

#include <algorithm>
#include <atomic>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "lsm/cache/cache.h"
#include "lsm/table/table_builder.h"
#include "tests/table/table_test_util.h"
#include "tests/testutil.h"
#include "util/random.h"

namespace o3lsm {

namespace {

using test::IKey;
using test::Model;

// Entries with shared prefixes, several versions per user key and some
// deletions, as a flush or compaction would write them.
Model RandomModel(Random64* rnd, size_t n, size_t value_size) {
  Model model;
  while (model.size() < n) {
    const std::string user = "user" + std::to_string(rnd->Uniform(n * 2)) +
                             "/" +
                             test::RandomBytes(rnd, rnd->Uniform(6), true);
    const int versions =
        rnd->OneIn(4) ? 1 + static_cast<int>(rnd->Uniform(3)) : 1;
    for (int v = 0; v < versions; v++) {
      const ValueType type = rnd->OneIn(10) ? kTypeDeletion : kTypeValue;
      const std::string value =
          type == kTypeDeletion
              ? std::string()
              : test::RandomBytes(rnd, rnd->Uniform(value_size * 2 + 1), true);
      model[IKey(user, 1 + rnd->Uniform(1000000), type)] = value;
    }
  }
  return model;
}

// The value handed to InternalGet's handle, if it was called.
struct GetResult {
  bool called = false;
  std::string key;
  std::string value;
};

GetResult Get(const Table& table, const Slice& ikey,
              const ReadOptions& options = ReadOptions()) {
  GetResult r;
  Status s =
      table.InternalGet(options, ikey, [&r](const Slice& k, const Slice& v) {
        r.called = true;
        r.key = k.ToString();
        r.value = v.ToString();
        return true;
      });
  EXPECT_OK(s);
  return r;
}

// Checks everything a reader can do against the model.
void CheckTable(const Table& table, const Model& model, Random64* rnd) {
  // Forward and backward scans.
  std::unique_ptr<Iterator> it(table.NewIterator(ReadOptions()));
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_TRUE(m != model.end());
    ASSERT_EQ(m->first, it->key().ToString());
    ASSERT_EQ(m->second, it->value().ToString());
  }
  ASSERT_OK(it->status());
  ASSERT_TRUE(m == model.end());
  auto r = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    ASSERT_TRUE(r != model.rend());
    ASSERT_EQ(r->first, it->key().ToString());
  }
  ASSERT_OK(it->status());
  ASSERT_TRUE(r == model.rend());
  if (model.empty()) return;

  // Seeks to keys present, between keys, and past the end, each followed
  // by a short walk in both directions.
  std::vector<std::string> keys;
  for (const auto& e : model) keys.push_back(e.first);
  for (int i = 0; i < 300; i++) {
    std::string target;
    const std::string& k = keys[rnd->Uniform(keys.size())];
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(k, &p));
    switch (rnd->Uniform(4)) {
      case 0:
        target = k;
        break;
      case 1:
        target = IKey(p.user_key.ToString(), p.sequence / 2);
        break;
      case 2:
        target = IKey(p.user_key.ToString() + "\x01", kMaxSequenceNumber);
        break;
      default:
        target = IKey("zzzz" + std::to_string(i), 5);
        break;
    }
    it->Seek(target);
    auto expect = model.lower_bound(target);
    for (int step = 0; step < 5; step++) {
      if (expect == model.end()) {
        ASSERT_FALSE(it->Valid());
        break;
      }
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(expect->first, it->key().ToString());
      it->Next();
      ++expect;
    }
    it->Seek(target);
    expect = model.lower_bound(target);
    for (int step = 0; step < 5 && expect != model.begin(); step++) {
      if (!it->Valid()) {
        // Seek went past the end: nothing to walk back from.
        ASSERT_TRUE(expect == model.end());
        break;
      }
      it->Prev();
      --expect;
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(expect->first, it->key().ToString());
    }
  }

  // Point lookups of every key present...
  for (const auto& [k, v] : model) {
    GetResult g = Get(table, k);
    ASSERT_TRUE(g.called);
    ASSERT_EQ(k, g.key);
    ASSERT_EQ(v, g.value);
  }
  // ...as a snapshot read: the newest version at or below the sequence...
  for (int i = 0; i < 200; i++) {
    const std::string& k = keys[rnd->Uniform(keys.size())];
    const Slice user = ExtractUserKey(k);
    const std::string lookup = IKey(user.ToString(), kMaxSequenceNumber);
    GetResult g = Get(table, lookup);
    ASSERT_TRUE(g.called);
    ASSERT_EQ(model.lower_bound(lookup)->first, g.key);
  }
  // ...and of user keys that are absent: the handle may see a neighbour,
  // never an entry of the absent key.
  for (int i = 0; i < 500; i++) {
    const std::string absent = "absent" + std::to_string(i);
    GetResult g = Get(table, IKey(absent, kMaxSequenceNumber));
    if (g.called) {
      ASSERT_NE(absent, ExtractUserKey(g.key).ToString());
    }
  }
}

TableProperties ExpectedProperties(const Model& model) {
  TableProperties p;
  for (const auto& [k, v] : model) {
    ParsedInternalKey parsed;
    EXPECT_TRUE(ParseInternalKey(k, &parsed));
    if (p.num_entries == 0) {
      p.smallest_seqno = p.largest_seqno = parsed.sequence;
    }
    p.smallest_seqno = std::min(p.smallest_seqno, parsed.sequence);
    p.largest_seqno = std::max(p.largest_seqno, parsed.sequence);
    p.num_entries++;
    p.num_deletions += parsed.type == kTypeDeletion;
    p.raw_key_size += k.size();
    p.raw_value_size += v.size();
  }
  if (!model.empty()) {
    p.smallest_key = model.begin()->first;
    p.largest_key = model.rbegin()->first;
  }
  return p;
}

// (compression, block cache, mapped reads)
using TableParam = std::tuple<CompressionType, bool, bool>;

class TableRoundTrip : public ::testing::TestWithParam<TableParam> {
 protected:
  TableRoundTrip() : cache_(NewLRUCache(1 << 20)) {
    options_.compression = std::get<0>(GetParam());
    options_.block_cache = std::get<1>(GetParam()) ? cache_.get() : nullptr;
    options_.block_size = 1024;  // many blocks from few entries
  }

  // Builds model into a file and opens it, mapped (through Env::Default())
  // or pread-style (a copy served through scratch).
  void BuildAndOpen(const Model& model, std::unique_ptr<Table>* table,
                    TableProperties* built = nullptr) {
    const std::string fname = dir_.Child("000001.sst");
    ASSERT_OK(test::BuildTable(Env::Default(), fname, options_, model, built));
    if (std::get<2>(GetParam())) {
      ASSERT_OK(test::OpenTableFile(Env::Default(), options_, fname, table));
    } else {
      std::string contents;
      ASSERT_OK(ReadFileToString(Env::Default(), fname, &contents));
      ASSERT_OK(test::OpenTableFromString(options_, fname, contents,
                                          /*mapped=*/false, table));
    }
  }

  test::ScratchDir dir_;
  std::unique_ptr<Cache> cache_;
  TableOptions options_;
};

}  // namespace

TEST_P(TableRoundTrip, RandomEntries) {
  Random64 rnd(1234);
  const Model model = RandomModel(&rnd, 3000, 40);
  std::unique_ptr<Table> table;
  TableProperties built;
  ASSERT_NO_FATAL_FAILURE(BuildAndOpen(model, &table, &built));
  ASSERT_NO_FATAL_FAILURE(CheckTable(*table, model, &rnd));
  // Twice: the second pass runs from the block cache when there is one.
  ASSERT_NO_FATAL_FAILURE(CheckTable(*table, model, &rnd));

  const TableProperties& p = table->properties();
  const TableProperties want = ExpectedProperties(model);
  EXPECT_EQ(want.num_entries, p.num_entries);
  EXPECT_EQ(want.num_deletions, p.num_deletions);
  EXPECT_GT(p.num_deletions, 0u);
  EXPECT_EQ(want.raw_key_size, p.raw_key_size);
  EXPECT_EQ(want.raw_value_size, p.raw_value_size);
  EXPECT_EQ(want.smallest_seqno, p.smallest_seqno);
  EXPECT_EQ(want.largest_seqno, p.largest_seqno);
  EXPECT_EQ(want.smallest_key, p.smallest_key);
  EXPECT_EQ(want.largest_key, p.largest_key);
  EXPECT_EQ(std::get<0>(GetParam()), p.compression);
  EXPECT_EQ(kTableFormatVersion, p.format_version);
  EXPECT_GT(p.num_data_blocks, 50u);
  EXPECT_GT(p.index_size, 0u);
  EXPECT_GT(p.filter_size, 1000u);
  EXPECT_GT(p.creation_time, 1600000000u);
  // The builder reports what the reader decodes.
  EXPECT_EQ(built.ToString(), p.ToString());
  // data + padding + metadata + footer make up the file.
  EXPECT_LE(p.data_size + p.filter_size + p.index_size + 72,
            table->file_size());
  EXPECT_GE(p.data_size + p.filter_size + p.index_size + 72 + 63 + 1000,
            table->file_size());
}

TEST_P(TableRoundTrip, CompressibleValuesShrinkWhenCompressed) {
  Model model;
  for (int i = 0; i < 2000; i++) {
    model[IKey("key" + std::to_string(1000000 + i), 7)] =
        std::string(100, static_cast<char>('a' + i % 3));
  }
  std::unique_ptr<Table> table;
  ASSERT_NO_FATAL_FAILURE(BuildAndOpen(model, &table));
  const TableProperties& p = table->properties();
  const uint64_t raw = p.raw_key_size + p.raw_value_size;
  if (std::get<0>(GetParam()) == CompressionType::kNone) {
    EXPECT_GT(p.data_size, raw / 2);
  } else {
    EXPECT_LT(p.data_size, raw / 4);
  }
  Random64 rnd(3);
  ASSERT_NO_FATAL_FAILURE(CheckTable(*table, model, &rnd));
}

TEST_P(TableRoundTrip, IncompressibleBlocksAreStoredRaw) {
  Random64 rnd(77);
  Model model;
  for (int i = 0; i < 500; i++) {
    model[IKey("k" + std::to_string(100000 + i), 1)] =
        test::RandomBytes(&rnd, 200, false);
  }
  std::unique_ptr<Table> table;
  ASSERT_NO_FATAL_FAILURE(BuildAndOpen(model, &table));
  const TableProperties& p = table->properties();
  // No block saved 1/8, so every block is stored as is: data is at least
  // the raw entry bytes.
  EXPECT_GE(p.data_size, p.raw_value_size);
  ASSERT_NO_FATAL_FAILURE(CheckTable(*table, model, &rnd));
}

TEST_P(TableRoundTrip, SingleEntry) {
  Model model;
  model[IKey("only", 42)] = "value";
  std::unique_ptr<Table> table;
  ASSERT_NO_FATAL_FAILURE(BuildAndOpen(model, &table));
  EXPECT_EQ(1u, table->properties().num_entries);
  EXPECT_EQ(1u, table->properties().num_data_blocks);
  Random64 rnd(1);
  ASSERT_NO_FATAL_FAILURE(CheckTable(*table, model, &rnd));
  GetResult g = Get(*table, IKey("only", 100));
  ASSERT_TRUE(g.called);
  EXPECT_EQ("value", g.value);
  // Older than the only version: nothing at or after it in this table.
  EXPECT_FALSE(Get(*table, IKey("only", 41)).called);
}

TEST_P(TableRoundTrip, EmptyTable) {
  std::unique_ptr<Table> table;
  ASSERT_NO_FATAL_FAILURE(BuildAndOpen(Model(), &table));
  EXPECT_EQ(0u, table->properties().num_entries);
  std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek(IKey("a", 1));
  EXPECT_FALSE(it->Valid());
  EXPECT_OK(it->status());
  EXPECT_FALSE(Get(*table, IKey("a", 1)).called);
  EXPECT_EQ(0u, table->ApproximateOffsetOf(IKey("a", 1)));
}

TEST_P(TableRoundTrip, HugeValues) {
  Random64 rnd(9);
  Model model;
  model[IKey("a", 1)] = "small";
  model[IKey("b", 2)] = test::RandomBytes(&rnd, 1 << 20, false);
  model[IKey("c", 3)] = std::string(1 << 20, 'c');  // compresses well
  model[IKey("d", 4)] = test::RandomBytes(&rnd, (1 << 20) + 3, true);
  model[IKey("e", 5)] = "after";
  std::unique_ptr<Table> table;
  ASSERT_NO_FATAL_FAILURE(BuildAndOpen(model, &table));
  for (const auto& [k, v] : model) {
    GetResult g = Get(*table, k);
    ASSERT_TRUE(g.called);
    ASSERT_EQ(v, g.value);
  }
  std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
  const auto all = test::ScanAll(it.get());
  ASSERT_EQ(model.size(), all.size());
  EXPECT_EQ(model.at(IKey("c", 3)), all[2].second);
}

INSTANTIATE_TEST_SUITE_P(
    AllModes, TableRoundTrip,
    ::testing::Combine(::testing::Values(CompressionType::kNone,
                                         CompressionType::kZstd,
                                         CompressionType::kLz4,
                                         CompressionType::kSnappy),
                       ::testing::Bool(), ::testing::Bool()),
    [](const ::testing::TestParamInfo<TableParam>& info) {
      std::string name;
      switch (std::get<0>(info.param)) {
        case CompressionType::kNone:
          name = "None";
          break;
        case CompressionType::kZstd:
          name = "Zstd";
          break;
        case CompressionType::kLz4:
          name = "Lz4";
          break;
        case CompressionType::kSnappy:
          name = "Snappy";
          break;
      }
      name += std::get<1>(info.param) ? "Cached" : "Uncached";
      name += std::get<2>(info.param) ? "Mapped" : "Pread";
      return name;
    });

TEST(Table, HundredThousandEntries) {
  test::ScratchDir dir;
  const std::string fname = dir.Child("big.sst");
  Model model;
  for (int i = 0; i < 100000; i++) {
    model[IKey("key" + std::to_string(10000000 + i), 1 + i % 7)] =
        "value" + std::to_string(i);
  }
  TableOptions options;
  ASSERT_OK(test::BuildTable(Env::Default(), fname, options, model));

  // The metadata (a 122 KiB filter alone) is larger than the tail read, so
  // Open needs exactly one more read.
  test::CountingFile* counter;
  std::unique_ptr<Table> table;
  ASSERT_OK(
      test::OpenTableFile(Env::Default(), options, fname, &table, &counter));
  EXPECT_EQ(2, counter->reads());
  EXPECT_GT(table->properties().filter_size + table->properties().index_size,
            64u * 1024);

  std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_EQ(m->first, it->key().ToString());
  }
  ASSERT_OK(it->status());
  ASSERT_TRUE(m == model.end());
  const std::vector<std::pair<std::string, std::string>> entries(model.begin(),
                                                                 model.end());
  Random64 rnd(5);
  for (int i = 0; i < 2000; i++) {
    const auto& [k, v] = entries[rnd.Uniform(entries.size())];
    GetResult g = Get(*table, k);
    ASSERT_TRUE(g.called);
    ASSERT_EQ(v, g.value);
  }
  // Bloom filter: absent keys rarely reach a data block.
  counter->ResetCounts();
  for (int i = 0; i < 2000; i++) {
    EXPECT_FALSE(Get(*table, IKey("nokey" + std::to_string(i), 9)).called);
  }
  EXPECT_LT(counter->reads(), 60);  // about 1% false positives
}

TEST(Table, OpenReadsTheTailOnce) {
  test::ScratchDir dir;
  const std::string fname = dir.Child("small.sst");
  Random64 rnd(11);
  const Model model = RandomModel(&rnd, 1000, 100);
  TableOptions options;
  ASSERT_OK(test::BuildTable(Env::Default(), fname, options, model));
  std::string contents;
  ASSERT_OK(ReadFileToString(Env::Default(), fname, &contents));
  ASSERT_GT(contents.size(), 64u * 1024);  // the tail read is not the file

  for (bool mapped : {false, true}) {
    auto counting = std::make_unique<test::CountingFile>(
        std::make_unique<test::StringFile>(contents, mapped));
    test::CountingFile* counter = counting.get();
    std::unique_ptr<Table> table;
    ASSERT_OK(Table::Open(options, fname, std::move(counting), contents.size(),
                          &table));
    EXPECT_EQ(1, counter->reads());
    EXPECT_EQ(64u * 1024, counter->bytes());
    // The first lookup reads one data block; nothing else.
    counter->ResetCounts();
    GetResult g = Get(*table, model.begin()->first);
    EXPECT_TRUE(g.called);
    EXPECT_EQ(1, counter->reads());
  }
}

TEST(Table, BlockCacheIsFilledAndHonorsFillCache) {
  test::ScratchDir dir;
  const std::string fname = dir.Child("c.sst");
  Model model;
  for (int i = 0; i < 1000; i++) {
    model[IKey("k" + std::to_string(1000 + i), 1)] = std::string(50, 'v');
  }
  auto cache = NewLRUCache(1 << 20);
  TableOptions options;
  options.block_cache = cache.get();
  ASSERT_OK(test::BuildTable(Env::Default(), fname, options, model));
  test::CountingFile* counter;
  std::unique_ptr<Table> table;
  ASSERT_OK(
      test::OpenTableFile(Env::Default(), options, fname, &table, &counter));
  EXPECT_EQ(0u, cache->TotalCharge());

  ReadOptions no_fill;
  no_fill.fill_cache = false;
  counter->ResetCounts();
  EXPECT_TRUE(Get(*table, IKey("k1000", 1), no_fill).called);
  EXPECT_TRUE(Get(*table, IKey("k1000", 1), no_fill).called);
  EXPECT_EQ(2, counter->reads());
  EXPECT_FALSE(table->TEST_BlockInCache(0));
  EXPECT_EQ(0u, cache->TotalCharge());

  EXPECT_TRUE(Get(*table, IKey("k1000", 1)).called);
  EXPECT_TRUE(table->TEST_BlockInCache(0));
  EXPECT_GT(cache->TotalCharge(), 3000u);
  counter->ResetCounts();
  EXPECT_TRUE(Get(*table, IKey("k1000", 1)).called);
  EXPECT_EQ(0, counter->reads());  // served from the cache

  // A full scan fills the cache with every block, then runs from it.
  std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
  EXPECT_EQ(model.size(), test::ScanAll(it.get()).size());
  counter->ResetCounts();
  EXPECT_EQ(model.size(), test::ScanAll(it.get()).size());
  EXPECT_EQ(0, counter->reads());
}

TEST(Table, TablesSharingACacheDoNotSeeEachOthersBlocks) {
  test::ScratchDir dir;
  auto cache = NewLRUCache(1 << 20);
  TableOptions options;
  options.block_cache = cache.get();
  std::unique_ptr<Table> tables[2];
  for (int t = 0; t < 2; t++) {
    Model model;
    // Same keys and layout, different values: the same block offsets.
    for (int i = 0; i < 300; i++) {
      model[IKey("k" + std::to_string(1000 + i), 1)] =
          "table" + std::to_string(t);
    }
    const std::string fname = dir.Child(std::to_string(t) + ".sst");
    ASSERT_OK(test::BuildTable(Env::Default(), fname, options, model));
    ASSERT_OK(test::OpenTableFile(Env::Default(), options, fname, &tables[t]));
  }
  for (int round = 0; round < 2; round++) {
    for (int t = 0; t < 2; t++) {
      GetResult g = Get(*tables[t], IKey("k1100", 1));
      ASSERT_TRUE(g.called);
      EXPECT_EQ("table" + std::to_string(t), g.value);
    }
  }
}

TEST(Table, ApproximateOffsetOfGrowsWithKeys) {
  test::ScratchDir dir;
  const std::string fname = dir.Child("a.sst");
  Model model;
  for (int i = 0; i < 2000; i++) {
    model[IKey("k" + std::to_string(10000 + i), 1)] = std::string(100, 'x');
  }
  TableOptions options;
  ASSERT_OK(test::BuildTable(Env::Default(), fname, options, model));
  std::unique_ptr<Table> table;
  ASSERT_OK(test::OpenTableFile(Env::Default(), options, fname, &table));
  EXPECT_EQ(0u, table->ApproximateOffsetOf(IKey("a", 1)));
  uint64_t previous = 0;
  for (int i = 0; i < 2000; i += 100) {
    const uint64_t off =
        table->ApproximateOffsetOf(IKey("k" + std::to_string(10000 + i), 1));
    EXPECT_GE(off, previous);
    previous = off;
  }
  const uint64_t mid = table->ApproximateOffsetOf(IKey("k11000", 1));
  const uint64_t data = table->properties().data_size;
  EXPECT_GT(mid, data * 4 / 10);
  EXPECT_LT(mid, data * 6 / 10);
  EXPECT_GE(table->ApproximateOffsetOf(IKey("z", 1)), data);
}

// A bounded scan opens exactly the data blocks that hold keys inside its
// bounds, forward and backward: a format 2 index knows each block's first
// and last key. Format 1's shortened separators let a scan open one block
// past a bound, which shows that the cases below are the ones that matter.
TEST(Table, BoundedScansReadOnlyTheBlocksInsideTheirBounds) {
  // Keys 20 apart: format 1 shortens the separator between "k100000" and
  // "k100020" to "k10001", between the two blocks' keys.
  Model model;
  std::vector<std::string> users;
  for (int i = 0; i < 2000; i++) {
    users.push_back("k" + std::to_string(100000 + 20 * i));
    model[IKey(users.back(), 1)] = std::string(100, 'v');
  }
  test::ScratchDir dir;
  std::unique_ptr<Table> tables[3];
  test::CountingFile* counters[3] = {};
  for (uint32_t version : {1u, 2u}) {
    TableOptions options;
    options.format_version = version;
    options.block_size = 1024;  // about eight keys a block
    const std::string fname = dir.Child(std::to_string(version) + ".sst");
    TableProperties props;
    ASSERT_OK(test::BuildTable(Env::Default(), fname, options, model, &props));
    EXPECT_EQ(version, props.format_version);
    std::string contents;
    ASSERT_OK(ReadFileToString(Env::Default(), fname, &contents));
    auto counting = std::make_unique<test::CountingFile>(
        std::make_unique<test::StringFile>(contents, /*mapped=*/false));
    counters[version] = counting.get();
    ASSERT_OK(Table::Open(options, fname, std::move(counting), contents.size(),
                          &tables[version]));
  }
  // Where each key lives (the same data blocks in both versions), and the
  // keys that start a block.
  std::vector<uint64_t> block;
  std::vector<size_t> starts;
  for (size_t i = 0; i < users.size(); i++) {
    block.push_back(
        tables[2]->ApproximateOffsetOf(IKey(users[i], kMaxSequenceNumber)));
    if (i > 0 && block[i] != block[i - 1]) starts.push_back(i);
  }
  ASSERT_GT(starts.size(), 100u);
  // The shortened separator between a block's last key and the next one's
  // first: the tightest lower bound format 1 cannot see past.
  auto gap = [&](size_t start) {
    std::string sep = IKey(users[start - 1], 1);
    InternalKeyComparator().FindShortestSeparator(&sep, IKey(users[start], 1));
    return ExtractUserKey(sep).ToString();
  };
  Random64 rnd(21);
  int over_reads[3] = {0, 0, 0};
  for (int round = 0; round < 200; round++) {
    const size_t k = 1 + rnd.Uniform(starts.size() - 4);
    const size_t s = starts[k];
    const size_t span = 1 + rnd.Uniform(40);
    std::string lo, hi;
    switch (round % 3) {
      case 0:  // the upper bound is a block's first key
        lo = users[s - std::min(s, span)];
        hi = users[s];
        break;
      case 1:  // the lower bound falls between two blocks
        lo = gap(s);
        hi = users[std::min(users.size() - 1, s + span)];
        break;
      default:  // both
        lo = gap(s);
        hi = users[starts[k + 1 + rnd.Uniform(3)]];
        break;
    }
    std::vector<std::string> expect;
    std::set<uint64_t> blocks;
    for (size_t i = 0; i < users.size(); i++) {
      if (users[i] >= lo && users[i] < hi) {
        expect.push_back(users[i]);
        blocks.insert(block[i]);
      }
    }
    const Slice lower(lo), upper(hi);
    ReadOptions ro;
    ro.iterate_lower_bound = &lower;
    ro.iterate_upper_bound = &upper;
    for (uint32_t version : {1u, 2u}) {
      SCOPED_TRACE("format " + std::to_string(version) + " [" + lo + ", " + hi +
                   ")");
      std::unique_ptr<Iterator> it(tables[version]->NewIterator(ro));
      std::vector<std::string> got;
      counters[version]->ResetCounts();
      for (it->Seek(IKey(lo, kMaxSequenceNumber));
           it->Valid() && ExtractUserKey(it->key()).compare(upper) < 0;
           it->Next()) {
        got.push_back(ExtractUserKey(it->key()).ToString());
      }
      ASSERT_OK(it->status());
      EXPECT_EQ(expect, got);
      const int forward = counters[version]->reads();

      got.clear();
      it.reset(tables[version]->NewIterator(ro));  // nothing read yet
      counters[version]->ResetCounts();
      for (it->SeekToLast();
           it->Valid() && ExtractUserKey(it->key()).compare(lower) >= 0;
           it->Prev()) {
        got.insert(got.begin(), ExtractUserKey(it->key()).ToString());
      }
      ASSERT_OK(it->status());
      EXPECT_EQ(expect, got);
      const int backward = counters[version]->reads();
      if (version == 2) {
        EXPECT_EQ(static_cast<int>(blocks.size()), forward);
        EXPECT_EQ(static_cast<int>(blocks.size()), backward);
      }
      EXPECT_GE(forward, static_cast<int>(blocks.size()));
      EXPECT_GE(backward, static_cast<int>(blocks.size()));
      over_reads[version] += forward + backward - 2 * blocks.size();
    }
  }
  EXPECT_EQ(0, over_reads[2]);
  EXPECT_GT(over_reads[1], 100) << "format 1 never read past a bound: the "
                                   "cases test nothing";
}

// Tables of either format read the same.
TEST(Table, EveryReadableFormatRoundTrips) {
  test::ScratchDir dir;
  Random64 rnd(31);
  const Model model = RandomModel(&rnd, 3000, 60);
  for (uint32_t version = kOldestTableFormatVersion;
       version <= kTableFormatVersion; version++) {
    SCOPED_TRACE("format " + std::to_string(version));
    TableOptions options;
    options.format_version = version;
    options.block_size = 512;
    const std::string fname = dir.Child(std::to_string(version) + ".sst");
    ASSERT_OK(test::BuildTable(Env::Default(), fname, options, model));
    std::unique_ptr<Table> table;
    ASSERT_OK(test::OpenTableFile(Env::Default(), options, fname, &table));
    EXPECT_EQ(version, table->properties().format_version);
    CheckTable(*table, model, &rnd);
  }
}

TEST(Table, BuilderReportsProgressAndCreationTime) {
  test::ScratchDir dir;
  const std::string fname = dir.Child("p.sst");
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(Env::Default()->NewWritableFile(fname, &file));
  TableOptions options;
  options.bloom_bits_per_key = 0;  // no filter
  TableBuilder builder(options, file.get(), fname);
  builder.SetCreationTime(1700000000);
  builder.SetUniqueId(77);
  builder.Add(IKey("a", 5), "1");
  builder.Add(IKey("b", 3, kTypeDeletion), "");
  EXPECT_EQ(2u, builder.NumEntries());
  ASSERT_OK(builder.status());
  ASSERT_OK(builder.Finish());
  ASSERT_OK(file->Close());
  uint64_t size;
  ASSERT_OK(Env::Default()->GetFileSize(fname, &size));
  EXPECT_EQ(size, builder.FileSize());

  std::unique_ptr<Table> table;
  ASSERT_OK(test::OpenTableFile(Env::Default(), options, fname, &table));
  const TableProperties& p = table->properties();
  EXPECT_EQ(1700000000u, p.creation_time);
  EXPECT_EQ(77u, p.unique_id);
  EXPECT_EQ(0u, p.filter_size);
  EXPECT_EQ(1u, p.num_deletions);
  EXPECT_EQ(3u, p.smallest_seqno);
  EXPECT_EQ(5u, p.largest_seqno);
  const std::string text = p.ToString();
  EXPECT_NE(std::string::npos, text.find("num_entries: 2\n"));
  EXPECT_NE(std::string::npos, text.find("num_deletions: 1\n"));
  EXPECT_NE(std::string::npos, text.find("compression: none\n"));
  EXPECT_NE(std::string::npos, text.find("smallest_key: 'a' @ 5 : 1\n"));
  EXPECT_NE(std::string::npos, text.find("2023-11-14T22:13:20Z"));
  // Without a filter every lookup goes to the index.
  EXPECT_TRUE(Get(*table, IKey("b", 9)).called);
}

TEST(Table, BuilderRejectsMalformedKeys) {
  test::ScratchDir dir;
  const std::string fname = dir.Child("bad.sst");
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(Env::Default()->NewWritableFile(fname, &file));
  TableBuilder builder(TableOptions(), file.get(), fname);
  builder.Add(IKey("a", 1), "ok");
  builder.Add("short", "x");  // not an internal key
  EXPECT_TRUE(builder.status().IsInvalidArgument());
  EXPECT_NE(std::string::npos, builder.status().ToString().find(fname));
  builder.Add(IKey("b", 1), "ignored after the error");
  EXPECT_EQ(1u, builder.NumEntries());
  EXPECT_TRUE(builder.Finish().IsInvalidArgument());
}

TEST(Table, BuilderPropagatesWriteErrors) {
  class FailingFile final : public WritableFile {
   public:
    Status Append(const Slice&) override {
      return Status::IOError("f.sst", "disk full");
    }
    Status Flush() override { return Status::OK(); }
    Status Sync() override { return Status::OK(); }
    Status Close() override { return Status::OK(); }
    uint64_t Size() const override { return 0; }
  };
  FailingFile file;
  TableOptions options;
  options.block_size = 10;
  TableBuilder builder(options, &file, "f.sst");
  builder.Add(IKey("a", 1), "value");  // fills a block: written, fails
  EXPECT_TRUE(builder.status().IsIOError());
  EXPECT_TRUE(builder.Finish().IsIOError());
}

TEST(Table, AbandonWritesNothingMore) {
  test::ScratchDir dir;
  const std::string fname = dir.Child("x.sst");
  std::unique_ptr<WritableFile> file;
  ASSERT_OK(Env::Default()->NewWritableFile(fname, &file));
  {
    TableBuilder builder(TableOptions(), file.get(), fname);
    builder.Add(IKey("a", 1), "v");  // still in the unfinished first block
    builder.Abandon();
  }
  EXPECT_EQ(0u, file->Size());
  ASSERT_OK(file->Close());
}

TEST(Table, ConcurrentReadersShareOneTable) {
  test::ScratchDir dir;
  const std::string fname = dir.Child("mt.sst");
  Random64 rnd(21);
  const Model model = RandomModel(&rnd, 5000, 30);
  // A cache far smaller than the table: lookups insert and evict.
  auto cache = NewLRUCache(16 * 1024, 2);
  TableOptions options;
  options.block_cache = cache.get();
  options.compression = CompressionType::kLz4;
  ASSERT_OK(test::BuildTable(Env::Default(), fname, options, model));
  std::unique_ptr<Table> table;
  ASSERT_OK(test::OpenTableFile(Env::Default(), options, fname, &table));
  std::vector<std::string> keys;
  for (const auto& e : model) keys.push_back(e.first);

  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      Random64 r(100 + t);
      for (int i = 0; i < 3000; i++) {
        const std::string& k = keys[r.Uniform(keys.size())];
        bool ok = false;
        Status s = table->InternalGet(
            ReadOptions(), k, [&](const Slice& fk, const Slice& v) {
              ok = fk == Slice(k) && v == Slice(model.at(k));
              return true;
            });
        if (!s.ok() || !ok) failures++;
        if (i % 500 == 0) {
          std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
          it->Seek(k);
          if (!it->Valid() || it->key() != Slice(k)) failures++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(0, failures.load());
}

}  // namespace o3lsm
