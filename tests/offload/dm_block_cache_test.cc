// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The block cache tier in DM: what goes in comes back verified, damage and
// races are misses, and a database whose tables are read with pread finds
// their blocks there before storage, with every value right.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "interconnect/dm_allocator.h"
#include "lsm/db/db_impl.h"
#include "lsm/offload/dm_block_cache.h"
#include "lsm/table/format.h"
#include "o3lsm/db.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

struct Pool {
  std::unique_ptr<fabric::Fabric> fabric;
  std::unique_ptr<fabric::DmAllocator> allocator;
};

Pool OpenPool() {
  Pool p;
  fabric::FabricOptions o;
  o.uri = "emulated:";
  o.create_if_missing = true;
  o.size = 64 << 20;
  EXPECT_OK(fabric::OpenFabric(o, &p.fabric));
  EXPECT_OK(fabric::DmAllocator::Open(p.fabric.get(), 1, &p.allocator));
  return p;
}

std::string Stored(uint64_t offset, int i, size_t n) {
  Random64 rnd(i + 1);
  return StoredBlock(test::RandomBytes(&rnd, n), CompressionType::kNone,
                     offset);
}

}  // namespace

TEST(DmBlockCache, WhatGoesInComesBackAndDamageIsAMiss) {
  Pool p = OpenPool();
  std::unique_ptr<DmBlockCache> cache;
  EXPECT_TRUE(DmBlockCache::Open(p.fabric.get(), &cache).IsNotFound());
  ASSERT_OK(DmBlockCache::Create(p.fabric.get(), p.allocator.get(), 4 << 20));
  // A second Create keeps the first.
  ASSERT_OK(DmBlockCache::Create(p.fabric.get(), p.allocator.get(), 8 << 20));
  ASSERT_OK(DmBlockCache::Open(p.fabric.get(), &cache));
  EXPECT_LE(cache->capacity(), uint64_t{4} << 20);
  EXPECT_GT(cache->capacity(), uint64_t{3} << 20);

  std::string got;
  EXPECT_FALSE(cache->Lookup(7, 4096, &got));
  for (int i = 0; i < 100; i++) {
    cache->Insert(7, 4096 * i, Stored(4096 * i, i, 4000));
  }
  for (int i = 0; i < 100; i++) {
    ASSERT_TRUE(cache->Lookup(7, 4096 * i, &got)) << i;
    EXPECT_EQ(Stored(4096 * i, i, 4000), got) << i;
    EXPECT_FALSE(cache->Lookup(8, 4096 * i, &got)) << "another table";
  }
  // Too big for a slot: declined.
  cache->Insert(7, 1, std::string(DmBlockCache::kSlotSize + 1, 'x'));
  EXPECT_FALSE(cache->Lookup(7, 1, &got));
  EXPECT_EQ(1u, cache->stats().declined);

  // Damage every stored byte run: lookups miss, never return it.
  char* slots = static_cast<char*>(
      p.fabric->LocalView(cache->slots_begin(), cache->capacity()));
  ASSERT_NE(nullptr, slots);
  for (uint64_t off = 100; off < cache->capacity(); off += 997) {
    slots[off] ^= 0x11;
  }
  int hits = 0;
  for (int i = 0; i < 100; i++) {
    if (cache->Lookup(7, 4096 * i, &got)) {
      hits++;
      EXPECT_EQ(Stored(4096 * i, i, 4000), got) << i;
    }
  }
  EXPECT_LT(hits, 10);
  EXPECT_GT(cache->stats().damaged, 90u);
}

TEST(DmBlockCache, AFullSetEvictsTheOldestAndRacesAreMisses) {
  Pool p = OpenPool();
  // One set: every block competes for its 8 ways.
  const uint64_t one_set =
      DmBlockCache::kHeaderSize +
      DmBlockCache::kWays * (DmBlockCache::kTagSize + DmBlockCache::kSlotSize);
  ASSERT_OK(DmBlockCache::Create(p.fabric.get(), p.allocator.get(), one_set));
  std::unique_ptr<DmBlockCache> cache;
  ASSERT_OK(DmBlockCache::Open(p.fabric.get(), &cache));
  for (int i = 0; i < 20; i++) {
    cache->Insert(1, i, Stored(i, i, 100));
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  std::string got;
  for (int i = 0; i < 20; i++) {
    EXPECT_EQ(i >= 12, cache->Lookup(1, i, &got)) << i;
  }
  // Threads inserting and looking up the same blocks: a hit is always the
  // right bytes.
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      std::string v;
      for (int i = 0; i < 2000; i++) {
        const int b = (i * 7 + t) % 16;
        if (i % 3 == 0) {
          cache->Insert(2, b, Stored(b, b, 300 + b));
        } else if (cache->Lookup(2, b, &v) && v != Stored(b, b, 300 + b)) {
          wrong++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(0, wrong.load());
}

// A database that offloads compactions to an embedded pool with a block
// cache tier, tables read with pread and a tiny local block cache: reads
// find blocks in DM, damaged DM blocks are read from storage instead.
TEST(DmBlockCache, TablesReadThroughItAndNeverReturnDamagedBlocks) {
  test::ScratchDir dir;
  Options o;
  o.create_if_missing = true;
  o.offload = kOffloadCompaction;
  o.allow_mmap_reads = false;
  o.block_cache_size = 64 << 10;
  o.dm_block_cache_size = 8 << 20;
  o.write_buffer_size = 256 << 10;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(o, dir.path(), &db));
  auto* impl = static_cast<DBImpl*>(db.get());
  std::map<std::string, std::string> model;
  Random64 rnd(3);
  for (int i = 0; i < 20000; i++) {
    const std::string k = "key" + std::to_string(rnd.Uniform(8000));
    model[k] = test::RandomBytes(&rnd, 100);
    ASSERT_OK(db->Put(WriteOptions(), k, model[k]));
  }
  ASSERT_OK(db->Flush(FlushOptions()));
  ASSERT_OK(impl->TEST_WaitForBackgroundWork());
  auto check = [&] {
    for (const auto& [k, v] : model) {
      std::string got;
      ASSERT_OK(db->Get(ReadOptions(), k, &got)) << k;
      ASSERT_EQ(v, got) << k;
    }
  };
  check();
  check();  // the local cache is too small: the second pass hits DM
  std::string stats;
  ASSERT_TRUE(db->GetProperty("o3lsm.stats", &stats));
  ASSERT_NE(std::string::npos, stats.find("DM block cache")) << stats;
  // The tier's counters, through the stats line.
  const size_t at = stats.find("DM block cache");
  unsigned long long hits = 0;
  ASSERT_EQ(1, sscanf(stats.c_str() + stats.find("; ", at) + 2, "%llu hits",
                      &hits))
      << stats.substr(at, 200);
  EXPECT_GT(hits, 100u) << stats.substr(at, 200);

  // Damage the stored blocks in DM: reads are still right.
  fabric::Fabric* f = impl->TEST_DmFabric();
  std::unique_ptr<DmBlockCache> cache;
  ASSERT_OK(DmBlockCache::Open(f, &cache));
  char* slots =
      static_cast<char*>(f->LocalView(cache->slots_begin(), cache->capacity()));
  ASSERT_NE(nullptr, slots);
  for (uint64_t off = 64; off < cache->capacity(); off += 509) slots[off] ^= 4;
  check();
}

}  // namespace o3lsm
