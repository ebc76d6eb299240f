// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The YCSB thread bodies declared in workloads.h. A YCSB record is one
// key/value pair: the key is the db_bench key of YcsbKeyInt(record number),
// the value --value_size bytes (YCSB's ten 100-byte fields become one
// value); an update or insert writes a whole new value.

#include <algorithm>
#include <cstring>

#include "o3lsm/iterator.h"
#include "o3lsm/write_batch.h"

#include "tools/bench/key_generator.h"
#include "tools/bench/workloads.h"

namespace o3lsm::bench {
namespace {

OpType HistogramFor(YcsbOp op) {
  switch (op) {
    case YcsbOp::kRead:
      return OpType::kRead;
    case YcsbOp::kUpdate:
      return OpType::kUpdate;
    case YcsbOp::kInsert:
      return OpType::kInsert;
    case YcsbOp::kScan:
      return OpType::kScan;
    case YcsbOp::kReadModifyWrite:
      return OpType::kReadModifyWrite;
  }
  return OpType::kOther;
}

}  // namespace

void YcsbLoad(ThreadContext* t) {
  RunContext& r = *t->run;
  const YcsbShared& y = *r.ycsb;
  const auto workers = static_cast<uint64_t>(r.workers);
  const auto tid = static_cast<uint64_t>(t->tid);
  const uint64_t first = y.record_count * tid / workers;
  const uint64_t end = y.record_count * (tid + 1) / workers;
  KeyBuffer key(r.key_size);
  ValueCursor values(r.values);
  WriteBatch batch;
  uint64_t bytes = 0;
  int64_t inserts = 0;
  for (uint64_t n = first; n < end && !r.failed();) {
    batch.Clear();
    int64_t in_batch = 0;
    for (; in_batch < r.batch_size && n < end; in_batch++, n++) {
      batch.Put(key.Make(YcsbKeyInt(n, y.hashed_keys)),
                values.Next(r.value_size));
      bytes += static_cast<uint64_t>(r.key_size) + r.value_size;
    }
    const Status s = r.db->Write(r.write_options, &batch);
    t->stats.FinishedOps(in_batch, OpType::kInsert);
    if (!s.ok()) {
      r.Fail("put error", s);
      break;
    }
    inserts += in_batch;
  }
  t->stats.AddBytes(bytes);
  t->stats.AddCounter("inserts", inserts);
}

void YcsbRun(ThreadContext* t) {
  RunContext& r = *t->run;
  YcsbShared& y = *r.ycsb;
  OperationMix mix(y.spec);
  YcsbKeyChooser chooser(y.spec, y.record_count, y.expected_inserts,
                         y.zipfian_constant);
  OpBudget budget(r.duration_seconds, r.ops);
  KeyBuffer key(r.key_size);
  ValueCursor values(r.values);
  WriteBatch batch;
  std::string value;
  char value_copy[256];
  int64_t count[kNumYcsbOps] = {};
  int64_t found = 0, lookups = 0, scanned = 0;
  uint64_t bytes = 0;

  auto put = [&](const Slice& k) {
    const Slice v = values.Next(r.value_size);
    batch.Clear();
    batch.Put(k, v);
    bytes += k.size() + v.size();
    return r.db->Write(r.write_options, &batch);
  };
  auto get = [&](const Slice& k) {
    Status s = r.db->Get(r.read_options, k, &value);
    lookups++;
    if (s.ok()) {
      found++;
      bytes += k.size() + value.size();
    }
    return s.IsNotFound() ? Status::OK() : s;
  };

  while (!budget.Done(1) && !r.failed()) {
    const YcsbOp op = mix.Next(&t->rand);
    Status s;
    if (op == YcsbOp::kInsert) {
      const uint64_t n = y.inserts->Next();
      s = put(key.Make(YcsbKeyInt(n, y.hashed_keys)));
      y.inserts->Acknowledge(n);
    } else {
      const uint64_t n = chooser.Next(&t->rand, y.inserts->LastAcknowledged());
      const Slice k = key.Make(YcsbKeyInt(n, y.hashed_keys));
      switch (op) {
        case YcsbOp::kRead:
          s = get(k);
          break;
        case YcsbOp::kUpdate:
          s = put(k);
          break;
        case YcsbOp::kReadModifyWrite:
          s = get(k);
          if (s.ok()) s = put(k);
          break;
        case YcsbOp::kScan: {
          const uint64_t len =
              1 + t->rand.Uniform(static_cast<uint64_t>(y.max_scan_length));
          std::unique_ptr<Iterator> it = r.db->NewIterator(r.read_options);
          it->Seek(k);
          for (uint64_t i = 0; i < len && it->Valid(); i++) {
            const Slice v = it->value();
            memcpy(value_copy, v.data(),
                   std::min(v.size(), sizeof(value_copy)));
            bytes += it->key().size() + v.size();
            scanned++;
            it->Next();
          }
          s = it->status();
          break;
        }
        case YcsbOp::kInsert:
          break;
      }
    }
    if (!s.ok()) {
      r.Fail(YcsbOpName(op), s);
      break;
    }
    // The bound check is free and keeps GCC's -Warray-bounds from assuming
    // an out-of-range enum value.
    if (const auto i = static_cast<size_t>(op); i < kNumYcsbOps) count[i]++;
    t->stats.FinishedOps(1, HistogramFor(op));
  }
  t->stats.AddBytes(bytes);
  for (int op = 0; op < kNumYcsbOps; op++) {
    if (y.spec.percent[op] > 0) {
      t->stats.AddCounter(
          std::string(YcsbOpName(static_cast<YcsbOp>(op))) + "s", count[op]);
    }
  }
  t->stats.AddCounter("found", found);
  t->stats.AddCounter("lookups", lookups);
  if (y.spec.PercentOf(YcsbOp::kScan) > 0) {
    t->stats.AddCounter("scanned", scanned);
  }
}

}  // namespace o3lsm::bench
