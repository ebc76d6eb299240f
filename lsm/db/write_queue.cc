// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/write_queue.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

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

// Spins before sleeping. A group commits in a few microseconds, so a short
// spin often sees the state change without a system call; kept short
// because a spinning writer takes a core from the one doing the work when
// writers outnumber cores.
constexpr int kSpins = 64;

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

uint32_t WriteQueue::Join(Writer* w) {
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
  for (int i = 0; i < kSpins && (state & mask) == 0; i++) {
    O3LSM_CPU_RELAX();
    state = w->state.load(std::memory_order_acquire);
  }
  while ((state & mask) == 0) {
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
  return state;
}

uint32_t WriteQueue::SetState(Writer* w, uint32_t state) {
  const uint32_t old = w->state.exchange(state, std::memory_order_acq_rel);
  if (old & kAsleep) FutexWakeAll(&w->state);
  return old;
}

}  // namespace o3lsm
