// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Randomized model test: random puts, deletes, batches, gets, iterator walks
// and snapshots against the database and against std::map, with flushes,
// compactions and close/reopen in between. Any divergence fails with the
// seed and the step, so it can be replayed.

#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "lsm/db/db_impl.h"
#include "o3lsm/db.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

using Model = std::map<std::string, std::string>;

void EraseRange(Model* model, const std::string& begin,
                const std::string& end) {
  if (begin >= end) return;
  model->erase(model->lower_bound(begin), model->lower_bound(end));
}

// (seed, memtable shards, offload layers)
using ModelParam = std::tuple<uint64_t, int, uint32_t>;

class ModelTest : public ::testing::TestWithParam<ModelParam> {
 protected:
  void Open() {
    db_.reset();
    ASSERT_OK(DB::Open(options_, dir_.path(), &db_));
  }

  std::string RandomKey() {
    // A small key space so that overwrites, deletes and hits are common;
    // some keys share long prefixes.
    const uint64_t k = rnd_.Uniform(400);
    if (k % 3 == 0) return "user" + std::to_string(k);
    return std::string(1, static_cast<char>('a' + k % 26)) + std::to_string(k);
  }

  std::string RandomValue() {
    const size_t len = rnd_.OneIn(20) ? 2000 + rnd_.Uniform(5000)
                                      : rnd_.Uniform(120);
    return test::RandomBytes(&rnd_, len, /*printable=*/false);
  }

  // Compares a full forward and backward walk, and random seeks with
  // mixed Next/Prev, against the model.
  void CheckIterator(const Model& model, const Snapshot* snap,
                     const std::string& where) {
    ReadOptions ro;
    ro.snapshot = snap;
    auto it = db_->NewIterator(ro);
    auto m = model.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      ASSERT_NE(m, model.end()) << where << " extra key " << it->key().ToString();
      ASSERT_EQ(m->first, it->key().ToString()) << where;
      ASSERT_EQ(m->second, it->value().ToString()) << where;
    }
    ASSERT_OK(it->status());
    ASSERT_EQ(m, model.end()) << where << " missing key " << m->first;
    auto r = model.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
      ASSERT_NE(r, model.rend()) << where;
      ASSERT_EQ(r->first, it->key().ToString()) << where;
    }
    ASSERT_EQ(r, model.rend()) << where;
    for (int i = 0; i < 20; i++) {
      const std::string target = RandomKey();
      it->Seek(target);
      auto pos = model.lower_bound(target);
      for (int step = 0; step < 6; step++) {
        if (pos == model.end()) {
          ASSERT_FALSE(it->Valid()) << where << " seek " << target;
          break;
        }
        ASSERT_TRUE(it->Valid()) << where << " seek " << target;
        ASSERT_EQ(pos->first, it->key().ToString()) << where;
        if (rnd_.OneIn(3) && pos != model.begin()) {
          it->Prev();
          --pos;
        } else {
          it->Next();
          ++pos;
        }
      }
    }
    for (int i = 0; i < 10; i++) {
      const std::string target = RandomKey();
      it->SeekForPrev(target);
      auto pos = model.upper_bound(target);
      if (pos == model.begin()) {
        ASSERT_FALSE(it->Valid()) << where << " seek-for-prev " << target;
        continue;
      }
      --pos;
      ASSERT_TRUE(it->Valid()) << where << " seek-for-prev " << target;
      ASSERT_EQ(pos->first, it->key().ToString()) << where;
      ASSERT_EQ(pos->second, it->value().ToString()) << where;
    }
    CheckBoundedIterator(model, snap, where);
  }

  // An iterator with random bounds (either may be absent) against the
  // model cut to [lower, upper): walks both ways, seeks inside and outside
  // the bounds, SeekForPrev, and turns.
  void CheckBoundedIterator(const Model& full, const Snapshot* snap,
                            const std::string& where) {
    std::string lo = RandomKey(), hi = RandomKey();
    if (lo > hi) std::swap(lo, hi);
    const Slice lower(lo), upper(hi);
    ReadOptions ro;
    ro.snapshot = snap;
    ro.iterate_lower_bound = rnd_.OneIn(4) ? nullptr : &lower;
    ro.iterate_upper_bound = rnd_.OneIn(4) ? nullptr : &upper;
    Model model;
    for (const auto& [k, v] : full) {
      if ((ro.iterate_lower_bound == nullptr || k >= lo) &&
          (ro.iterate_upper_bound == nullptr || k < hi)) {
        model.emplace(k, v);
      }
    }
    const std::string at =
        where + " bounds [" + (ro.iterate_lower_bound ? lo : "-") + ", " +
        (ro.iterate_upper_bound ? hi : "-") + ")";
    auto it = db_->NewIterator(ro);
    auto m = model.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      ASSERT_NE(m, model.end()) << at << " extra key " << it->key().ToString();
      ASSERT_EQ(m->first, it->key().ToString()) << at;
      ASSERT_EQ(m->second, it->value().ToString()) << at;
    }
    ASSERT_OK(it->status());
    ASSERT_EQ(m, model.end()) << at << " missing key " << m->first;
    auto r = model.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
      ASSERT_NE(r, model.rend()) << at << " extra key " << it->key().ToString();
      ASSERT_EQ(r->first, it->key().ToString()) << at;
    }
    ASSERT_OK(it->status());
    ASSERT_EQ(r, model.rend()) << at << " missing key " << r->first;
    for (int i = 0; i < 10; i++) {
      const std::string target = RandomKey();
      const bool backward = rnd_.OneIn(2);
      Model::const_iterator pos;
      if (backward) {
        it->SeekForPrev(target);
        pos = model.upper_bound(target);
        if (pos == model.begin()) {
          ASSERT_FALSE(it->Valid()) << at << " seek-for-prev " << target;
          continue;
        }
        --pos;
      } else {
        it->Seek(target);
        pos = model.lower_bound(target);
      }
      for (int step = 0; step < 5; step++) {
        if (pos == model.end()) {
          ASSERT_FALSE(it->Valid()) << at << " target " << target;
          break;
        }
        ASSERT_TRUE(it->Valid()) << at << " target " << target;
        ASSERT_EQ(pos->first, it->key().ToString()) << at;
        if (rnd_.OneIn(2)) {
          it->Prev();
          if (pos == model.begin()) {
            ASSERT_FALSE(it->Valid()) << at << " before " << pos->first;
            break;
          }
          --pos;
        } else {
          it->Next();
          ++pos;
        }
      }
    }
  }

  void CheckGets(const Model& model, const Snapshot* snap,
                 const std::string& where) {
    ReadOptions ro;
    ro.snapshot = snap;
    for (int i = 0; i < 30; i++) {
      const std::string k = RandomKey();
      std::string v;
      Status s = db_->Get(ro, k, &v);
      auto m = model.find(k);
      if (m == model.end()) {
        ASSERT_TRUE(s.IsNotFound()) << where << " key " << k << ": " << s.ToString();
      } else {
        ASSERT_OK(s);
        ASSERT_EQ(m->second, v) << where << " key " << k;
      }
    }
  }

  test::ScratchDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
  Random64 rnd_{std::get<0>(GetParam())};
};

}  // namespace

TEST_P(ModelTest, RandomOperationsMatchStdMap) {
  options_.create_if_missing = true;
  // Tiny buffers and targets: flushes and compactions happen constantly.
  options_.write_buffer_size = 32 << 10;
  options_.max_write_buffer_number = 3;
  options_.level0_file_num_compaction_trigger = 2;
  options_.max_bytes_for_level_base = 128 << 10;
  options_.target_file_size_base = 32 << 10;
  options_.block_size = 512;
  options_.block_cache_size = 64 << 10;
  options_.memtable_shards = std::get<1>(GetParam());
  options_.offload = std::get<2>(GetParam());
  options_.dm_write_buffer_budget = 512 << 10;
  Open();

  Model model;
  struct Snap {
    const Snapshot* snapshot;
    Model state;
  };
  std::vector<Snap> snaps;
  constexpr int kSteps = 6000;
  for (int step = 0; step < kSteps; step++) {
    const std::string where = "seed " + std::to_string(std::get<0>(GetParam())) +
                              " shards " +
                              std::to_string(std::get<1>(GetParam())) +
                              " step " + std::to_string(step);
    const uint64_t op = rnd_.Uniform(1000);
    if (op < 450) {
      const std::string k = RandomKey();
      const std::string v = RandomValue();
      ASSERT_OK(db_->Put(WriteOptions(), k, v)) << where;
      model[k] = v;
    } else if (op < 575) {
      const std::string k = RandomKey();
      ASSERT_OK(db_->Delete(WriteOptions(), k)) << where;
      model.erase(k);
    } else if (op < 600) {
      // A range deletion over a few keys (the key space is dense).
      std::string a = RandomKey(), b = RandomKey();
      if (rnd_.OneIn(2)) b.resize(std::min<size_t>(b.size(), 2));
      if (a > b) std::swap(a, b);
      ASSERT_OK(db_->DeleteRange(WriteOptions(), a, b)) << where;
      EraseRange(&model, a, b);
    } else if (op < 700) {
      WriteBatch batch;
      Model next = model;
      const int n = 1 + static_cast<int>(rnd_.Uniform(20));
      for (int i = 0; i < n; i++) {
        const std::string k = RandomKey();
        if (rnd_.OneIn(15)) {
          std::string b = RandomKey();
          if (b < k) {
            batch.DeleteRange(b, k);
            EraseRange(&next, b, k);
          } else {
            batch.DeleteRange(k, b);
            EraseRange(&next, k, b);
          }
        } else if (rnd_.OneIn(3)) {
          batch.Delete(k);
          next.erase(k);
        } else {
          const std::string v = RandomValue();
          batch.Put(k, v);
          next[k] = v;
        }
      }
      WriteOptions wo;
      wo.sync = rnd_.OneIn(10);
      ASSERT_OK(db_->Write(wo, &batch)) << where;
      model.swap(next);
    } else if (op < 820) {
      CheckGets(model, nullptr, where);
    } else if (op < 850) {
      CheckIterator(model, nullptr, where);
    } else if (op < 880) {
      if (snaps.size() < 4) {
        snaps.push_back({db_->GetSnapshot(), model});
      } else {
        const size_t i = rnd_.Uniform(snaps.size());
        CheckGets(snaps[i].state, snaps[i].snapshot, where + " (snapshot)");
        CheckIterator(snaps[i].state, snaps[i].snapshot, where + " (snapshot)");
        db_->ReleaseSnapshot(snaps[i].snapshot);
        snaps.erase(snaps.begin() + static_cast<long>(i));
      }
    } else if (op < 920) {
      ASSERT_OK(db_->Flush(FlushOptions())) << where;
    } else if (op < 940) {
      std::string a = RandomKey(), b = RandomKey();
      if (a > b) std::swap(a, b);
      Slice sa(a), sb(b);
      ASSERT_OK(db_->CompactRange(rnd_.OneIn(4) ? nullptr : &sa,
                                  rnd_.OneIn(4) ? nullptr : &sb))
          << where;
    } else if (op < 960) {
      for (auto& s : snaps) db_->ReleaseSnapshot(s.snapshot);
      snaps.clear();
      Open();
      CheckIterator(model, nullptr, where + " (after reopen)");
    } else {
      CheckGets(model, nullptr, where);
    }
    if (HasFatalFailure()) return;
  }
  for (auto& s : snaps) {
    CheckIterator(s.state, s.snapshot, "final snapshot");
    db_->ReleaseSnapshot(s.snapshot);
  }
  CheckIterator(model, nullptr, "final");
  Open();
  CheckIterator(model, nullptr, "final reopen");
}

INSTANTIATE_TEST_SUITE_P(
    Seeds, ModelTest,
    ::testing::Values(ModelParam{1, 1, 0}, ModelParam{2, 1, 0},
                      ModelParam{3, 1, 0}, ModelParam{42, 1, 0},
                      ModelParam{1, 4, 0}, ModelParam{42, 4, 0},
                      ModelParam{1, 4, kOffloadMemtable},
                      ModelParam{2, 4, kOffloadMemtable},
                      ModelParam{42, 4, kOffloadMemtable},
                      ModelParam{7, 4,
                                 kOffloadMemtable | kOffloadFlush |
                                     kOffloadCompaction}),
    [](const ::testing::TestParamInfo<ModelParam>& info) {
      return "seed" + std::to_string(std::get<0>(info.param)) + "_shards" +
             std::to_string(std::get<1>(info.param)) + "_offload_" +
             std::to_string(std::get<2>(info.param));
    });

}  // namespace o3lsm
