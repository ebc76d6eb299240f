// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The many-writer write path (WriteQueue, parallel memtable inserts) and
// reads that pin a SuperVersion without the DB mutex, under many threads.
// Labelled concurrent: these run under ThreadSanitizer too.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "lsm/db/db_impl.h"
#include "lsm/db/write_queue.h"
#include "lsm/wal/write_batch_internal.h"
#include "o3lsm/db.h"
#include "o3lsm/write_batch.h"
#include "tests/fault_injection_env.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

constexpr int kThreads = 8;

std::string Key(const char* prefix, int t, int i = -1) {
  std::string k = std::string(prefix) + std::to_string(t);
  if (i >= 0) k += "_" + std::to_string(i);
  return k;
}

// Drives a WriteQueue the way DBImpl::Write does, with a counter for a
// memtable: groups must be led one at a time, every batch taken exactly
// once, and every writer released. With as many writers as cores the next
// leader spins; with more, it sleeps.
void CommitFromThreads(int num_threads) {
  WriteQueue queue;
  std::atomic<int> leading{0};
  std::atomic<int> max_leading{0};
  std::atomic<uint64_t> inserted{0};
  std::atomic<uint64_t> groups{0};
  SequenceNumber published = 0;  // written by one leader at a time
  constexpr int kPerThread = 3000;

  auto commit = [&](WriteBatch* batch) {
    WriteQueue::Writer w(batch, /*sync=*/false, /*no_wal=*/false);
    uint32_t state = queue.Join(&w);
    if (state == WriteQueue::kDone) return w.status;
    WriteQueue::Group local;
    WriteQueue::Group* group = w.group;
    if (state == WriteQueue::kLeader) {
      const int now = leading.fetch_add(1) + 1;
      int seen = max_leading.load();
      while (now > seen && !max_leading.compare_exchange_weak(seen, now)) {
      }
      queue.FormGroup(&w, 1 << 20, &local);
      group = &local;
      SequenceNumber next = published + 1;
      for (WriteQueue::Writer* m : group->members) {
        m->sequence = next;
        next += WriteBatchInternal::Count(m->batch);
      }
      group->last_sequence = next - 1;
      groups.fetch_add(1);
      queue.LaunchMemTableWriters(group);
    }
    while (WriteQueue::Writer* m = queue.NextMemTableWrite(group)) {
      inserted.fetch_add(WriteBatchInternal::Count(m->batch));
    }
    if (!queue.LeaveMemTableWrite(group)) return queue.AwaitDone(&w);
    // The last inserter ends the group; only it may publish.
    published = group->last_sequence;
    leading.fetch_sub(1);
    queue.EndGroup(group, &w, Status::OK());
    return Status::OK();
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < num_threads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i++) {
        WriteBatch batch;
        batch.Put(Key("k", t, i), "v");
        if (i % 3 == 0) batch.Put(Key("k", t, i) + "+", "v");
        ASSERT_OK(commit(&batch));
      }
    });
  }
  for (auto& th : threads) th.join();
  const uint64_t expected =
      num_threads * (kPerThread + (kPerThread + 2) / 3);
  EXPECT_EQ(expected, inserted.load());
  EXPECT_EQ(expected, published);
  EXPECT_EQ(1, max_leading.load());
  EXPECT_LE(groups.load(), static_cast<uint64_t>(num_threads) * kPerThread);
}

TEST(WriteQueue, EveryWriterIsCommittedOnceAndLeadersNeverOverlap) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  for (int threads : {2, std::max(2, cores), kThreads, 4 * kThreads}) {
    SCOPED_TRACE(std::to_string(threads) + " writer threads");
    CommitFromThreads(threads);
  }
}

class WriteGroupTest : public ::testing::Test {
 protected:
  WriteGroupTest() {
    options_.create_if_missing = true;
    options_.write_buffer_size = 256 << 10;  // many seals and flushes
  }

  void Open() { ASSERT_OK(DB::Open(options_, dir_.path(), &db_)); }

  test::ScratchDir dir_;
  test::FaultInjectionEnv env_;  // outlives db_
  Options options_;
  std::unique_ptr<DB> db_;
};

// A writer's own write is visible to it as soon as Write returns, whoever
// inserted it and whichever member ended its group.
TEST_F(WriteGroupTest, EveryWriterReadsItsOwnWriteAtOnce) {
  for (bool concurrent : {true, false}) {
    SCOPED_TRACE(concurrent ? "parallel inserts" : "leader inserts");
    options_.allow_concurrent_memtable_write = concurrent;
    Open();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
      threads.emplace_back([this, t] {
        WriteOptions wo;
        wo.sync = (t == 0);
        wo.disable_wal = (t == 1);
        for (int i = 0; i < 1500; i++) {
          const std::string key = Key("k", t, i);
          ASSERT_OK(db_->Put(wo, key, std::to_string(i)));
          std::string value;
          ASSERT_OK(db_->Get(ReadOptions(), key, &value));
          ASSERT_EQ(std::to_string(i), value);
          if (i % 5 == 0) {
            ASSERT_OK(db_->Delete(wo, key));
            ASSERT_TRUE(db_->Get(ReadOptions(), key, &value).IsNotFound());
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    db_.reset();
    Open();
    for (int t = 0; t < kThreads; t++) {
      for (int i = 0; i < 1500; i += 7) {
        std::string value;
        Status s = db_->Get(ReadOptions(), Key("k", t, i), &value);
        if (i % 5 == 0) {
          EXPECT_TRUE(s.IsNotFound()) << Key("k", t, i);
        } else {
          ASSERT_OK(s);
          EXPECT_EQ(std::to_string(i), value);
        }
      }
    }
    db_.reset();
    ASSERT_OK(DestroyDB(dir_.path(), options_));
  }
}

// Each writer's batch sets two keys to the same counter. Readers, through
// snapshots and iterators, must never see half a batch, and never see a
// writer's counter go back: groups become visible whole and in order.
TEST_F(WriteGroupTest, ReadersSeeBatchesWholeAndInOrder) {
  Open();
  constexpr int kWriters = 6;
  constexpr int kReaders = 3;
  constexpr int kRounds = 2000;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> checks{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; t++) {
    threads.emplace_back([this, t] {
      for (int i = 1; i <= kRounds; i++) {
        WriteBatch batch;
        batch.Put(Key("a", t), std::to_string(i));
        batch.Put(Key("b", t), std::to_string(i));
        ASSERT_OK(db_->Write(WriteOptions(), &batch));
      }
    });
  }
  for (int r = 0; r < kReaders; r++) {
    threads.emplace_back([&, r] {
      std::vector<long> last(kWriters, 0);
      while (!stop.load()) {
        if (r % 2 == 0) {
          // Point reads at one snapshot.
          const Snapshot* snap = db_->GetSnapshot();
          ReadOptions ro;
          ro.snapshot = snap;
          for (int t = 0; t < kWriters; t++) {
            std::string a, b;
            Status sa = db_->Get(ro, Key("a", t), &a);
            Status sb = db_->Get(ro, Key("b", t), &b);
            ASSERT_EQ(sa.IsNotFound(), sb.IsNotFound());
            if (sa.IsNotFound()) continue;
            ASSERT_OK(sa);
            ASSERT_OK(sb);
            ASSERT_EQ(a, b) << "half a batch of writer " << t;
            ASSERT_GE(std::stol(a), last[t]) << "writer " << t << " went back";
            last[t] = std::stol(a);
          }
          db_->ReleaseSnapshot(snap);
        } else {
          // An iterator sees one point in time too.
          std::map<std::string, std::string> seen;
          auto it = db_->NewIterator(ReadOptions());
          for (it->SeekToFirst(); it->Valid(); it->Next()) {
            seen[it->key().ToString()] = it->value().ToString();
          }
          ASSERT_OK(it->status());
          for (int t = 0; t < kWriters; t++) {
            auto a = seen.find(Key("a", t));
            auto b = seen.find(Key("b", t));
            ASSERT_EQ(a == seen.end(), b == seen.end());
            if (a == seen.end()) continue;
            ASSERT_EQ(a->second, b->second) << "half a batch of writer " << t;
            ASSERT_GE(std::stol(a->second), last[t]);
            last[t] = std::stol(a->second);
          }
        }
        checks.fetch_add(1);
      }
    });
  }
  for (int t = 0; t < kWriters; t++) threads[t].join();
  stop.store(true);
  for (size_t t = kWriters; t < threads.size(); t++) threads[t].join();
  EXPECT_GT(checks.load(), 0u);
  for (int t = 0; t < kWriters; t++) {
    std::string value;
    ASSERT_OK(db_->Get(ReadOptions(), Key("b", t), &value));
    EXPECT_EQ(std::to_string(kRounds), value);
  }
}

// Readers pin SuperVersions from their thread slots while memtables seal,
// flush and compact underneath them (each install empties every slot), and
// more reader threads than slots share slots.
TEST_F(WriteGroupTest, ReadersAcrossSealsFlushesAndCompactions) {
  options_.memtable_shards = 4;
  Open();
  std::map<std::string, std::string> model;
  for (int i = 0; i < 2000; i++) {
    model[Key("base", i)] = std::to_string(i);
    ASSERT_OK(db_->Put(WriteOptions(), Key("base", i), std::to_string(i)));
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; t++) {
    threads.emplace_back([this, t] {
      const std::string value(200, static_cast<char>('a' + t));
      for (int i = 0; i < 6000; i++) {
        ASSERT_OK(db_->Put(WriteOptions(), Key("w", t, i), value));
      }
    });
  }
  for (int r = 0; r < 40; r++) {  // more readers than SuperVersion slots
    threads.emplace_back([&, r] {
      int i = r;
      while (!stop.load()) {
        const std::string key = Key("base", i % 2000);
        std::string value;
        ASSERT_OK(db_->Get(ReadOptions(), key, &value));
        ASSERT_EQ(model.at(key), value);
        if (i % 50 == 0) {
          auto it = db_->NewIterator(ReadOptions());
          it->Seek(key);
          ASSERT_TRUE(it->Valid());
          ASSERT_EQ(key, it->key().ToString());
        }
        i += 7;
      }
    });
  }
  threads[0].join();
  threads[1].join();
  stop.store(true);
  for (size_t t = 2; t < threads.size(); t++) threads[t].join();
  ASSERT_OK(static_cast<DBImpl*>(db_.get())->TEST_WaitForBackgroundWork());
  std::string value;
  ASSERT_OK(db_->Get(ReadOptions(), Key("w", 1, 5999), &value));
  EXPECT_EQ(std::string(200, 'b'), value);
}

// Many writers, and the WAL fails under them (torn appends): every write
// that was acknowledged before is found after a reopen, the failure stops
// every later write, and reads go on.
TEST_F(WriteGroupTest, TornWalUnderManyWritersLosesNoAcknowledgedWrite) {
  options_.env = &env_;
  Open();
  std::atomic<int> acked_total{0};
  std::atomic<bool> failed{false};
  std::vector<std::vector<int>> acked(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      WriteOptions wo;
      wo.sync = (t % 3 == 0);
      for (int i = 0; i < 20000; i++) {
        Status s = db_->Put(wo, Key("k", t, i), std::to_string(i));
        if (!s.ok()) {
          failed.store(true);
          // Once failed, every later write fails too.
          ASSERT_FALSE(db_->Put(wo, Key("late", t), "x").ok());
          return;
        }
        acked[t].push_back(i);
        if (acked_total.fetch_add(1) == 3000) env_.PartialWrites(".log");
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(failed.load());
  std::string value;
  ASSERT_OK(db_->Get(ReadOptions(), Key("k", 0, 0), &value));
  db_.reset();
  env_.ClearFaults();
  Open();
  for (int t = 0; t < kThreads; t++) {
    for (int i : acked[t]) {
      ASSERT_OK(db_->Get(ReadOptions(), Key("k", t, i), &value))
          << "acknowledged write lost: " << Key("k", t, i);
      ASSERT_EQ(std::to_string(i), value);
    }
  }
}

// Many writers of synced writes, and the power goes: every acknowledged
// synced write survives the loss of everything unsynced.
TEST_F(WriteGroupTest, PowerCutUnderManySyncWritersKeepsEverySyncedWrite) {
  options_.env = &env_;
  Open();
  std::atomic<int> acked_total{0};
  std::vector<std::vector<int>> acked(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      WriteOptions wo;
      wo.sync = true;
      for (int i = 0; i < 5000; i++) {
        if (!db_->Put(wo, Key("s", t, i), std::to_string(i)).ok()) return;
        acked[t].push_back(i);
        if (acked_total.fetch_add(1) == 800) env_.CutPower();
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(env_.power_cut());
  db_.reset();
  ASSERT_OK(env_.RestorePower());
  Open();
  std::string value;
  for (int t = 0; t < kThreads; t++) {
    for (int i : acked[t]) {
      ASSERT_OK(db_->Get(ReadOptions(), Key("s", t, i), &value))
          << "acknowledged synced write lost: " << Key("s", t, i);
      ASSERT_EQ(std::to_string(i), value);
    }
  }
}

}  // namespace

}  // namespace o3lsm
