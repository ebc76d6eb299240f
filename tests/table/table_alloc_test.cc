// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The point-lookup path allocates nothing: Table::InternalGet on a block in
// the cache, and on a memory-mapped table without a cache, must not touch
// the heap (the read path's cost budget). Counted by replacing the global
// operator new in this test binary; skipped under AddressSanitizer, which
// owns the allocator.

#include <atomic>
#include <cstdlib>
#include <gtest/gtest.h>
#include <new>
#include <string>
#include <vector>

#include "lsm/cache/cache.h"
#include "lsm/table/table.h"
#include "tests/table/table_test_util.h"
#include "tests/testutil.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define O3LSM_COUNT_ALLOCATIONS 0
#else
#define O3LSM_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

#if O3LSM_COUNT_ALLOCATIONS
// Replacements of the replaceable global allocation functions; the array
// and sized forms forward to these by default.
void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#endif

namespace o3lsm {

namespace {

using test::IKey;

class TableAllocations : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!O3LSM_COUNT_ALLOCATIONS) {
      GTEST_SKIP() << "allocation counting is off under sanitizers";
    }
    for (int i = 0; i < 5000; i++) {
      model_[IKey("user" + std::to_string(1000000 + i), 100 + i % 3)] =
          std::string(40, 'v');
    }
    const std::string fname = dir_.Child("a.sst");
    ASSERT_OK(test::BuildTable(Env::Default(), fname, TableOptions(), model_));
    ASSERT_OK(ReadFileToString(Env::Default(), fname, &contents_));
    for (const auto& e : model_) keys_.push_back(e.first);
  }

  // Allocations made by `rounds` lookups of every key (and of as many
  // absent keys).
  long CountLookupAllocations(const Table& table) {
    size_t found = 0;
    const std::function<bool(const Slice&, const Slice&)> handle =
        [&found](const Slice&, const Slice&) {
          found++;
          return true;
        };
    std::vector<std::string> absent;
    for (size_t i = 0; i < keys_.size(); i++) {
      absent.push_back(IKey("nope" + std::to_string(i), 5));
    }
    const ReadOptions options;
    const long before = g_allocations.load();
    for (const std::string& k : keys_) {
      EXPECT_TRUE(table.InternalGet(options, k, handle).ok());
    }
    for (const std::string& k : absent) {
      EXPECT_TRUE(table.InternalGet(options, k, handle).ok());
    }
    const long after = g_allocations.load();
    EXPECT_GE(found, keys_.size());
    return after - before;
  }

  test::ScratchDir dir_;
  test::Model model_;
  std::string contents_;
  std::vector<std::string> keys_;
};

}  // namespace

TEST_F(TableAllocations, CachedLookupsDoNotAllocate) {
  auto cache = NewLRUCache(8 << 20);
  TableOptions options;
  options.block_cache = cache.get();
  std::unique_ptr<Table> table;
  ASSERT_OK(test::OpenTableFromString(options, "a.sst", contents_,
                                      /*mapped=*/false, &table));
  // Warm the cache: each block is read and inserted once.
  ASSERT_GT(CountLookupAllocations(*table), 0);
  EXPECT_EQ(0, CountLookupAllocations(*table));
}

TEST_F(TableAllocations, MappedLookupsWithoutCacheDoNotAllocate) {
  std::unique_ptr<Table> table;
  ASSERT_OK(test::OpenTableFromString(TableOptions(), "a.sst", contents_,
                                      /*mapped=*/true, &table));
  EXPECT_EQ(0, CountLookupAllocations(*table));
}

}  // namespace o3lsm
