// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/workloads.h"

#include <algorithm>
#include <cstring>

#include "o3lsm/iterator.h"
#include "o3lsm/write_batch.h"

#include "tools/bench/key_generator.h"

namespace o3lsm::bench {
namespace {

// Operations between clock checks of a time-bounded run.
constexpr int64_t kOpsBetweenDurationChecks = 1000;

enum class KeyOrder { kSequential, kRandom };

// Waits for --benchmark_write_rate_limit to allow bytes more (no wait
// without a limit).
void PaceWrite(const RunContext& r, uint64_t bytes) {
  if (r.write_limiter != nullptr) r.write_limiter->Request(bytes);
}

void DoWrite(ThreadContext* t, KeyOrder order) {
  RunContext& r = *t->run;
  OpBudget budget(order == KeyOrder::kRandom ? r.duration_seconds : 0, r.ops);
  KeyBuffer key(r.key_size);
  ValueCursor values(r.values);
  WriteBatch batch;
  uint64_t bytes = 0;
  uint64_t next_key = 0;
  while (!budget.Done(r.batch_size) && !r.failed()) {
    PaceWrite(r, static_cast<uint64_t>(r.batch_size) *
                     (static_cast<uint64_t>(r.key_size) + r.value_size));
    batch.Clear();
    for (int64_t j = 0; j < r.batch_size; j++) {
      const uint64_t k = order == KeyOrder::kSequential
                             ? next_key++
                             : t->rand.Next() % static_cast<uint64_t>(r.num);
      batch.Put(key.Make(k), values.Next(r.value_size));
      bytes += static_cast<uint64_t>(r.key_size) + r.value_size;
    }
    const Status s = r.db->Write(r.write_options, &batch);
    t->stats.FinishedOps(r.batch_size, OpType::kWrite);
    if (!s.ok()) {
      r.Fail("put error", s);
      break;
    }
  }
  t->stats.AddBytes(bytes);
}

void DoDelete(ThreadContext* t, KeyOrder order) {
  RunContext& r = *t->run;
  OpBudget budget(order == KeyOrder::kRandom ? r.duration_seconds : 0, r.ops);
  KeyBuffer key(r.key_size);
  WriteBatch batch;
  uint64_t next_key = 0;
  while (!budget.Done(r.batch_size) && !r.failed()) {
    batch.Clear();
    for (int64_t j = 0; j < r.batch_size; j++) {
      const uint64_t k = order == KeyOrder::kSequential
                             ? next_key++
                             : t->rand.Next() % static_cast<uint64_t>(r.num);
      batch.Delete(key.Make(k));
    }
    const Status s = r.db->Write(r.write_options, &batch);
    t->stats.FinishedOps(r.batch_size, OpType::kDelete);
    if (!s.ok()) {
      r.Fail("del error", s);
      break;
    }
  }
}

void DoReadIterator(ThreadContext* t, bool forward) {
  RunContext& r = *t->run;
  std::unique_ptr<Iterator> it = r.db->NewIterator(r.read_options);
  int64_t i = 0;
  uint64_t bytes = 0;
  if (forward) {
    it->SeekToFirst();
  } else {
    it->SeekToLast();
  }
  while (i < r.ops && it->Valid()) {
    bytes += it->key().size() + it->value().size();
    t->stats.FinishedOps(1, OpType::kRead);
    ++i;
    if (forward) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  if (!it->status().ok()) r.Fail("iterator error", it->status());
  t->stats.AddBytes(bytes);
}

// Writes random keys until the readers are done (db_bench's BGWriter).
void BackgroundWriter(ThreadContext* t) {
  RunContext& r = *t->run;
  t->stats.ExcludeFromMerge();
  KeyBuffer key(r.key_size);
  ValueCursor values(r.values);
  WriteBatch batch;
  uint64_t bytes = 0;
  while (r.workers_done.load(std::memory_order_acquire) < r.workers &&
         !r.failed()) {
    PaceWrite(r, static_cast<uint64_t>(r.key_size) + r.value_size);
    batch.Clear();
    batch.Put(key.Make(t->rand.Next() % static_cast<uint64_t>(r.num)),
              values.Next(r.value_size));
    const Status s = r.db->Write(r.write_options, &batch);
    if (!s.ok()) {
      r.Fail("put error", s);
      break;
    }
    bytes += static_cast<uint64_t>(r.key_size) + r.value_size;
    t->stats.FinishedOps(1, OpType::kWrite);
  }
  t->stats.AddBytes(bytes);
}

}  // namespace

void RunContext::Fail(const char* what, const Status& s) {
  std::lock_guard<std::mutex> l(mu_);
  if (!failed_.load(std::memory_order_relaxed)) {
    error_ = std::string(what) + ": " + s.ToString();
    failed_.store(true, std::memory_order_relaxed);
  }
}

std::string RunContext::error() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_;
}

OpBudget::OpBudget(int duration_seconds, int64_t max_ops)
    : deadline_nanos_(duration_seconds > 0
                          ? NowNanos() +
                                static_cast<uint64_t>(duration_seconds) *
                                    1000000000ull
                          : 0),
      max_ops_(max_ops) {}

bool OpBudget::Done(int64_t n) {
  if (n <= 0) n = 1;
  const int64_t before = ops_;
  ops_ += n;
  if (deadline_nanos_ == 0) return ops_ > max_ops_;
  if (ops_ / kOpsBetweenDurationChecks == before / kOpsBetweenDurationChecks) {
    return false;
  }
  return NowNanos() >= deadline_nanos_;
}

void FillSeq(ThreadContext* t) { DoWrite(t, KeyOrder::kSequential); }
void FillRandom(ThreadContext* t) { DoWrite(t, KeyOrder::kRandom); }
void DeleteSeq(ThreadContext* t) { DoDelete(t, KeyOrder::kSequential); }
void DeleteRandom(ThreadContext* t) { DoDelete(t, KeyOrder::kRandom); }

void DeleteRange(ThreadContext* t) {
  RunContext& r = *t->run;
  KeyBuffer begin(r.key_size), end(r.key_size);
  const int64_t width = r.range_tombstone_width;
  for (int64_t first = 0; first < r.ops && !r.failed(); first += width) {
    const int64_t n = std::min(width, r.ops - first);
    const Status s =
        r.db->DeleteRange(r.write_options, begin.Make(first),
                          end.Make(static_cast<uint64_t>(first + n)));
    t->stats.FinishedOps(n, OpType::kDelete);
    if (!s.ok()) {
      r.Fail("DeleteRange error", s);
      break;
    }
  }
}

void ReadSeq(ThreadContext* t) { DoReadIterator(t, true); }
void ReadReverse(ThreadContext* t) { DoReadIterator(t, false); }

void ReadRandom(ThreadContext* t) {
  RunContext& r = *t->run;
  OpBudget budget(r.duration_seconds, r.ops);
  KeyBuffer key(r.key_size);
  std::string value;
  int64_t reads = 0;
  int64_t found = 0;
  uint64_t bytes = 0;
  while (!budget.Done(1) && !r.failed()) {
    if (r.read_limiter != nullptr) r.read_limiter->Request(1);
    const Slice k = key.Make(r.NextReadKey(&t->rand));
    const Status s = r.db->Get(r.read_options, k, &value);
    reads++;
    if (s.ok()) {
      found++;
      bytes += k.size() + value.size();
    } else if (!s.IsNotFound()) {
      r.Fail("Get returned an error", s);
      break;
    }
    t->stats.FinishedOps(1, OpType::kRead);
  }
  t->stats.AddBytes(bytes);
  t->stats.AddCounter("found", found);
  t->stats.AddCounter("reads", reads);
}

void MultiReadRandom(ThreadContext* t) {
  RunContext& r = *t->run;
  OpBudget budget(r.duration_seconds, r.ops);
  const int64_t batch = std::max<int64_t>(1, r.batch_size);
  std::vector<std::string> key_bytes(static_cast<size_t>(batch));
  std::vector<Slice> keys(static_cast<size_t>(batch));
  std::vector<std::string> values;
  KeyBuffer key(r.key_size);
  int64_t reads = 0;
  int64_t found = 0;
  uint64_t bytes = 0;
  while (!budget.Done(batch) && !r.failed()) {
    if (r.read_limiter != nullptr) {
      r.read_limiter->Request(static_cast<uint64_t>(batch));
    }
    for (int64_t j = 0; j < batch; j++) {
      key_bytes[j] =
          key.Make(r.NextReadKey(&t->rand)).ToString();
      keys[j] = key_bytes[j];
    }
    const std::vector<Status> statuses =
        r.db->MultiGet(r.read_options, keys, &values);
    for (int64_t j = 0; j < batch; j++) {
      reads++;
      if (statuses[j].ok()) {
        found++;
        bytes += keys[j].size() + values[j].size();
      } else if (!statuses[j].IsNotFound()) {
        r.Fail("MultiGet returned an error", statuses[j]);
        break;
      }
    }
    t->stats.FinishedOps(batch, OpType::kRead);
  }
  t->stats.AddBytes(bytes);
  t->stats.AddCounter("found", found);
  t->stats.AddCounter("reads", reads);
}

void SeekRandom(ThreadContext* t) {
  RunContext& r = *t->run;
  OpBudget budget(r.duration_seconds, r.ops);
  KeyBuffer key(r.key_size);
  KeyBuffer upper_key(r.key_size);
  Slice upper;
  ReadOptions options = r.read_options;
  if (r.max_scan_distance > 0) options.iterate_upper_bound = &upper;
  char value_copy[256];
  int64_t seeks = 0;
  int64_t found = 0;
  uint64_t bytes = 0;
  while (!budget.Done(1) && !r.failed()) {
    if (r.read_limiter != nullptr) r.read_limiter->Request(1);
    const uint64_t n = r.NextReadKey(&t->rand);
    const Slice k = key.Make(n);
    if (r.max_scan_distance > 0) {
      upper = upper_key.Make(std::min<uint64_t>(
          n + static_cast<uint64_t>(r.max_scan_distance),
          static_cast<uint64_t>(r.num)));
    }
    std::unique_ptr<Iterator> it = r.db->NewIterator(options);
    it->Seek(k);
    seeks++;
    if (it->Valid() && it->key() == k) found++;
    for (int j = 0; j < r.seek_nexts && it->Valid(); j++) {
      // Copy the value out so that the read cannot be skipped.
      const Slice v = it->value();
      memcpy(value_copy, v.data(), std::min(v.size(), sizeof(value_copy)));
      bytes += it->key().size() + v.size();
      it->Next();
    }
    if (!it->status().ok()) {
      r.Fail("iterator error", it->status());
      break;
    }
    t->stats.FinishedOps(1, OpType::kSeek);
  }
  t->stats.AddBytes(bytes);
  t->stats.AddCounter("found", found);
  t->stats.AddCounter("reads", seeks);
}

void ReadWhileWriting(ThreadContext* t) {
  if (t->tid == 0) {
    BackgroundWriter(t);
  } else {
    ReadRandom(t);
  }
}

void SeekRandomWhileWriting(ThreadContext* t) {
  if (t->tid == 0) {
    BackgroundWriter(t);
  } else {
    SeekRandom(t);
  }
}

void ReadRandomWriteRandom(ThreadContext* t) {
  RunContext& r = *t->run;
  OpBudget budget(r.duration_seconds, r.ops);
  KeyBuffer key(r.key_size);
  ValueCursor values(r.values);
  WriteBatch batch;
  std::string value;
  int get_weight = 0;
  int put_weight = 0;
  int64_t reads = 0, writes = 0, found = 0;
  while (!budget.Done(1) && !r.failed()) {
    const Slice k = key.Make(t->rand.Next() % static_cast<uint64_t>(r.num));
    // Each round of 100 operations does the reads first, then the writes.
    if (get_weight == 0 && put_weight == 0) {
      get_weight = r.readwritepercent;
      put_weight = 100 - get_weight;
    }
    if (get_weight > 0) {
      const Status s = r.db->Get(r.read_options, k, &value);
      if (s.ok()) {
        found++;
      } else if (!s.IsNotFound()) {
        r.Fail("get error", s);
        break;
      }
      get_weight--;
      reads++;
      t->stats.FinishedOps(1, OpType::kRead);
    } else {
      PaceWrite(r, k.size() + r.value_size);
      batch.Clear();
      batch.Put(k, values.Next(r.value_size));
      const Status s = r.db->Write(r.write_options, &batch);
      if (!s.ok()) {
        r.Fail("put error", s);
        break;
      }
      put_weight--;
      writes++;
      t->stats.FinishedOps(1, OpType::kWrite);
    }
  }
  t->stats.AddCounter("reads", reads);
  t->stats.AddCounter("writes", writes);
  t->stats.AddCounter("found", found);
}

void UpdateRandom(ThreadContext* t) {
  RunContext& r = *t->run;
  OpBudget budget(r.duration_seconds, r.ops);
  KeyBuffer key(r.key_size);
  ValueCursor values(r.values);
  WriteBatch batch;
  std::string value;
  int64_t updates = 0, found = 0;
  uint64_t bytes = 0;
  while (!budget.Done(1) && !r.failed()) {
    const Slice k = key.Make(t->rand.Next() % static_cast<uint64_t>(r.num));
    Status s = r.db->Get(r.read_options, k, &value);
    if (s.ok()) {
      found++;
      bytes += k.size() + value.size();
    } else if (!s.IsNotFound()) {
      r.Fail("Get returned an error", s);
      break;
    }
    const Slice v = values.Next(r.value_size);
    PaceWrite(r, k.size() + v.size());
    batch.Clear();
    batch.Put(k, v);
    s = r.db->Write(r.write_options, &batch);
    if (!s.ok()) {
      r.Fail("put error", s);
      break;
    }
    bytes += k.size() + v.size();
    updates++;
    t->stats.FinishedOps(1, OpType::kUpdate);
  }
  t->stats.AddBytes(bytes);
  t->stats.AddCounter("updates", updates);
  t->stats.AddCounter("found", found);
}

void MixGraph(ThreadContext* t) {
  RunContext& r = *t->run;
  const MixGraphModel& model = *r.mixgraph;
  const uint64_t interval_nanos =
      model.params().sine_interval_millis * 1000000ull;
  uint64_t next_rate_change = 0;
  OpBudget budget(r.duration_seconds, r.ops);
  KeyBuffer key(r.key_size);
  ValueCursor values(r.values);
  WriteBatch batch;
  std::string value;
  int64_t gets = 0, puts = 0, seeks = 0, found = 0;
  int64_t value_bytes = 0, scanned = 0;
  uint64_t bytes = 0;
  while (!budget.Done(1) && !r.failed()) {
    if (r.mixgraph_limiter != nullptr) {
      // Each thread recomputes the shared rate at its own interval
      // boundaries from the same sine, so whichever sets it last, the rate
      // is the sine's value at most one interval ago.
      const uint64_t now = NowNanos();
      if (now >= next_rate_change) {
        const double seconds = static_cast<double>(now - r.start_nanos) * 1e-9;
        r.mixgraph_limiter->SetRate(model.NoisyRateAt(seconds, &t->rand));
        next_rate_change = now + interval_nanos;
      }
      r.mixgraph_limiter->Request(1);
    }
    const Slice k = key.Make(model.NextKey(&t->rand));
    switch (model.NextOp(&t->rand)) {
      case MixGraphModel::Op::kGet: {
        const Status s = r.db->Get(r.read_options, k, &value);
        gets++;
        if (s.ok()) {
          found++;
          bytes += k.size() + value.size();
        } else if (!s.IsNotFound()) {
          r.Fail("Get returned an error", s);
        }
        t->stats.FinishedOps(1, OpType::kRead);
        break;
      }
      case MixGraphModel::Op::kPut: {
        const Slice v = values.Next(model.NextValueSize(&t->rand));
        PaceWrite(r, k.size() + v.size());
        batch.Clear();
        batch.Put(k, v);
        const Status s = r.db->Write(r.write_options, &batch);
        if (!s.ok()) r.Fail("put error", s);
        puts++;
        value_bytes += static_cast<int64_t>(v.size());
        bytes += k.size() + v.size();
        t->stats.FinishedOps(1, OpType::kWrite);
        break;
      }
      case MixGraphModel::Op::kSeek: {
        const int64_t length = model.NextScanLength(&t->rand);
        std::unique_ptr<Iterator> it = r.db->NewIterator(r.read_options);
        it->Seek(k);
        for (int64_t j = 0; j < length && it->Valid(); j++) {
          bytes += it->key().size() + it->value().size();
          scanned++;
          it->Next();
        }
        if (!it->status().ok()) r.Fail("iterator error", it->status());
        seeks++;
        t->stats.FinishedOps(1, OpType::kSeek);
        break;
      }
    }
  }
  t->stats.AddBytes(bytes);
  t->stats.AddCounter("gets", gets);
  t->stats.AddCounter("puts", puts);
  t->stats.AddCounter("seeks", seeks);
  t->stats.AddCounter("found", found);
  t->stats.AddCounter("value_bytes", value_bytes);
  t->stats.AddCounter("scanned", scanned);
}

void CompactAll(ThreadContext* t) {
  if (t->tid != 0) return;
  const Status s = t->run->db->CompactRange(nullptr, nullptr);
  if (!s.ok()) t->run->Fail("compact error", s);
}

}  // namespace o3lsm::bench
