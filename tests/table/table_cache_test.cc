// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// TableCache: tables pinned to their FileMetaData (up to half the bound),
// the LRU for the rest, and what an eviction or a lost file does to each.

#include "lsm/version/table_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lsm/version/filename.h"
#include "lsm/version/version_edit.h"
#include "tests/table/table_test_util.h"
#include "tests/testutil.h"

namespace o3lsm {
namespace {

class TableCacheTest : public ::testing::Test {
 protected:
  // Files 1..n, file k holding "key<k>" -> "value<k>".
  void BuildFiles(int n) {
    for (int k = 1; k <= n; k++) {
      test::Model model;
      model[test::IKey("key" + std::to_string(k), 1)] =
          "value" + std::to_string(k);
      const std::string fname = TableFileName(dir_.path(), k);
      ASSERT_OK(test::BuildTable(env_, fname, options_, model));
      auto f = std::make_shared<FileMetaData>();
      f->number = k;
      ASSERT_OK(env_->GetFileSize(fname, &f->file_size));
      files_.push_back(f);
    }
  }

  // Reads file k's key through cache; the value, or the error.
  std::string Read(TableCache* cache, const FileMetaData& f,
                   const ReadOptions& ro = ReadOptions()) {
    const std::string ikey = test::IKey("key" + std::to_string(f.number), 9);
    std::string got = "(none)";
    Status s = cache->Get(ro, f, ikey, [&](const Slice&, const Slice& v) {
      got = v.ToString();
      return false;
    });
    return s.ok() ? got : s.ToString();
  }

  test::ScratchDir dir_;
  Env* env_ = Env::Default();
  TableOptions options_;
  std::vector<std::shared_ptr<FileMetaData>> files_;
};

TEST_F(TableCacheTest, PinsTablesToTheirFilesUpToHalfTheBound) {
  BuildFiles(4);
  TableCache cache(dir_.path(), env_, options_, /*entries=*/4);
  EXPECT_EQ("value1", Read(&cache, *files_[0]));
  EXPECT_EQ("value2", Read(&cache, *files_[1]));
  EXPECT_NE(nullptr, files_[0]->table.get());
  EXPECT_NE(nullptr, files_[1]->table.get());
  EXPECT_EQ(2u, cache.PinnedTables());
  // Half the bound is pinned: the rest go through the LRU.
  EXPECT_EQ("value3", Read(&cache, *files_[2]));
  EXPECT_EQ(nullptr, files_[2]->table.get());
  EXPECT_EQ(2u, cache.PinnedTables());
  // A read that does not fill caches (a compaction's) pins nothing.
  files_[0].reset();
  EXPECT_EQ(1u, cache.PinnedTables()) << "the pin outlived its file";
  ReadOptions no_fill;
  no_fill.fill_cache = false;
  EXPECT_EQ("value4", Read(&cache, *files_[3], no_fill));
  EXPECT_EQ(nullptr, files_[3]->table.get());
  EXPECT_EQ("value4", Read(&cache, *files_[3]));
  EXPECT_NE(nullptr, files_[3]->table.get());
  // An iterator reads a pinned table too.
  std::unique_ptr<Iterator> it(cache.NewIterator(ReadOptions(), *files_[3]));
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("value4", it->value().ToString());
  // A copy of the metadata (an edit's) starts unpinned.
  FileMetaData copy = *files_[3];
  EXPECT_EQ(nullptr, copy.table.get());
}

TEST_F(TableCacheTest, APinnedTableOutlivesItsEvictionAndItsFile) {
  BuildFiles(3);
  TableCache cache(dir_.path(), env_, options_, /*entries=*/2);
  EXPECT_EQ("value1", Read(&cache, *files_[0]));  // pinned
  EXPECT_EQ("value2", Read(&cache, *files_[1]));  // in the LRU only
  ASSERT_NE(nullptr, files_[0]->table.get());
  ASSERT_EQ(nullptr, files_[1]->table.get());
  for (int k : {1, 2}) {
    cache.Evict(k);
    ASSERT_OK(env_->RemoveFile(TableFileName(dir_.path(), k)));
  }
  // The pinned table is open for as long as its FileMetaData lives.
  EXPECT_EQ("value1", Read(&cache, *files_[0]));
  // The other one is gone with its file, and says so.
  EXPECT_NE(std::string::npos,
            Read(&cache, *files_[1]).find("table file is missing"));
}

TEST_F(TableCacheTest, ConcurrentFirstReadsPinOneTableEach) {
  BuildFiles(8);
  TableCache cache(dir_.path(), env_, options_, /*entries=*/10);
  std::vector<std::thread> readers;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; t++) {
    readers.emplace_back([&, t] {
      for (int round = 0; round < 200; round++) {
        const FileMetaData& f = *files_[(t + round) % files_.size()];
        if (Read(&cache, f) != "value" + std::to_string(f.number)) wrong++;
      }
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(0, wrong.load());
  // Five may be pinned (half of ten); racing pins of one file keep one.
  EXPECT_EQ(5u, cache.PinnedTables());
  int pinned = 0;
  for (const auto& f : files_) pinned += f->table.get() != nullptr ? 1 : 0;
  EXPECT_EQ(5, pinned);
  files_.clear();
  EXPECT_EQ(0u, cache.PinnedTables());
}

}  // namespace
}  // namespace o3lsm
