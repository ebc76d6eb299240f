// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// BlockBuilder + Block/BlockIter: round trips against a sorted model, every
// kind of positioning, and damaged bytes (flipped, truncated) that must end
// in Corruption or a clean stop, never an out-of-bounds read.

#include "lsm/table/block.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "lsm/dbformat.h"
#include "lsm/table/block_builder.h"
#include "tests/table/table_test_util.h"
#include "tests/testutil.h"
#include "util/coding.h"
#include "util/random.h"

namespace o3lsm {

namespace {

using test::IKey;

struct Entry {
  std::string key;
  std::string value;
};

// n distinct internal keys in InternalKeyComparator order, with shared
// prefixes, several versions of some user keys, and some long keys (beyond
// the iterator's inline key buffer).
std::vector<Entry> RandomEntries(Random64* rnd, size_t n) {
  test::Model model;
  const std::string prefixes[] = {"", "user", "user0000", "zz"};
  while (model.size() < n) {
    std::string user = prefixes[rnd->Uniform(4)] +
                       test::RandomBytes(rnd, rnd->Uniform(12), true);
    if (rnd->OneIn(20)) user += std::string(100 + rnd->Uniform(200), 'k');
    const SequenceNumber seq = rnd->Uniform(1000);
    const ValueType type = rnd->OneIn(5) ? kTypeDeletion : kTypeValue;
    model[IKey(user, seq, type)] =
        test::RandomBytes(rnd, rnd->Uniform(rnd->OneIn(10) ? 300 : 20), false);
  }
  std::vector<Entry> out;
  for (auto& [k, v] : model) out.push_back({k, v});
  return out;
}

std::string BuildBlock(const std::vector<Entry>& entries, int interval) {
  BlockBuilder builder(interval);
  for (const Entry& e : entries) builder.Add(e.key, e.value);
  return builder.Finish().ToString();
}

// Index of the first entry >= target, or entries.size().
size_t LowerBound(const std::vector<Entry>& entries, const std::string& t) {
  const InternalKeyComparator icmp;
  auto it = std::lower_bound(entries.begin(), entries.end(), t,
                             [&](const Entry& e, const std::string& target) {
                               return icmp.Compare(e.key, target) < 0;
                             });
  return it - entries.begin();
}

void ExpectAt(const BlockIter& it, const std::vector<Entry>& entries,
              size_t i) {
  if (i == entries.size()) {
    ASSERT_FALSE(it.Valid());
    ASSERT_OK(it.status());
    return;
  }
  ASSERT_TRUE(it.Valid()) << "expected entry " << i;
  ASSERT_EQ(entries[i].key, it.key().ToString()) << "entry " << i;
  ASSERT_EQ(entries[i].value, it.value().ToString()) << "entry " << i;
}

void CheckBlock(const std::vector<Entry>& entries, int interval,
                Random64* rnd) {
  const std::string bytes = BuildBlock(entries, interval);
  Block block(BlockContents{Slice(bytes), nullptr});
  BlockIter it(&block);
  ASSERT_OK(it.status());

  // Forward and backward scans.
  size_t i = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), i++) {
    ASSERT_NO_FATAL_FAILURE(ExpectAt(it, entries, i));
  }
  ASSERT_EQ(entries.size(), i);
  ASSERT_OK(it.status());
  i = entries.size();
  for (it.SeekToLast(); it.Valid(); it.Prev()) {
    ASSERT_NO_FATAL_FAILURE(ExpectAt(it, entries, --i));
  }
  ASSERT_EQ(0u, i);
  ASSERT_OK(it.status());

  // Seek to every key, to just after it, and to just before it.
  for (size_t k = 0; k < entries.size(); k++) {
    it.Seek(entries[k].key);
    ASSERT_NO_FATAL_FAILURE(ExpectAt(it, entries, k));
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(entries[k].key, &p));
    const std::string user = p.user_key.ToString();
    const std::string after =
        p.sequence > 0 ? IKey(user, p.sequence - 1, kTypeValue)
                       : IKey(user + '\0', kMaxSequenceNumber, kTypeValue);
    it.Seek(after);
    ASSERT_NO_FATAL_FAILURE(ExpectAt(it, entries, LowerBound(entries, after)));
    const std::string before = IKey(user, kMaxSequenceNumber, kTypeValue);
    it.Seek(before);
    ASSERT_NO_FATAL_FAILURE(ExpectAt(it, entries, LowerBound(entries, before)));
  }
  // Before the first and past the last key.
  it.Seek(IKey("", kMaxSequenceNumber));
  ASSERT_NO_FATAL_FAILURE(ExpectAt(it, entries, 0));
  it.Seek(IKey(std::string(400, '\xff'), 0));
  ASSERT_NO_FATAL_FAILURE(ExpectAt(it, entries, entries.size()));

  // Random walks mixing Seek, Next and Prev.
  if (entries.empty()) return;
  for (int walk = 0; walk < 20; walk++) {
    size_t pos = rnd->Uniform(entries.size());
    it.Seek(entries[pos].key);
    for (int step = 0; step < 40 && pos < entries.size(); step++) {
      ASSERT_NO_FATAL_FAILURE(ExpectAt(it, entries, pos));
      if (rnd->OneIn(2)) {
        it.Next();
        pos++;
      } else {
        if (pos == 0) {
          it.Prev();
          ASSERT_FALSE(it.Valid());
          ASSERT_OK(it.status());
          break;
        }
        it.Prev();
        pos--;
      }
    }
  }
}

// Every positioning leaves the iterator invalid; its status is
// Corruption if corrupt, else OK.
void ExpectNoEntries(const Block& block, bool corrupt) {
  BlockIter it(&block);
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek(IKey("a", 1));
  EXPECT_FALSE(it.Valid());
  EXPECT_EQ(corrupt, it.status().IsCorruption()) << it.status().ToString();
  EXPECT_EQ(!corrupt, it.status().ok());
}

}  // namespace

TEST(Block, RoundTripsRandomKeysAtManySizes) {
  Random64 rnd(301);
  for (size_t n : {0, 1, 2, 3, 15, 16, 17, 31, 33, 100, 1000}) {
    const std::vector<Entry> entries = RandomEntries(&rnd, n);
    for (int interval : {1, 2, 16}) {
      SCOPED_TRACE("n=" + std::to_string(n) +
                   " interval=" + std::to_string(interval));
      ASSERT_NO_FATAL_FAILURE(CheckBlock(entries, interval, &rnd));
    }
  }
}

TEST(Block, EmptyBlockHasNoEntries) {
  BlockBuilder builder(16);
  EXPECT_TRUE(builder.empty());
  const std::string bytes = builder.Finish().ToString();
  EXPECT_EQ(8u, bytes.size());  // restart 0 and the count
  ExpectNoEntries(Block(BlockContents{Slice(bytes), nullptr}),
                  /*corrupt=*/false);
}

TEST(Block, BuilderResetStartsOver) {
  BlockBuilder builder(4);
  builder.Add(IKey("b", 1), "x");
  builder.Finish();
  builder.Reset();
  builder.Add(IKey("a", 1), "y");
  EXPECT_EQ(1u, builder.num_entries());
  EXPECT_EQ(IKey("a", 1), builder.last_key().ToString());
  const std::string bytes = builder.Finish().ToString();
  Block block(BlockContents{Slice(bytes), nullptr});
  BlockIter it(&block);
  it.SeekToFirst();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(IKey("a", 1), it.key().ToString());
  it.Next();
  EXPECT_FALSE(it.Valid());
}

TEST(Block, BytewiseOrderForPlainKeys) {
  BlockBuilder builder(2);
  const std::vector<std::string> keys = {"", "a", "ab", "b", "bcd", "c"};
  for (const auto& k : keys) builder.Add(k, "v" + k);
  const std::string bytes = builder.Finish().ToString();
  Block block(BlockContents{Slice(bytes), nullptr});
  BlockIter it(&block, BlockKeyOrder::kBytewise);
  it.Seek("abc");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ("b", it.key().ToString());
  it.Seek("");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ("", it.key().ToString());
  it.SeekToLast();
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ("vc", it.value().ToString());
}

TEST(Block, OwnsHeapContents) {
  BlockBuilder builder(16);
  builder.Add(IKey("k", 5), "v");
  const Slice finished = builder.Finish();
  BlockContents contents;
  contents.heap.reset(new char[finished.size()]);
  memcpy(contents.heap.get(), finished.data(), finished.size());
  contents.data = Slice(contents.heap.get(), finished.size());
  EXPECT_TRUE(contents.owns_memory());
  Block block(std::move(contents));
  EXPECT_TRUE(block.owns_memory());
  std::unique_ptr<Iterator> it(block.NewIterator());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("v", it->value().ToString());
}

TEST(Block, MalformedRestartArrayIsCorruption) {
  std::vector<std::string> bad = {
      "",
      std::string("\x01\x00\x00", 3),      // shorter than the count
      std::string("\x00\x00\x00\x00", 4),  // zero restarts
      std::string("\x05\x00\x00\x00", 4),  // more restarts than fit
      std::string("\xff\xff\xff\xff", 4),  // absurd count
  };
  // A restart offset past the entries.
  std::string past;
  PutFixed32(&past, 100);
  PutFixed32(&past, 1);
  bad.push_back(past);
  for (const std::string& bytes : bad) {
    ExpectNoEntries(Block(BlockContents{Slice(bytes), nullptr}),
                    /*corrupt=*/true);
  }
}

TEST(Block, ErrorContextNamesFileAndOffset) {
  const std::string bytes("\x00\x00\x00\x00", 4);
  Block block(BlockContents{Slice(bytes), nullptr});
  BlockIter it(&block);
  const std::string fname = "/db/000042.sst";
  it.SetErrorContext(&fname, 8192);
  it.SeekToFirst();
  ASSERT_TRUE(it.status().IsCorruption());
  EXPECT_NE(std::string::npos, it.status().ToString().find("/db/000042.sst"));
  EXPECT_NE(std::string::npos, it.status().ToString().find("offset 8192"));
}

TEST(Block, InternalKeysShorterThanTagAreCorruption) {
  BlockBuilder builder(16);
  builder.Add("short", "v");  // not an internal key
  const std::string bytes = builder.Finish().ToString();
  Block block(BlockContents{Slice(bytes), nullptr});
  BlockIter it(&block);
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().IsCorruption());
}

namespace {

// Exercises every operation on a possibly damaged block. Whatever the
// bytes, the iterator must stay inside them (ASan checks that) and every
// walk must end: each entry consumes at least 3 bytes.
void Torture(const std::string& bytes, const std::vector<Entry>& entries,
             bool* saw_corruption) {
  // Copy into an exactly sized heap buffer so that ASan sees any overrun.
  std::unique_ptr<char[]> copy(new char[bytes.size() + 1]);
  memcpy(copy.get(), bytes.data(), bytes.size());
  BlockContents contents;
  contents.data = Slice(copy.get(), bytes.size());
  Block block(std::move(contents));
  const size_t max_steps = bytes.size() / 3 + 2;
  auto note = [&](const BlockIter& it) {
    if (!it.status().ok()) {
      ASSERT_TRUE(it.status().IsCorruption()) << it.status().ToString();
      *saw_corruption = true;
    }
  };
  {
    BlockIter it(&block);
    size_t steps = 0;
    for (it.SeekToFirst(); it.Valid() && steps <= max_steps; it.Next()) {
      steps++;
      ASSERT_GE(it.key().size(), 8u);
    }
    ASSERT_LE(steps, max_steps);
    note(it);
  }
  {
    BlockIter it(&block);
    size_t steps = 0;
    for (it.SeekToLast(); it.Valid() && steps <= max_steps; it.Prev()) steps++;
    ASSERT_LE(steps, max_steps);
    note(it);
  }
  for (const Entry& e : entries) {
    BlockIter it(&block);
    it.Seek(e.key);
    if (it.Valid()) it.Next();
    if (it.Valid()) it.Prev();
    if (it.Valid()) it.Prev();
    note(it);
  }
}

}  // namespace

TEST(Block, FlippedBytesNeverReadOutOfBounds) {
  Random64 rnd(17);
  const std::vector<Entry> entries = RandomEntries(&rnd, 12);
  for (int interval : {1, 4}) {
    const std::string good = BuildBlock(entries, interval);
    int corrupt_cases = 0;
    for (size_t pos = 0; pos < good.size(); pos++) {
      for (unsigned char mask : {0x01, 0x80, 0xff}) {
        std::string bad = good;
        bad[pos] = static_cast<char>(bad[pos] ^ mask);
        bool saw = false;
        ASSERT_NO_FATAL_FAILURE(Torture(bad, entries, &saw))
            << "byte " << pos << " mask " << int{mask};
        corrupt_cases += saw;
      }
    }
    // Damage to headers and restarts is detected (damage to key or value
    // bytes is the block checksum's job, see format_test).
    EXPECT_GT(corrupt_cases, 0);
  }
}

TEST(Block, TruncatedBlocksNeverReadOutOfBounds) {
  Random64 rnd(23);
  const std::vector<Entry> entries = RandomEntries(&rnd, 12);
  for (int interval : {1, 4}) {
    const std::string good = BuildBlock(entries, interval);
    int corrupt_cases = 0;
    for (size_t len = 0; len < good.size(); len++) {
      bool saw = false;
      ASSERT_NO_FATAL_FAILURE(Torture(good.substr(0, len), entries, &saw))
          << "length " << len;
      corrupt_cases += saw;
    }
    // Nearly every truncation leaves a garbage restart count.
    EXPECT_GT(corrupt_cases, static_cast<int>(good.size()) * 9 / 10);
  }
}

TEST(Block, RandomGarbageNeverReadsOutOfBounds) {
  Random64 rnd(99);
  const std::vector<Entry> entries = RandomEntries(&rnd, 4);
  for (int i = 0; i < 2000; i++) {
    std::string bytes = test::RandomBytes(&rnd, rnd.Uniform(200), false);
    // Mostly plausible restart counts, so that parsing gets past the array.
    if (bytes.size() >= 8 && !rnd.OneIn(4)) {
      const uint32_t n = 1 + rnd.Uniform((bytes.size() - 4) / 4);
      EncodeFixed32(bytes.data() + bytes.size() - 4, n);
      for (uint32_t r = 0; r < n; r++) {
        EncodeFixed32(bytes.data() + bytes.size() - 4 - 4 * (n - r),
                      rnd.Uniform(bytes.size()));
      }
    }
    bool saw = false;
    ASSERT_NO_FATAL_FAILURE(Torture(bytes, entries, &saw));
  }
}

}  // namespace o3lsm
