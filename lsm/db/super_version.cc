// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/super_version.h"

namespace o3lsm {

namespace {

// Marks a slot whose reference a reader has taken.
std::shared_ptr<const SuperVersion> in_use_marker;
std::shared_ptr<const SuperVersion>* const kInUse = &in_use_marker;

// Each thread's slot index (modulo the slot count), handed out in order of
// first use so that the first threads each get a slot of their own.
size_t ThreadIndex() {
  static std::atomic<size_t> next{0};
  thread_local const size_t index =
      next.fetch_add(1, std::memory_order_relaxed);
  return index;
}

}  // namespace

SuperVersionCache::SuperVersionCache(size_t slots)
    : slots_(new Slot[2 * (slots == 0 ? 1 : slots)]),
      num_slots_(slots == 0 ? 1 : slots) {}

SuperVersionCache::~SuperVersionCache() {
  // REQUIRES (of the owner): no Pin is alive.
  for (size_t i = 0; i < 2 * num_slots_; i++) {
    delete slots_[i].ref.exchange(nullptr, std::memory_order_acquire);
  }
}

void SuperVersionCache::Install(std::shared_ptr<const SuperVersion> sv) {
  Ref old;  // dropped after mu_ is released
  {
    std::lock_guard<std::mutex> l(mu_);
    old = std::move(current_);
    current_ = std::move(sv);
    current_raw_.store(current_.get(), std::memory_order_release);
  }
  // Empty every slot; a reader that holds its slot's reference (kInUse)
  // finds the slot empty when it puts the reference back, and drops it.
  for (size_t i = 0; i < 2 * num_slots_; i++) {
    Ref* ref = slots_[i].ref.load(std::memory_order_relaxed);
    if (ref == nullptr) continue;
    ref = slots_[i].ref.exchange(nullptr, std::memory_order_acq_rel);
    if (ref != kInUse) delete ref;
  }
}

std::shared_ptr<const SuperVersion> SuperVersionCache::Current() {
  std::lock_guard<std::mutex> l(mu_);
  return current_;
}

std::atomic<std::shared_ptr<const SuperVersion>*>*
SuperVersionCache::SlotOfThisThread(Use use) {
  const size_t kind = use == Use::kIterator ? 1 : 0;
  return &slots_[2 * (ThreadIndex() % num_slots_) + kind].ref;
}

SuperVersionCache::Pin::Pin(SuperVersionCache* cache, Use use)
    : cache_(cache), slot_(cache->SlotOfThisThread(use)) {
  held_ = slot_->exchange(kInUse, std::memory_order_acquire);
  if (held_ == nullptr || held_ == kInUse ||
      held_->get() != cache_->current_raw_.load(std::memory_order_acquire)) {
    // Emptied by an Install, in use by a thread sharing the slot, or an
    // old reference that thread put back after an Install.
    if (held_ != nullptr && held_ != kInUse) delete held_;
    held_ = new Ref(cache_->Current());
  }
}

SuperVersionCache::Pin::~Pin() {
  Ref* expected = kInUse;
  if (!slot_->compare_exchange_strong(expected, held_,
                                      std::memory_order_release,
                                      std::memory_order_relaxed)) {
    delete held_;  // the slot was emptied or refilled meanwhile
  }
}

}  // namespace o3lsm
