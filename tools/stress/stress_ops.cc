// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// StressRunner's workload: the operations of the worker threads and the
// checks of what they read.

#include <algorithm>
#include <cstdio>
#include <set>

#include "tools/stress/stress_runner.h"

namespace o3lsm::stress {

void StressRunner::WorkerLoop(Worker* w) {
  const StressOptions& o = options_;
  const uint64_t per_thread = OpsPerThread();
  uint64_t& done = ops_done_[static_cast<size_t>(w->id)];
  while (!stop_.load(std::memory_order_relaxed) &&
         !round_stop_.load(std::memory_order_relaxed) &&
         (per_thread == 0 || done < per_thread) &&
         std::chrono::steady_clock::now() < deadline_) {
    done++;
    if (o.flush_one_in > 0 && w->rnd.OneIn(o.flush_one_in)) DoFlush(w);
    if (o.compact_one_in > 0 && w->rnd.OneIn(o.compact_one_in)) DoCompact(w);
    int pick = static_cast<int>(w->rnd.Uniform(100));
    if ((pick -= o.put_percent) < 0) {
      DoWrite(w, static_cast<uint32_t>(w->rnd.Uniform(o.key_space)), false);
    } else if ((pick -= o.delete_percent) < 0) {
      DoWrite(w, static_cast<uint32_t>(w->rnd.Uniform(o.key_space)), true);
    } else if ((pick -= o.batch_percent) < 0) {
      DoBatch(w);
    } else if ((pick -= o.get_percent) < 0) {
      DoGet(w);
    } else if ((pick -= o.iter_percent) < 0) {
      DoIterate(w);
    } else {
      DoSnapshot(w);
    }
  }
}

void StressRunner::DoWrite(Worker* w, uint32_t key, bool del) {
  KeyLocks::RangeLock lock(locks_.get(), key, key);
  if (state_->Pending(key).has_value()) {
    stats_.skipped_pending++;
    return;
  }
  const KeyState next{state_->Settled(key).generation + 1, !del};
  state_->BeginWrite(key, next);
  Status s;
  if (del) {
    s = db_->Delete(w->wo, Key(key));
    stats_.deletes++;
  } else {
    s = db_->Put(w->wo, Key(key),
                 Value(key, next.generation, state_->value_sizes()));
    stats_.puts++;
  }
  if (s.ok()) {
    state_->CommitWrite(key);
  } else {
    WriteFailed(del ? "delete" : "put", s);  // the key stays pending
  }
}

void StressRunner::DoBatch(Worker* w) {
  std::set<uint32_t> keys;
  const int n = 1 + static_cast<int>(w->rnd.Uniform(options_.max_batch_keys));
  for (int i = 0; i < n; i++) {
    keys.insert(static_cast<uint32_t>(w->rnd.Uniform(options_.key_space)));
  }
  KeyLocks::SetLock lock(locks_.get(), keys);
  WriteBatch batch;
  std::vector<uint32_t> written;
  for (uint32_t k : keys) {
    if (state_->Pending(k).has_value()) {
      stats_.skipped_pending++;
      continue;
    }
    const bool del = w->rnd.OneIn(4);
    const KeyState next{state_->Settled(k).generation + 1, !del};
    state_->BeginWrite(k, next);
    if (del) {
      batch.Delete(Key(k));
    } else {
      batch.Put(Key(k), Value(k, next.generation, state_->value_sizes()));
    }
    written.push_back(k);
  }
  if (written.empty()) return;
  Status s = db_->Write(w->wo, &batch);
  stats_.batches++;
  if (s.ok()) {
    for (uint32_t k : written) state_->CommitWrite(k);
  } else {
    WriteFailed("batch", s);
  }
}

bool StressRunner::DecodeFound(uint32_t key, const Slice& value,
                               KeyState* found, const char* what) {
  Status s = CheckValue(key, value, state_->value_sizes(), &found->generation);
  if (!s.ok()) {
    WrongData(std::string(what) + ": " + s.ToString());
    return false;
  }
  found->exists = true;
  return true;
}

void StressRunner::DoGet(Worker* w) {
  const auto key = static_cast<uint32_t>(w->rnd.Uniform(options_.key_space));
  KeyLocks::RangeLock lock(locks_.get(), key, key);
  std::string value;
  ReadOptions ro;
  ro.verify_checksums = w->rnd.OneIn(2);
  Status s = db_->Get(ro, Key(key), &value);
  stats_.gets++;
  KeyState found;
  if (s.ok()) {
    if (!DecodeFound(key, value, &found, "get")) return;
  } else if (!s.IsNotFound()) {
    ReadFailed("get", s);
    return;
  }
  if (!state_->MayHold(key, found)) {
    WrongData("get of " + Key(key) + " found " + found.ToString() +
              ", expected " + state_->Describe(key));
  }
}

void StressRunner::CheckRange(Iterator* it, uint32_t first, uint32_t last,
                              const std::vector<Allowed>& allowed, bool reverse,
                              const char* what) {
  // Keys the iterator skipped must be allowed to be absent.
  auto check_absent = [&](uint32_t from, uint32_t to) {  // [from, to]
    for (uint64_t k = from; k <= to; k++) {
      const Allowed& a = allowed[k - first];
      if (!a.Accepts(KeyState{})) {
        // An iterator that met an error must stop (!Valid()), not skip
        // over the entries it could not read.
        const Status st = it->status();
        WrongData(std::string(what) + ": " + Key(static_cast<uint32_t>(k)) +
                  " missing, expected " + a.settled.ToString() +
                  (st.ok() ? std::string()
                           : "; the iterator stayed valid after an error: " +
                                 st.ToString()));
        return false;
      }
    }
    return true;
  };
  auto check_entry = [&](uint32_t k) {
    KeyState found;
    if (!DecodeFound(k, it->value(), &found, what)) return false;
    if (!allowed[k - first].Accepts(found)) {
      const Status st = it->status();
      WrongData(std::string(what) + ": " + Key(k) + " found " +
                found.ToString() + ", expected " +
                allowed[k - first].settled.ToString() +
                (st.ok() ? std::string()
                         : "; the iterator stayed valid after an error: " +
                               st.ToString()));
      return false;
    }
    return true;
  };

  if (!reverse) {
    it->Seek(Key(first));
    uint64_t next = first;  // keys [next, k) were skipped
    for (; it->Valid(); it->Next()) {
      uint32_t k;
      if (!ParseKey(it->key(), &k) || k >= options_.key_space) {
        WrongData(std::string(what) + ": unexpected key '" +
                  it->key().ToString() + "'");
        return;
      }
      if (k > last) break;
      if (k < next) {
        WrongData(std::string(what) + ": " + Key(k) + " out of order");
        return;
      }
      if (k > next && !check_absent(static_cast<uint32_t>(next), k - 1)) return;
      if (!check_entry(k)) return;
      next = uint64_t{k} + 1;
    }
    if (!it->status().ok()) {
      ReadFailed(what, it->status());
      return;
    }
    if (next <= last) check_absent(static_cast<uint32_t>(next), last);
    return;
  }

  it->Seek(Key(last + 1));
  if (it->Valid()) {
    it->Prev();
  } else if (it->status().ok()) {
    it->SeekToLast();
  }
  int64_t next = last;  // keys (k, next] were skipped
  for (; it->Valid(); it->Prev()) {
    uint32_t k;
    if (!ParseKey(it->key(), &k) || k >= options_.key_space) {
      WrongData(std::string(what) + ": unexpected key '" +
                it->key().ToString() + "'");
      return;
    }
    if (k < first) break;
    if (k > next) {
      WrongData(std::string(what) + ": " + Key(k) + " out of order (reverse)");
      return;
    }
    if (k < next && !check_absent(k + 1, static_cast<uint32_t>(next))) return;
    if (!check_entry(k)) return;
    next = int64_t{k} - 1;
  }
  if (!it->status().ok()) {
    ReadFailed(what, it->status());
    return;
  }
  if (next >= first) check_absent(first, static_cast<uint32_t>(next));
}

void StressRunner::DoIterate(Worker* w) {
  const auto first = static_cast<uint32_t>(w->rnd.Uniform(options_.key_space));
  const uint32_t last = static_cast<uint32_t>(std::min<uint64_t>(
      options_.key_space - 1,
      first + w->rnd.Uniform(static_cast<uint64_t>(options_.max_range_keys))));
  std::vector<Allowed> allowed(last - first + 1);
  std::unique_ptr<Iterator> it;
  {
    // The iterator's view and the copy of the expected state are taken
    // with no write to these keys in between.
    KeyLocks::RangeLock lock(locks_.get(), first, last);
    ReadOptions ro;
    ro.fill_cache = !w->rnd.OneIn(4);
    it = db_->NewIterator(ro);
    for (uint32_t k = first; k <= last; k++) {
      allowed[k - first] = Allowed{state_->Settled(k), state_->Pending(k)};
    }
  }
  stats_.iterations++;
  CheckRange(it.get(), first, last, allowed, w->rnd.OneIn(3), "iterator");
}

void StressRunner::DoSnapshot(Worker* w) {
  const auto first = static_cast<uint32_t>(w->rnd.Uniform(options_.key_space));
  const uint32_t last = static_cast<uint32_t>(std::min<uint64_t>(
      options_.key_space - 1,
      first + w->rnd.Uniform(static_cast<uint64_t>(options_.max_range_keys))));
  std::vector<Allowed> allowed(last - first + 1);
  const Snapshot* snapshot;
  {
    KeyLocks::RangeLock lock(locks_.get(), first, last);
    snapshot = db_->GetSnapshot();
    for (uint32_t k = first; k <= last; k++) {
      allowed[k - first] = Allowed{state_->Settled(k), state_->Pending(k)};
    }
  }
  stats_.snapshots++;
  // Change the range under the snapshot, then read it through the snapshot:
  // it must not see the new writes.
  const int writes = 1 + static_cast<int>(w->rnd.Uniform(8));
  for (int i = 0; i < writes; i++) {
    DoWrite(w, first + static_cast<uint32_t>(w->rnd.Uniform(last - first + 1)),
            w->rnd.OneIn(3));
  }
  if (w->rnd.OneIn(4)) DoFlush(w);
  ReadOptions ro;
  ro.snapshot = snapshot;
  std::string value;
  for (uint32_t k = first; k <= last && !stop_.load(); k++) {
    Status s = db_->Get(ro, Key(k), &value);
    KeyState found;
    if (s.ok()) {
      if (!DecodeFound(k, value, &found, "snapshot get")) break;
    } else if (!s.IsNotFound()) {
      ReadFailed("snapshot get", s);
      break;
    }
    if (!allowed[k - first].Accepts(found)) {
      WrongData("snapshot get of " + Key(k) + " found " + found.ToString() +
                ", expected " + allowed[k - first].settled.ToString());
      break;
    }
  }
  if (!stop_.load()) {
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    CheckRange(it.get(), first, last, allowed, w->rnd.OneIn(2),
               "snapshot iterator");
  }
  db_->ReleaseSnapshot(snapshot);
}

void StressRunner::DoFlush(Worker* w) {
  FlushOptions fo;
  fo.wait = w->rnd.OneIn(2);
  Status s = db_->Flush(fo);
  stats_.flushes++;
  if (!s.ok()) WriteFailed("flush", s);
}

void StressRunner::DoCompact(Worker* w) {
  uint32_t a = static_cast<uint32_t>(w->rnd.Uniform(options_.key_space));
  uint32_t b = static_cast<uint32_t>(w->rnd.Uniform(options_.key_space));
  if (a > b) std::swap(a, b);
  const std::string begin = Key(a), end = Key(b);
  const Slice begin_slice(begin), end_slice(end);
  Status s = db_->CompactRange(w->rnd.OneIn(8) ? nullptr : &begin_slice,
                               w->rnd.OneIn(8) ? nullptr : &end_slice);
  stats_.compactions++;
  if (!s.ok()) WriteFailed("compact", s);
}

void StressRunner::WriteFailed(const char* what, const Status& s) {
  stats_.write_errors++;
  if (faults_enabled()) {
    // The database refuses writes until it is reopened: end the round.
    round_stop_.store(true);
    return;
  }
  if (!failed_.exchange(true)) {
    outcome_ = Outcome::kEngineError;
    failure_ =
        std::string(what) + " failed without injected faults: " + s.ToString();
  }
  stop_.store(true);
}

void StressRunner::ReadFailed(const char* what, const Status& s) {
  stats_.read_errors++;
  if (faults_enabled()) return;
  // A pool reached over the network goes with its memory node: until the
  // database takes DM as lost, reads that need it fail retryably. That is
  // the contract (a right value or a retryable error, never a wrong one);
  // the verification after the cycle checks nothing was lost.
  if (s.retryable() && options_.network_pool()) return;
  if (!failed_.exchange(true)) {
    outcome_ = Outcome::kEngineError;
    failure_ =
        std::string(what) + " failed without injected faults: " + s.ToString();
  }
  stop_.store(true);
}

void StressRunner::WrongData(const std::string& what) {
  fprintf(stderr, "o3lsm-stress: WRONG DATA: %s\n", what.c_str());
  if (!failed_.exchange(true)) {
    outcome_ = Outcome::kWrongData;
    failure_ = "wrong data: " + what;
  }
  stop_.store(true);
}

}  // namespace o3lsm::stress
