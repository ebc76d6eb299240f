// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/cache/cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "util/coding.h"

namespace o3lsm {

namespace {

std::vector<int> deleted_keys;
std::vector<int> deleted_values;

std::string EncodeKey(int k) {
  std::string result;
  PutFixed32(&result, static_cast<uint32_t>(k));
  return result;
}
int DecodeKey(const Slice& k) { return static_cast<int>(DecodeFixed32(k.data())); }
void* EncodeValue(uintptr_t v) { return reinterpret_cast<void*>(v); }
int DecodeValue(void* v) { return static_cast<int>(reinterpret_cast<uintptr_t>(v)); }

void Deleter(const Slice& key, void* v) {
  deleted_keys.push_back(DecodeKey(key));
  deleted_values.push_back(DecodeValue(v));
}

class CacheTest : public ::testing::Test {
 protected:
  static constexpr int kCapacity = 1000;
  CacheTest() : cache_(NewLRUCache(kCapacity, 0)) {
    deleted_keys.clear();
    deleted_values.clear();
  }

  int Lookup(int key) {
    Cache::Handle* h = cache_->Lookup(EncodeKey(key));
    const int r = (h == nullptr) ? -1 : DecodeValue(cache_->Value(h));
    if (h != nullptr) cache_->Release(h);
    return r;
  }
  void Insert(int key, int value, int charge = 1) {
    cache_->Release(cache_->Insert(EncodeKey(key), EncodeValue(value), charge,
                                   &Deleter));
  }
  Cache::Handle* InsertAndReturnHandle(int key, int value) {
    return cache_->Insert(EncodeKey(key), EncodeValue(value), 1, &Deleter);
  }

  std::unique_ptr<Cache> cache_;
};

}  // namespace

TEST_F(CacheTest, HitAndMiss) {
  EXPECT_EQ(-1, Lookup(100));
  Insert(100, 101);
  EXPECT_EQ(101, Lookup(100));
  EXPECT_EQ(-1, Lookup(200));
  Insert(200, 201);
  Insert(100, 102);  // replaces
  EXPECT_EQ(102, Lookup(100));
  EXPECT_EQ(201, Lookup(200));
  ASSERT_EQ(1u, deleted_keys.size());
  EXPECT_EQ(100, deleted_keys[0]);
  EXPECT_EQ(101, deleted_values[0]);
}

TEST_F(CacheTest, EraseKeepsHeldEntriesAlive) {
  Cache::Handle* h = InsertAndReturnHandle(100, 101);
  cache_->Erase(EncodeKey(100));
  EXPECT_EQ(-1, Lookup(100));
  EXPECT_TRUE(deleted_keys.empty());
  EXPECT_EQ(101, DecodeValue(cache_->Value(h)));
  cache_->Release(h);
  ASSERT_EQ(1u, deleted_keys.size());
}

TEST_F(CacheTest, EvictsLeastRecentlyUsedButNotHeld) {
  Insert(100, 101);
  Insert(200, 201);
  Insert(300, 301);
  Cache::Handle* h = cache_->Lookup(EncodeKey(300));
  // Touch 100 often; insert many others.
  for (int i = 0; i < kCapacity + 100; i++) {
    Insert(1000 + i, 2000 + i);
    ASSERT_EQ(101, Lookup(100));
  }
  EXPECT_EQ(101, Lookup(100));
  EXPECT_EQ(-1, Lookup(200));
  EXPECT_EQ(301, Lookup(300));  // held, so not evicted
  cache_->Release(h);
  EXPECT_LE(cache_->TotalCharge(), static_cast<size_t>(kCapacity));
}

TEST_F(CacheTest, HeavyEntriesEvictLightOnes) {
  Insert(1, 1, kCapacity / 2);
  Insert(2, 2, kCapacity / 2);
  Insert(3, 3, kCapacity / 2);
  EXPECT_EQ(-1, Lookup(1));
  EXPECT_LE(cache_->TotalCharge(), static_cast<size_t>(kCapacity));
}

TEST_F(CacheTest, ZeroCapacityCachesNothing) {
  cache_ = NewLRUCache(0, 0);
  Insert(1, 100);
  EXPECT_EQ(-1, Lookup(1));
  EXPECT_EQ(1u, deleted_keys.size());
}

TEST(ShardedCache, ConcurrentInsertLookupRelease) {
  auto cache = NewLRUCache(1 << 16, 4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 20000; i++) {
        std::string key = EncodeKey((i * 7 + t) % 5000);
        Cache::Handle* h = cache->Lookup(key);
        if (h == nullptr) {
          h = cache->Insert(key, EncodeValue(i), 16,
                            [](const Slice&, void*) {});
        }
        cache->Release(h);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(cache->TotalCharge(), size_t{1} << 16);
}

}  // namespace o3lsm
