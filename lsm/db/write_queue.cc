// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/write_queue.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <thread>

#include "lsm/wal/write_batch_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define O3LSM_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define O3LSM_CPU_RELAX() asm volatile("yield" ::: "memory")
#else
#define O3LSM_CPU_RELAX() std::this_thread::yield()
#endif

namespace o3lsm {

namespace {

// How long the next leader spins before it sleeps. A group commits in a few
// microseconds, so it usually takes the lead within the spin, without the
// two system calls and context switches of a sleep and a wake-up.
constexpr auto kMaxSpin = std::chrono::microseconds(50);
// Pauses between two looks at the clock.
constexpr int kPausesPerClockRead = 32;

// The futex word is the state itself: sleep while it still reads expected.
void FutexWait(std::atomic<uint32_t>* word, uint32_t expected) {
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE,
          expected, nullptr, nullptr, 0);
}

// Uses only the address (a private futex's key): the word may be gone.
void FutexWakeAll(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE,
          INT_MAX, nullptr, nullptr, 0);
}

}  // namespace

void WriteQueue::Group::Fail(const Status& s) {
  std::lock_guard<std::mutex> l(mu_);
  if (status_.ok()) status_ = s;
  failed_.store(true, std::memory_order_release);
}

Status WriteQueue::Group::status() {
  if (!failed_.load(std::memory_order_acquire)) return Status::OK();
  std::lock_guard<std::mutex> l(mu_);
  return status_;
}

WriteQueue::WriteQueue()
    : cores_(
          std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {}

uint32_t WriteQueue::Join(Writer* w) {
  queued_.fetch_add(1, std::memory_order_relaxed);
  Writer* head = newest_.load(std::memory_order_relaxed);
  do {
    w->older = head;
  } while (!newest_.compare_exchange_weak(head, w, std::memory_order_release,
                                          std::memory_order_relaxed));
  if (head == nullptr) {
    // The queue was empty: lead at once.
    w->state.store(kLeader, std::memory_order_relaxed);
    return kLeader;
  }
  if (head == group_last_.load(std::memory_order_acquire) && SpinningPays()) {
    // Right behind the group in flight: we lead next. (Should head's
    // writer be gone and its address reused, we only spin in vain.)
    w->state.fetch_or(kNextLeader, std::memory_order_relaxed);
  }
  return Await(w, kLeader | kMemTableWriter | kDone);
}

void WriteQueue::LinkNewer(Writer* head) {
  while (true) {
    Writer* older = head->older;
    if (older == nullptr || older->newer != nullptr) return;
    older->newer = head;
    head = older;
  }
}

void WriteQueue::FormGroup(Writer* leader, size_t max_bytes, Group* group) {
  Writer* const head = newest_.load(std::memory_order_acquire);
  LinkNewer(head);
  group->leader = leader;
  group->last = leader;
  group->members.assign(1, leader);
  leader->group = group;
  if (leader->batch == nullptr) return;  // a seal request goes alone
  size_t bytes = WriteBatchInternal::ByteSize(leader->batch);
  for (Writer* w = leader; w != head;) {
    w = w->newer;
    if (w->batch == nullptr) break;
    if (w->sync && !leader->sync) break;
    if (w->disable_wal != leader->disable_wal) break;
    bytes += WriteBatchInternal::ByteSize(w->batch);
    if (bytes > max_bytes) break;
    w->group = group;
    group->last = w;
    group->members.push_back(w);
  }
  group_last_.store(group->last, std::memory_order_release);
  if (group->last != head && SpinningPays()) {
    // The writer after the group leads next: let it spin for the lead.
    group->last->newer->state.fetch_or(kNextLeader, std::memory_order_relaxed);
  }
}

void WriteQueue::LaunchMemTableWriters(Group* group) {
  group->next_insert.store(0, std::memory_order_relaxed);
  group->inserters.store(1, std::memory_order_relaxed);  // the leader
  for (size_t i = 1; i < group->members.size(); i++) {
    Writer* w = group->members[i];
    if (w->state.load(std::memory_order_relaxed) & kAsleep) continue;
    // Counted before it can start, so the group cannot end before it
    // leaves.
    group->inserters.fetch_add(1, std::memory_order_relaxed);
    SetState(w, kMemTableWriter);
  }
}

WriteQueue::Writer* WriteQueue::NextMemTableWrite(Group* group) {
  const size_t i = group->next_insert.fetch_add(1, std::memory_order_relaxed);
  return i < group->members.size() ? group->members[i] : nullptr;
}

bool WriteQueue::LeaveMemTableWrite(Group* group) {
  return group->inserters.fetch_sub(1, std::memory_order_acq_rel) == 1;
}

Status WriteQueue::AwaitDone(Writer* w) {
  Await(w, kDone);
  return w->status;
}

void WriteQueue::EndGroup(Group* group, Writer* self, const Status& status) {
  // Copy what is needed: the group lives on the leader's stack, and the
  // leader may return as soon as it is marked done.
  Writer* const first = group->leader;
  Writer* const last = group->last;

  // Hand the lead on first, while every member still exists: comparing
  // newest_ with a writer that has returned could match a new writer at
  // the same address.
  group_last_.store(nullptr, std::memory_order_relaxed);
  queued_.fetch_sub(static_cast<int>(group->members.size()),
                    std::memory_order_relaxed);
  Writer* head = newest_.load(std::memory_order_acquire);
  if (head != last ||
      !newest_.compare_exchange_strong(head, nullptr,
                                       std::memory_order_acq_rel)) {
    // Writers queued behind the group: the one after it leads next.
    head = newest_.load(std::memory_order_acquire);
    LinkNewer(head);
    Writer* next = last->newer;
    next->older = nullptr;  // its older writers are about to go
    SetState(next, kLeader);
  }

  for (Writer* w = first; w != nullptr;) {
    Writer* const next = w == last ? nullptr : w->newer;
    if (w != self) {
      w->status = status;
      SetState(w, kDone);
    }
    w = next;
  }
}

uint32_t WriteQueue::Await(Writer* w, uint32_t mask) {
  uint32_t state = w->state.load(std::memory_order_acquire);
  bool spun = false;
  while ((state & mask) == 0) {
    if ((state & kNextLeader) != 0 && !spun) {
      spun = true;
      const auto deadline = std::chrono::steady_clock::now() + kMaxSpin;
      for (int i = 1; (state & mask) == 0; i++) {
        O3LSM_CPU_RELAX();
        state = w->state.load(std::memory_order_acquire);
        if (i % kPausesPerClockRead == 0 &&
            std::chrono::steady_clock::now() >= deadline) {
          break;
        }
      }
      continue;
    }
    // Say we sleep, in the word itself: a setter that sees the flag wakes
    // us; one that sets the state first makes the flag's CAS fail.
    if ((state & kAsleep) == 0 &&
        !w->state.compare_exchange_weak(state, state | kAsleep,
                                        std::memory_order_acquire)) {
      continue;  // state changed: look again
    }
    FutexWait(&w->state, state | kAsleep);
    state = w->state.load(std::memory_order_acquire);
  }
  // Without the flags: a late kNextLeader may sit beside the new state.
  return state & ~static_cast<uint32_t>(kAsleep | kNextLeader);
}

uint32_t WriteQueue::SetState(Writer* w, uint32_t state) {
  const uint32_t old = w->state.exchange(state, std::memory_order_acq_rel);
  if (old & kAsleep) FutexWakeAll(&w->state);
  return old;
}

}  // namespace o3lsm
