// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// IndexFences: a seek narrowed by the fences lands exactly where a plain
// Seek does, for every kind of key set and target.

#include "lsm/table/index_fences.h"

#include <cstdio>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "lsm/table/block_builder.h"
#include "tests/table/table_test_util.h"
#include "tests/testutil.h"
#include "util/random.h"

namespace o3lsm {

namespace {

using test::IKey;

// Checks SeekInRestartRange(Bounds(t)) against Seek(t) for every target.
void ExpectSameAsSeek(const test::Model& keys,
                      const std::vector<std::string>& targets,
                      int restart_interval) {
  BlockBuilder builder(restart_interval);
  for (const auto& [k, v] : keys) builder.Add(k, v);
  const std::string bytes = builder.Finish().ToString();
  Block block(BlockContents{Slice(bytes), nullptr});
  IndexFences fences;
  ASSERT_TRUE(fences.Build(block));
  ASSERT_FALSE(fences.empty());
  for (const std::string& t : targets) {
    BlockIter plain(&block);
    plain.Seek(t);
    uint32_t left, right;
    fences.Bounds(t, &left, &right);
    ASSERT_LE(left, right);
    ASSERT_LT(right, block.num_restarts());
    BlockIter fenced(&block);
    fenced.SeekInRestartRange(t, left, right);
    ASSERT_EQ(plain.Valid(), fenced.Valid()) << ExtractUserKey(t).ToString();
    if (plain.Valid()) {
      ASSERT_EQ(plain.key().ToString(), fenced.key().ToString());
    }
    ASSERT_OK(fenced.status());
  }
}

std::vector<std::string> TargetsAround(const test::Model& keys, Random64* rnd) {
  std::vector<std::string> targets = {IKey("", kMaxSequenceNumber), IKey("", 0),
                                      IKey("\xff\xff\xff", 0)};
  for (const auto& [k, v] : keys) {
    const std::string user = ExtractUserKey(k).ToString();
    targets.push_back(k);
    targets.push_back(IKey(user, kMaxSequenceNumber));
    targets.push_back(IKey(user, 0));
    targets.push_back(IKey(user + '\0', 7));
    targets.push_back(IKey(user.substr(0, rnd->Uniform(user.size() + 1)), 3));
    std::string bumped = user;
    if (!bumped.empty()) bumped.back()++;
    targets.push_back(IKey(bumped, 9));
  }
  return targets;
}

}  // namespace

TEST(IndexFences, NumericKeysWithALongCommonPrefix) {
  test::Model keys;
  char buf[32];
  for (int i = 0; i < 3000; i++) {
    snprintf(buf, sizeof(buf), "%016d", i * 37);
    keys[IKey(buf, 100)] = "h";
  }
  Random64 rnd(1);
  for (int interval : {1, 16}) {
    ASSERT_NO_FATAL_FAILURE(
        ExpectSameAsSeek(keys, TargetsAround(keys, &rnd), interval));
  }
}

TEST(IndexFences, RandomKeysOfMixedLengths) {
  Random64 rnd(2);
  for (int round = 0; round < 20; round++) {
    test::Model keys;
    const std::string prefix = test::RandomBytes(&rnd, rnd.Uniform(6), false);
    const size_t n = 1 + rnd.Uniform(300);
    while (keys.size() < n) {
      // Short keys, keys that are prefixes of others, versions of one key.
      std::string user =
          prefix + test::RandomBytes(&rnd, rnd.Uniform(7), rnd.OneIn(2));
      keys[IKey(user, rnd.Uniform(50))] = "v";
      if (rnd.OneIn(5)) keys[IKey(user + "x", 1)] = "v";
    }
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsSeek(keys, TargetsAround(keys, &rnd),
                                             rnd.OneIn(2) ? 1 : 4));
  }
}

TEST(IndexFences, SingleKey) {
  test::Model keys;
  keys[IKey("only", 5)] = "v";
  Random64 rnd(3);
  ASSERT_NO_FATAL_FAILURE(ExpectSameAsSeek(keys, TargetsAround(keys, &rnd), 1));
}

TEST(IndexFences, RefusesBlocksItCannotFence) {
  IndexFences fences;
  // An empty index has no restart key.
  BlockBuilder empty(1);
  const std::string e = empty.Finish().ToString();
  EXPECT_FALSE(fences.Build(Block(BlockContents{Slice(e), nullptr})));
  EXPECT_TRUE(fences.empty());
  // Keys out of order.
  BlockBuilder unsorted(1);
  unsorted.Add(IKey("b", 1), "x");
  unsorted.Add(IKey("a", 1), "x");
  const std::string u = unsorted.Finish().ToString();
  EXPECT_FALSE(fences.Build(Block(BlockContents{Slice(u), nullptr})));
  EXPECT_TRUE(fences.empty());
  // A malformed restart array.
  const std::string bad("\x07\x00\x00\x00", 4);
  EXPECT_FALSE(fences.Build(Block(BlockContents{Slice(bad), nullptr})));
}

}  // namespace o3lsm
