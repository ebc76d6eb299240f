// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// WriteQueue orders concurrent writers into groups that commit together
// (RocksDB's WriteThread is the model). A writer joins by pushing itself onto
// a lock-free list; the writer that finds the list empty leads. The leader
// takes the compatible writers queued behind it as its group, writes the
// group's WAL record once, and then the group's batches go into the
// (concurrent) memtable in parallel: the leader and every member that is
// still awake take batches off the group one at a time until none is left.
// A member that already sleeps is not woken to help (a wake-up costs more
// than the insert it would do; writers outnumber cores then), so with few
// cores the leader inserts most of the group and with many every writer
// inserts. The group ends when the last of its inserters leaves: its
// members are marked done and the next writer in line leads the next group.
// One group is in flight at a time, so groups publish their sequence
// numbers in order.
//
// Waiting never touches the DB mutex. A writer sleeps on its own state word
// (a futex); waking it costs a system call only if it sleeps, and wakes
// nobody else (no thundering herd). The one writer next in line to lead
// (marked by the leader when it forms its group, or by itself when it joins
// right behind the group in flight) spins for a few microseconds first, so that
// hand-offs of the lead do not each cost a sleep and a wake-up; the others
// would only take cores from the leader. It spins only while the queued
// writers do not outnumber the cores: when they do, a spinner takes a core
// a runnable writer needs. Measured on 2 cores, fillrandom: 2 writers 1.5x
// the writes of never spinning and half the system time; 4 and 8 writers
// as without spinning (spinning whenever next in line: 0.8x and 0.9x).
//
// Thread safety: every method may be called concurrently. A Writer belongs
// to its thread, except that the leader of its group (or the member that
// ends the group) writes its sequence and status before waking it.
// Lifetimes: a Writer and a Group live on their threads' stacks; EndGroup
// touches no writer after waking it.

#ifndef O3LSM_LSM_DB_WRITE_QUEUE_H_
#define O3LSM_LSM_DB_WRITE_QUEUE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "lsm/dbformat.h"
#include "o3lsm/status.h"
#include "o3lsm/write_batch.h"

namespace o3lsm {

class WriteQueue {
 public:
  // A writer's state; it waits for any of kLeader, kMemTableWriter, kDone.
  enum State : uint32_t {
    kWaiting = 1,         // queued
    kLeader = 2,          // leads a group: form it, write it, end it
    kMemTableWriter = 4,  // help insert the group's batches (NextMemTableWrite)
    kDone = 8,            // the write is over; status holds its outcome
    kAsleep = 16,         // flag: the writer sleeps on its state word
    kNextLeader = 32,     // flag: leads next; spins rather than sleeps
  };

  struct Group;

  struct Writer {
    Writer(WriteBatch* b, bool s, bool no_wal)
        : batch(b), sync(s), disable_wal(no_wal) {}
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    WriteBatch* const batch;  // nullptr: a request to seal the memtables
    const bool sync;
    const bool disable_wal;
    SequenceNumber sequence = 0;  // of batch's first update (set by leader)
    Status status;                // valid once kDone
    Group* group = nullptr;       // set when taken into a group
    std::atomic<uint32_t> state{kWaiting};
    // The queue: older is set on joining; newer by the leaders.
    Writer* older = nullptr;
    Writer* newer = nullptr;
  };

  // Writers committed together, leader first. Lives on the leader's stack;
  // its fields are written by the leader before members are woken.
  struct Group {
    Writer* leader = nullptr;
    Writer* last = nullptr;            // the newest member
    SequenceNumber last_sequence = 0;  // published when the group ends
    // What members need to insert their batches (see DBImpl::Write).
    const void* context = nullptr;
    std::vector<Writer*> members;        // leader first
    std::atomic<size_t> next_insert{0};  // index into members
    std::atomic<size_t> inserters{0};    // in the group's inserts now

    // Records a failed insert; the first failure wins.
    void Fail(const Status& s);
    Status status();  // REQUIRES: every insert has finished

   private:
    std::atomic<bool> failed_{false};  // status_ holds an error
    std::mutex mu_;
    Status status_;
  };

  WriteQueue();
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Queues w and waits until it leads, is asked to insert its batch, or is
  // done; returns which.
  uint32_t Join(Writer* w);

  // REQUIRES: leader's state is kLeader. Forms its group: the leader and
  // the writers queued behind it, in order, up to max_bytes of batches and
  // stopping at the first that cannot join (a sync write behind a non-sync
  // leader, WAL and no-WAL writes, a seal request).
  void FormGroup(Writer* leader, size_t max_bytes, Group* group);

  // REQUIRES: the group's WAL record is written. Asks the members that are
  // awake to help insert the group's batches (kMemTableWriter). The leader
  // and each such member then take batches with NextMemTableWrite until it
  // returns null, and call LeaveMemTableWrite.
  void LaunchMemTableWriters(Group* group);

  // The next member whose batch the caller inserts, or null when every
  // batch is taken.
  Writer* NextMemTableWrite(Group* group);

  // The caller is done inserting. True if it was the group's last inserter:
  // every insert is in, and the caller must end the group (EndGroup).
  // Otherwise the caller waits with AwaitDone.
  bool LeaveMemTableWrite(Group* group);

  // Waits until w is done; returns its status.
  Status AwaitDone(Writer* w);

  // Ends the group with status: hands the lead to the next queued writer,
  // then marks every member except `self` done. REQUIRES: self is a member
  // and every insert of the group has finished.
  void EndGroup(Group* group, Writer* self, const Status& status);

 private:
  uint32_t Await(Writer* w, uint32_t mask);
  // Sets w's state and wakes w if it sleeps; returns the old state. Reads
  // nothing of w afterwards: w may return as soon as it sees the state.
  static uint32_t SetState(Writer* w, uint32_t state);
  // Sets the newer links of the writers from head back to the first one
  // whose newer link is already set (or that leads).
  static void LinkNewer(Writer* head);

  std::atomic<Writer*> newest_{nullptr};
  // The newest member of the group in flight (null between groups): a
  // writer that joins right behind it leads next. Compared, never read
  // through.
  std::atomic<Writer*> group_last_{nullptr};
  // Writers joined and not yet done, and the machine's cores.
  std::atomic<int> queued_{0};
  const int cores_;
  // Whether the next leader may spin now.
  bool SpinningPays() const {
    return queued_.load(std::memory_order_relaxed) <= cores_;
  }
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_WRITE_QUEUE_H_
