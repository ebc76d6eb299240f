// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/stress/verifier.h"

#include <vector>

namespace o3lsm::stress {

namespace {

// Collects mismatches; reports the first few in full.
class Failures {
 public:
  void Add(const std::string& what) {
    if (count_++ < kMaxReported) text_ += "\n  " + what;
  }
  Status ToStatus() const {
    if (count_ == 0) return Status::OK();
    return Status::Corruption(std::to_string(count_) + " mismatches", text_);
  }

 private:
  static constexpr int kMaxReported = 20;
  uint64_t count_ = 0;
  std::string text_;
};

}  // namespace

Status VerifyDatabase(DB* db, ExpectedState* state, bool resolve,
                      VerifyResult* result) {
  *result = VerifyResult();
  const uint32_t n = state->key_space();
  const ValueSizes& sizes = state->value_sizes();
  std::vector<KeyState> found(n);
  Failures failures;

  // The scan: keys in order, each once, each of the key space.
  {
    std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
    bool have_previous = false;
    uint32_t previous = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      uint32_t k;
      if (!ParseKey(it->key(), &k) || k >= n) {
        failures.Add("scan: unexpected key '" + it->key().ToString() + "'");
        continue;
      }
      if (have_previous && k <= previous) {
        failures.Add("scan: " + Key(k) + " after " + Key(previous));
        continue;
      }
      have_previous = true;
      previous = k;
      uint32_t gen = 0;
      Status s = CheckValue(k, it->value(), sizes, &gen);
      if (!s.ok()) {
        failures.Add("scan: " + s.ToString());
        continue;
      }
      found[k] = KeyState{gen, true};
    }
    if (!it->status().ok()) return it->status();
  }

  // Point lookups must see what the scan saw.
  std::string value;
  for (uint32_t k = 0; k < n; k++) {
    Status s = db->Get(ReadOptions(), Key(k), &value);
    KeyState got;
    if (s.ok()) {
      s = CheckValue(k, value, sizes, &got.generation);
      if (!s.ok()) {
        failures.Add("get: " + s.ToString());
        continue;
      }
      got.exists = true;
    } else if (!s.IsNotFound()) {
      return s;
    }
    if (!got.SameAs(found[k])) {
      failures.Add("get of " + Key(k) + " found " + got.ToString() +
                   ", the scan " + found[k].ToString());
    }
  }

  const bool lossy = state->lossy();
  for (uint32_t k = 0; k < n; k++) {
    const KeyState& f = found[k];
    if (f.exists) result->keys_present++;
    const std::optional<KeyState> pending = state->Pending(k);
    if (pending.has_value()) {
      result->pending++;
      if (f.SameAs(*pending)) result->pending_landed++;
    }
    const bool allowed =
        lossy ? state->MayHoldAfterLoss(k, f) : state->MayHold(k, f);
    if (!allowed) {
      failures.Add(Key(k) + ": found " + f.ToString() + ", expected " +
                   state->Describe(k));
      continue;
    }
    if (!f.SameAs(state->Settled(k)) &&
        !(pending.has_value() && f.SameAs(*pending))) {
      result->lost++;
    }
  }
  Status s = failures.ToStatus();
  if (s.ok() && resolve) {
    for (uint32_t k = 0; k < n; k++) {
      // A key found absent keeps its generation counter moving forward.
      KeyState f = found[k];
      if (!f.exists) {
        const std::optional<KeyState> p = state->Pending(k);
        f.generation = std::max(state->Settled(k).generation,
                                p.has_value() ? p->generation : 0);
      }
      state->Resolve(k, f);
    }
    state->SetLossy(false);
  }
  return s;
}

}  // namespace o3lsm::stress
