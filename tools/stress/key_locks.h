// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// KeyLocks serializes o3lsm-stress's operations on a key: a write holds the
// key's lock from BeginWrite to CommitWrite (so that the expected state and
// the database change together as far as any checker can see), and a check
// holds it while it reads the database and the expected state.
//
// Keys are striped: key k uses lock k / kKeysPerStripe, so that a range of
// keys is a range of stripes and a range check takes few locks. Every
// multi-lock holder takes its stripes in ascending order, so no two holders
// deadlock.
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_TOOLS_STRESS_KEY_LOCKS_H_
#define O3LSM_TOOLS_STRESS_KEY_LOCKS_H_

#include <cstdint>
#include <memory>
#include <set>

#include "util/mutex.h"

namespace o3lsm::stress {

class KeyLocks {
 public:
  static constexpr uint32_t kKeysPerStripe = 4;

  explicit KeyLocks(uint32_t key_space)
      : num_stripes_(key_space / kKeysPerStripe + 1),
        stripes_(new Mutex[num_stripes_]) {}

  uint32_t StripeOf(uint32_t key) const { return key / kKeysPerStripe; }
  Mutex* Stripe(uint32_t stripe) { return &stripes_[stripe]; }

  // Holds the stripes of the keys [first, last] (inclusive) while alive.
  class RangeLock {
   public:
    RangeLock(KeyLocks* locks, uint32_t first, uint32_t last)
        : locks_(locks),
          first_(locks->StripeOf(first)),
          last_(locks->StripeOf(last)) {
      for (uint32_t s = first_; s <= last_; s++) locks_->Stripe(s)->Lock();
    }
    ~RangeLock() {
      for (uint32_t s = first_; s <= last_; s++) locks_->Stripe(s)->Unlock();
    }
    RangeLock(const RangeLock&) = delete;
    RangeLock& operator=(const RangeLock&) = delete;

   private:
    KeyLocks* const locks_;
    const uint32_t first_, last_;
  };

  // Holds the stripes of a set of keys while alive (a batch).
  class SetLock {
   public:
    SetLock(KeyLocks* locks, const std::set<uint32_t>& keys) : locks_(locks) {
      for (uint32_t k : keys) stripes_.insert(locks->StripeOf(k));
      for (uint32_t s : stripes_) locks_->Stripe(s)->Lock();  // ascending
    }
    ~SetLock() {
      for (uint32_t s : stripes_) locks_->Stripe(s)->Unlock();
    }
    SetLock(const SetLock&) = delete;
    SetLock& operator=(const SetLock&) = delete;

   private:
    KeyLocks* const locks_;
    std::set<uint32_t> stripes_;
  };

 private:
  const uint32_t num_stripes_;
  std::unique_ptr<Mutex[]> stripes_;
};

}  // namespace o3lsm::stress

#endif  // O3LSM_TOOLS_STRESS_KEY_LOCKS_H_
