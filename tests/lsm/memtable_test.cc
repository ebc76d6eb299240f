// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/memtable/memtable.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "tests/testutil.h"
#include "util/random.h"

namespace o3lsm {

namespace {

std::string Key(uint64_t i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "key%012llu", static_cast<unsigned long long>(i));
  return buf;
}

std::string UserKeyOf(const Slice& ikey) {
  return ExtractUserKey(ikey).ToString();
}

}  // namespace

TEST(MemArena, AllocatesAlignedAndRefusesWhenFull) {
  MemArena arena(4096);
  ASSERT_TRUE(arena.ok());
  EXPECT_EQ(MemArena::kHeaderSize, arena.used());
  uint32_t a = arena.Allocate(3, 1);
  uint32_t b = arena.Allocate(8, 8);
  EXPECT_EQ(MemArena::kHeaderSize, a);
  EXPECT_EQ(0u, b % 8);
  EXPECT_GT(b, a);
  EXPECT_EQ(0u, arena.Allocate(5000, 1));  // does not fit
  EXPECT_NE(0u, arena.Allocate(100, 4));   // smaller still fits
  EXPECT_EQ(0u, arena.Allocate(0, 1));
}

TEST(SkipList, EmptyListIterates) {
  MemArena arena(1 << 16);
  ASSERT_TRUE(SkipList::Format(&arena));
  SkipList list(arena.base(), arena.capacity());
  EXPECT_TRUE(list.HeaderValid());
  SkipList::Iterator it(&list);
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek(InternalKey("a", 1, kTypeValue).Encode());
  EXPECT_FALSE(it.Valid());
  EXPECT_FALSE(it.Corrupted());
}

TEST(SkipList, InsertAndWalkBothWaysMatchesSortedOrder) {
  MemArena arena(8 << 20);
  ASSERT_TRUE(SkipList::Format(&arena));
  SkipList list(arena.base(), arena.capacity());
  Random64 rnd(301);
  std::set<std::string> keys;
  for (int i = 0; i < 5000; i++) {
    std::string k = Key(rnd.Uniform(100000));
    if (!keys.insert(k).second) continue;
    ASSERT_TRUE(list.Insert(&arena, k, PackSequenceAndType(i + 1, kTypeValue),
                            "v" + k));
  }
  SkipList::Iterator it(&list);
  it.SeekToFirst();
  for (const std::string& k : keys) {
    ASSERT_TRUE(it.Valid());
    EXPECT_EQ(k, UserKeyOf(it.key()));
    EXPECT_EQ("v" + k, it.value().ToString());
    it.Next();
  }
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  for (auto r = keys.rbegin(); r != keys.rend(); ++r) {
    ASSERT_TRUE(it.Valid());
    EXPECT_EQ(*r, UserKeyOf(it.key()));
    it.Prev();
  }
  EXPECT_FALSE(it.Valid());
  // Seek to every key and between keys.
  for (int i = 0; i < 1000; i++) {
    std::string target = Key(rnd.Uniform(100001));
    it.Seek(InternalKey(target, kMaxSequenceNumber, kValueTypeForSeek).Encode());
    auto expect = keys.lower_bound(target);
    if (expect == keys.end()) {
      EXPECT_FALSE(it.Valid());
    } else {
      ASSERT_TRUE(it.Valid());
      EXPECT_EQ(*expect, UserKeyOf(it.key()));
    }
  }
}

TEST(SkipList, ImageIsRelocatableByOneCopy) {
  MemArena arena(1 << 20);
  ASSERT_TRUE(SkipList::Format(&arena));
  SkipList list(arena.base(), arena.capacity());
  for (int i = 0; i < 1000; i++) {
    ASSERT_TRUE(list.Insert(&arena, Key(i * 7919 % 1000),
                            PackSequenceAndType(i + 1, kTypeValue), "x"));
  }
  // Copy only the used bytes somewhere else and search there.
  std::string copy(arena.base(), arena.used());
  SkipList moved(copy.data(), copy.size());
  ASSERT_TRUE(moved.HeaderValid());
  SkipList::Iterator it(&moved);
  int n = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    EXPECT_EQ(Key(n), UserKeyOf(it.key()));
    n++;
  }
  EXPECT_EQ(1000, n);
  EXPECT_FALSE(it.Corrupted());
}

TEST(SkipList, CorruptImageNeverReadsOutOfBounds) {
  MemArena arena(1 << 20);
  ASSERT_TRUE(SkipList::Format(&arena));
  SkipList list(arena.base(), arena.capacity());
  for (int i = 0; i < 300; i++) {
    ASSERT_TRUE(list.Insert(&arena, Key(i * 31 % 300),
                            PackSequenceAndType(i + 1, kTypeValue), "value"));
  }
  const std::string image(arena.base(), arena.used());
  Random64 rnd(7);
  int corrupted_seen = 0;
  for (int trial = 0; trial < 2000; trial++) {
    // Heap copy of exactly the image size: ASan catches any overread.
    std::vector<char> bad(image.begin(), image.end());
    for (int flips = 0; flips < 4; flips++) {
      bad[MemArena::kHeaderSize + rnd.Uniform(bad.size() - MemArena::kHeaderSize)] ^=
          static_cast<char>(1 + rnd.Uniform(255));
    }
    SkipList view(bad.data(), bad.size());
    if (!view.HeaderValid()) continue;
    SkipList::Iterator it(&view);
    int steps = 0;
    for (it.SeekToFirst(); it.Valid() && steps < 1000; it.Next()) steps++;
    it.Seek(InternalKey(Key(rnd.Uniform(300)), 100, kTypeValue).Encode());
    if (it.Valid()) it.Prev();
    it.SeekToLast();
    if (it.Corrupted()) corrupted_seen++;
  }
  EXPECT_GT(corrupted_seen, 0);
}

TEST(SkipList, ConcurrentInsertsWithReaders) {
  MemArena arena(64 << 20);
  ASSERT_TRUE(SkipList::Format(&arena));
  SkipList list(arena.base(), arena.capacity());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::atomic<bool> done{false};
  std::atomic<int> reader_checks{0};
  std::thread reader([&] {
    while (!done.load()) {
      SkipList::Iterator it(&list);
      std::string prev;
      for (it.SeekToFirst(); it.Valid(); it.Next()) {
        std::string k = it.key().ToString();
        if (!prev.empty()) {
          ASSERT_LT(InternalKeyComparator().Compare(prev, k), 0);
        }
        prev = k;
      }
      ASSERT_FALSE(it.Corrupted());
      reader_checks++;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; t++) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i++) {
        const uint64_t seq = static_cast<uint64_t>(t) * kPerThread + i + 1;
        ASSERT_TRUE(list.Insert(&arena, Key((i * 7 + t) % 10000),
                                PackSequenceAndType(seq, kTypeValue), "v"));
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  reader.join();
  SkipList::Iterator it(&list);
  int n = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next()) n++;
  EXPECT_EQ(kThreads * kPerThread, n);
  EXPECT_GT(reader_checks.load(), 0);
}

TEST(MemTable, GetSeesNewestVisibleVersion) {
  auto mem = std::make_shared<MemTable>(1, 1 << 20, 2 << 20);
  ASSERT_TRUE(mem->ok());
  ASSERT_TRUE(mem->Add(1, kTypeValue, "a", "a1"));
  ASSERT_TRUE(mem->Add(2, kTypeValue, "a", "a2"));
  ASSERT_TRUE(mem->Add(3, kTypeDeletion, "a", ""));
  ASSERT_TRUE(mem->Add(4, kTypeValue, "b", "b4"));
  std::string v;
  Status s;
  EXPECT_TRUE(mem->Get(LookupKey("a", 1), &v, &s));
  EXPECT_TRUE(s.ok());
  EXPECT_EQ("a1", v);
  EXPECT_TRUE(mem->Get(LookupKey("a", 2), &v, &s));
  EXPECT_EQ("a2", v);
  EXPECT_TRUE(mem->Get(LookupKey("a", 10), &v, &s));
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_FALSE(mem->Get(LookupKey("b", 3), &v, &s));  // not yet written
  EXPECT_TRUE(mem->Get(LookupKey("b", 4), &v, &s));
  EXPECT_EQ("b4", v);
  EXPECT_FALSE(mem->Get(LookupKey("c", 10), &v, &s));
  EXPECT_EQ(4u, mem->num_entries());
  EXPECT_EQ(1u, mem->num_deletes());
  EXPECT_EQ(1u, mem->smallest_sequence());
  EXPECT_EQ(4u, mem->largest_sequence());
}

TEST(MemTable, BloomFilterSkipsKeysNotHeldAndHidesNoneThatAre) {
  auto mem = std::make_shared<MemTable>(1, 1 << 20, 2 << 20, 0,
                                        /*bloom_bytes=*/16 << 10);
  ASSERT_TRUE(mem->ok());
  EXPECT_EQ(16u << 10, mem->bloom_bytes());
  constexpr int kKeys = 5000;  // about 26 bits per key
  for (int i = 0; i < kKeys; i++) {
    const ValueType type = i % 7 == 0 ? kTypeDeletion : kTypeValue;
    ASSERT_TRUE(mem->Add(i + 1, type, Key(2 * i), "v" + std::to_string(i)));
  }
  int absent_passed = 0;
  for (int i = 0; i < kKeys; i++) {
    ASSERT_TRUE(mem->MayContain(Key(2 * i)));
    std::string v;
    Status s;
    ASSERT_TRUE(mem->Get(LookupKey(Key(2 * i), kMaxSequenceNumber), &v, &s));
    if (i % 7 == 0) {
      EXPECT_TRUE(s.IsNotFound());
    } else {
      EXPECT_EQ("v" + std::to_string(i), v);
    }
    absent_passed += mem->MayContain(Key(2 * i + 1));
    EXPECT_FALSE(mem->Get(LookupKey(Key(2 * i + 1), kMaxSequenceNumber), &v,
                          &s));
  }
  EXPECT_LT(absent_passed, kKeys / 100);  // the model: about 0.05%
  // Without a filter every key may be here.
  auto plain = std::make_shared<MemTable>(2, 1 << 20, 2 << 20);
  EXPECT_EQ(0u, plain->bloom_bytes());
  EXPECT_TRUE(plain->MayContain("anything"));
}

// Concurrent writers into a memtable whose filter is far too small for its
// keys: a reader that sees an entry's publication finds it through Get,
// so the filter never hides an entry a reader may see.
TEST(MemTable, BloomFilterUnderConcurrentWritersHidesNothingPublished) {
  auto mem = std::make_shared<MemTable>(1, 32 << 20, 64 << 20, 0,
                                        /*bloom_bytes=*/256);
  ASSERT_TRUE(mem->ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10000;
  std::atomic<int> published[kThreads] = {};
  std::atomic<bool> done{false};
  std::atomic<int> reader_checks{0};
  std::thread reader([&] {
    Random64 rnd(11);
    while (!done.load()) {
      const int t = static_cast<int>(rnd.Uniform(kThreads));
      const int upto = published[t].load(std::memory_order_acquire);
      if (upto == 0) continue;
      const uint64_t i = rnd.Uniform(static_cast<uint64_t>(upto));
      std::string v;
      Status s;
      ASSERT_TRUE(mem->Get(LookupKey(Key(t * 1'000'000 + i), kMaxSequenceNumber),
                           &v, &s));
      ASSERT_EQ("v", v);
      reader_checks++;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; t++) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i++) {
        const uint64_t seq = static_cast<uint64_t>(t) * kPerThread + i + 1;
        ASSERT_TRUE(mem->Add(seq, kTypeValue, Key(t * 1'000'000 + i), "v"));
        published[t].store(i + 1, std::memory_order_release);
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  reader.join();
  EXPECT_GT(reader_checks.load(), 0);
}

TEST(MemTable, IteratorPinsTheMemTable) {
  std::unique_ptr<Iterator> it;
  {
    auto mem = std::make_shared<MemTable>(1, 1 << 20, 2 << 20);
    ASSERT_TRUE(mem->Add(5, kTypeValue, "k", "v"));
    it.reset(mem->NewIterator());
  }
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("k", ExtractUserKey(it->key()).ToString());
  EXPECT_EQ("v", it->value().ToString());
  EXPECT_OK(it->status());
}

TEST(MemTable, ShouldSealAndRoomAccounting) {
  auto mem = std::make_shared<MemTable>(1, 64 << 10, 128 << 10);
  int added = 0;
  while (!mem->ShouldSeal()) {
    ASSERT_TRUE(mem->HasRoomFor(MemTable::EntryBound(16, 100)));
    ASSERT_TRUE(mem->Add(added + 1, kTypeValue, Key(added), std::string(100, 'v')));
    added++;
  }
  EXPECT_GE(mem->MemoryUsage(), 64u << 10);
  EXPECT_LT(mem->MemoryUsage(), 70u << 10);
  EXPECT_GT(added, 400);
}

}  // namespace o3lsm
