// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// ChooseSubJobBoundaries: where a compaction is cut into sub-jobs.

#include "lsm/compaction/compaction_split.h"

#include <gtest/gtest.h>

namespace o3lsm {
namespace {

FileRef File(uint64_t number, const std::string& lo, const std::string& hi,
             uint64_t size) {
  auto f = std::make_shared<FileMetaData>();
  f->number = number;
  f->file_size = size;
  f->smallest = InternalKey(lo, 100, kTypeValue);
  f->largest = InternalKey(hi, 1, kTypeValue);
  return f;
}

// An L0 -> L1 compaction: four L0 files of one shard each (disjoint), and
// two L1 files.
std::unique_ptr<Compaction> ShardedCompaction() {
  std::vector<std::vector<FileRef>> files(3);
  files[0] = {File(1, "a", "f", 10), File(2, "g", "l", 10),
              File(3, "m", "s", 10), File(4, "t", "z", 10)};
  files[1] = {File(5, "a", "k", 10), File(6, "l", "z", 10)};
  VersionRef v = Version::FromFiles(std::move(files));
  auto c = std::make_unique<Compaction>(0, 1, v, 10);
  c->inputs(0) = v->files(0);
  c->inputs(1) = v->files(1);
  c->ComputeRange();
  return c;
}

TEST(CompactionSplit, CutsWhereInputFilesBeginIntoEqualBytes) {
  auto c = ShardedCompaction();  // 60 bytes
  // By the first key of every input file (L0 and L1), 15 bytes a part.
  EXPECT_EQ((std::vector<std::string>{"g", "l", "t"}),
            ChooseSubJobBoundaries(*c, 4, 1));
  EXPECT_EQ((std::vector<std::string>{"l"}), ChooseSubJobBoundaries(*c, 2, 1));
}

TEST(CompactionSplit, SmallCompactionsAndOnePartStayWhole) {
  auto c = ShardedCompaction();
  EXPECT_TRUE(ChooseSubJobBoundaries(*c, 1, 1).empty());
  EXPECT_TRUE(ChooseSubJobBoundaries(*c, 4, 40).empty());  // < 2 x 40 bytes
  // 60 bytes with parts of at least 30: two parts.
  EXPECT_EQ(1u, ChooseSubJobBoundaries(*c, 8, 30).size());
}

TEST(CompactionSplit, NeverCutsAtTheFirstKey) {
  std::vector<std::vector<FileRef>> files(2);
  files[0] = {File(1, "a", "z", 50), File(2, "a", "z", 50)};
  VersionRef v = Version::FromFiles(std::move(files));
  Compaction c(0, 1, v, 10);
  c.inputs(0) = v->files(0);
  c.ComputeRange();
  // Both files begin at "a": no key splits them.
  EXPECT_TRUE(ChooseSubJobBoundaries(c, 4, 1).empty());
}

}  // namespace
}  // namespace o3lsm
