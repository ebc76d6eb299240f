// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/shard_router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "util/coding.h"
#include "util/random.h"

namespace o3lsm {

namespace {

// Big-endian 8-byte integer keys padded to 16 bytes, as db_bench writes.
std::string BenchKey(uint64_t k) {
  std::string s(16, '0');
  for (int i = 0; i < 8; i++) s[i] = static_cast<char>((k >> (56 - 8 * i)) & 0xff);
  return s;
}

struct Outcome {
  double worst_balance = 0;  // max/mean shard bytes, worst generation
  int resplits = 0;
  int final_shards = 0;
};

// Feeds n keys through the planner the way the engine does: a shard seals
// when its memtable holds `memtable` bytes; at each seal the planner may
// replace the router (which seals every shard). Balance is measured per
// generation over the generations that saw enough data.
Outcome Simulate(const std::function<std::string(uint64_t)>& key_of, uint64_t n,
                 int shards) {
  constexpr uint64_t kEntry = 116;
  constexpr uint64_t kMemtable = 64 << 10;
  ShardPlanner planner(shards);
  auto router = std::make_shared<ShardRouter>();
  std::vector<uint64_t> gen_bytes(1, 0), in_mem(1, 0);
  Outcome out;
  auto close_generation = [&] {
    uint64_t total = 0, max = 0;
    for (uint64_t b : gen_bytes) {
      total += b;
      max = std::max(max, b);
    }
    if (total >= 4 * kMemtable * gen_bytes.size() && gen_bytes.size() > 1) {
      const double mean = static_cast<double>(total) / gen_bytes.size();
      out.worst_balance = std::max(out.worst_balance, max / mean);
    }
  };
  for (uint64_t i = 0; i < n; i++) {
    const std::string k = key_of(i);
    planner.Observe(k, kEntry);
    const int s = router->ShardOf(k);
    gen_bytes[s] += kEntry;
    in_mem[s] += kEntry;
    if (in_mem[s] >= kMemtable) {
      in_mem[s] = 0;  // sealed
      if (planner.ShouldResplit(*router, gen_bytes, kMemtable)) {
        auto b = planner.ChooseBoundaries(kMemtable * shards);
        if (!b.empty() || router->num_shards() > 1) {
          close_generation();
          router = std::make_shared<ShardRouter>(std::move(b),
                                                 router->generation() + 1);
          gen_bytes.assign(router->num_shards(), 0);
          in_mem.assign(router->num_shards(), 0);
          out.resplits++;
        }
      }
    }
  }
  close_generation();
  out.final_shards = router->num_shards();
  return out;
}

}  // namespace

TEST(ShardRouter, RoutesByBoundaries) {
  ShardRouter r({"b", "d"}, 1);
  EXPECT_EQ(3, r.num_shards());
  EXPECT_EQ(0, r.ShardOf(""));
  EXPECT_EQ(0, r.ShardOf("a"));
  EXPECT_EQ(1, r.ShardOf("b"));
  EXPECT_EQ(1, r.ShardOf("c"));
  EXPECT_EQ(2, r.ShardOf("d"));
  EXPECT_EQ(2, r.ShardOf("zzz"));
  EXPECT_EQ("[-inf, \"b\") [\"b\", \"d\") [\"d\", +inf)", r.Describe());
  ShardRouter one;
  EXPECT_EQ(1, one.num_shards());
  EXPECT_EQ(0, one.ShardOf("anything"));
}

TEST(ShardPlanner, RandomKeysSpreadEvenly) {
  Random64 rnd(1);
  Outcome o = Simulate([&](uint64_t) { return BenchKey(rnd.Uniform(1ull << 40)); },
                       200000, 4);
  EXPECT_EQ(4, o.final_shards);
  EXPECT_LT(o.worst_balance, 1.5);
  EXPECT_LE(o.resplits, 3) << "random keys need no re-splitting once split";
}

TEST(ShardPlanner, CommonPrefixKeysSpreadEvenly) {
  Random64 rnd(2);
  Outcome o = Simulate(
      [&](uint64_t) {
        char buf[32];
        snprintf(buf, sizeof(buf), "user%012llu",
                 static_cast<unsigned long long>(rnd.Uniform(1000000000)));
        return std::string(buf);
      },
      200000, 4);
  EXPECT_EQ(4, o.final_shards);
  EXPECT_LT(o.worst_balance, 1.5);
}

TEST(ShardPlanner, SequentialKeysSpreadEvenly) {
  Outcome o = Simulate([](uint64_t i) { return BenchKey(i); }, 400000, 4);
  EXPECT_EQ(4, o.final_shards);
  EXPECT_LT(o.worst_balance, 1.6);
  // Boundaries placed ahead of the keys last a whole round of memtables.
  EXPECT_LT(o.resplits, 400000 * 116 / (64 << 10) / 2);
}

TEST(ShardPlanner, DescendingKeysSpreadEvenly) {
  Outcome o = Simulate([](uint64_t i) { return BenchKey(10000000 - i); },
                       400000, 4);
  EXPECT_EQ(4, o.final_shards);
  EXPECT_LT(o.worst_balance, 1.6);
}

TEST(ShardPlanner, SequentialPrefixedKeysSpreadEvenly) {
  Outcome o = Simulate(
      [](uint64_t i) {
        char buf[32];
        snprintf(buf, sizeof(buf), "user%012llu",
                 static_cast<unsigned long long>(i));
        return std::string(buf);
      },
      400000, 4);
  EXPECT_EQ(4, o.final_shards);
  EXPECT_LT(o.worst_balance, 1.6);
}

TEST(ShardPlanner, FewDistinctKeysGiveFewerShards) {
  ShardPlanner planner(8);
  for (int round = 0; round < 2000; round++) {
    for (const char* k : {"a", "b", "c"}) planner.Observe(k, 100);
  }
  auto b = planner.ChooseBoundaries(1 << 20);
  EXPECT_LT(b.size(), 3u);
  for (size_t i = 1; i < b.size(); i++) EXPECT_LT(b[i - 1], b[i]);
  // Fewer shards than the target, but the same keys would split the same
  // way: no re-split (which seals every shard) until the sample turned
  // over. Before, every seal was a re-split.
  ShardRouter router(b, 1);
  std::vector<uint64_t> bytes(router.num_shards(), 1000);
  EXPECT_FALSE(planner.ShouldResplit(router, bytes, 1 << 20));
  for (int round = 0; round < 12000; round++) {  // a sample's worth
    for (const char* k : {"a", "b", "c"}) planner.Observe(k, 100);
  }
  EXPECT_TRUE(planner.ShouldResplit(router, bytes, 1 << 20));
}

TEST(ShardPlanner, OneShardTargetNeverSplits) {
  ShardPlanner planner(1);
  Random64 rnd(3);
  for (int i = 0; i < 10000; i++) planner.Observe(BenchKey(rnd.Next()), 100);
  EXPECT_FALSE(planner.ShouldResplit(ShardRouter(), {1000000}, 1000));
  EXPECT_TRUE(planner.ChooseBoundaries(1 << 20).empty());
}

}  // namespace o3lsm
