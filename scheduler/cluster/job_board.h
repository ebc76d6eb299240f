// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// JobBoard is the table of flush and compaction jobs in DM through which a
// compute node (the owner) hands work to whichever node is idle (an
// executor), with no memory-node CPU involved: every step is a one-sided
// verb on the job board region of the pool (docs/dm_format.md, "Job board").
//
// A job lives in a fixed slot whose 64-bit state word changes only by CAS:
//
//   Free -> Reserved(owner) -> Posted(k, offered_to) -> Claimed(k, executor)
//        -> Done(k, executor) | Failed(k, executor) -> Free
//   Posted -> Free (Cancel); Claimed(k) -> Posted(k+1) (Repost, the lease
//   expired); Done/Failed(k) -> Posted(k+1) (Retry, the owner rejected the
//   result); any -> Free (Release by the owner, revoking a claim).
//
// The word also carries a serial that changes on every reuse of the slot, so
// a CAS computed by a slow actor during an earlier use, or an earlier
// attempt, never succeeds. An executor keeps its claim alive by bumping the
// slot's heartbeat counter; the owner watches it (LeaseWatch) and re-posts a
// job whose heartbeat stopped. An executor writes its result before its
// Complete CAS, so a revoked executor may scribble on the result area: the
// result carries (serial, attempt, executor, length, checksum) and
// ReadResult accepts only the one that matches the state word. The owner
// installs exactly the attempt it read back (output names carry the
// attempt; see DESIGN.md section 5).
//
// Payload and result are opaque bytes of at most max_payload() and
// max_result() bytes (1984 each with the default 4 KiB slots).
//
// Errors: Busy when the board is full or a state moved under the caller
// (retryable); Aborted to an executor whose claim was revoked, and when a
// Repost/Retry hits the attempt limit; NotFound when a ticket's job is gone
// (released, slot reused) or nothing is claimable; Corruption naming the
// slot when its bytes fail a check (other slots keep working); fabric
// errors as they come (a TimedOut CAS may leave a slot Reserved until the
// owner's ReleaseStale).
//
// Thread safety: all methods may be called concurrently, by any number of
// processes and nodes on the same pool.
// REQUIRES: the Fabric outlives the board.

#ifndef O3LSM_SCHEDULER_CLUSTER_JOB_BOARD_H_
#define O3LSM_SCHEDULER_CLUSTER_JOB_BOARD_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "o3lsm/slice.h"
#include "o3lsm/status.h"

#include "interconnect/fabric.h"
#include "scheduler/cluster/cluster_region.h"
#include "scheduler/cluster/job_slot_format.h"
#include "util/mutex.h"

namespace o3lsm::cluster {

// The geometry of a board, chosen when the pool is formatted.
struct JobBoardLayout {
  // Bytes per slot: a multiple of 64 in [256, 1 MiB]. Default: 4096.
  uint32_t slot_size = kDefaultJobSlotSize;
  // Bytes of the payload area; the result area takes the rest of the slot
  // after the 128 bytes of headers. 0 = half of it each. Default: 0.
  uint32_t payload_capacity = 0;
};

// Names one job: a slot and the serial of its current use, plus the attempt
// the owner last posted. Issued by Post, kept up to date by Repost/Retry.
struct JobTicket {
  uint32_t slot = 0;
  uint32_t serial = 0;
  uint16_t attempt = 0;
};

// What Inspect and List see of a slot.
struct JobView {
  uint32_t slot = 0;
  uint32_t serial = 0;
  JobState state = JobState::kFree;
  JobType type = JobType::kFlush;
  uint16_t owner = 0;
  uint16_t attempt = 0;
  uint16_t offered_to = 0;   // Posted: 0 = anyone
  uint16_t executor = 0;     // Claimed, Done, Failed
  uint64_t heartbeat = 0;    // the executor's counter; only changes matter
  uint64_t post_micros = 0;  // wall clock of the first post
  uint32_t payload_length = 0;
  // Empty if the slot checks out; else why not (List reports such slots
  // instead of failing; Inspect returns Corruption).
  std::string corruption;

  JobTicket ticket() const { return {slot, serial, attempt}; }
};

// A job an executor holds. The payload is a copy.
struct ClaimedJob {
  JobTicket ticket;
  JobType type = JobType::kFlush;
  uint16_t owner = 0;
  uint16_t executor = 0;
  uint64_t post_micros = 0;
  std::string payload;
};

class JobBoard {
 public:
  // Formats the job board region of fabric's pool: zeroes every slot and
  // writes the header. For the pool's creator; REQUIRES: no one else uses
  // the board. InvalidArgument if the layout does not fit the region.
  [[nodiscard]] static Status Format(fabric::Fabric* fabric,
                                     const JobBoardLayout& layout = {});
  // Formats the region with layout if it was never formatted; safe when
  // several processes race (exactly one formats). OK if already formatted.
  [[nodiscard]] static Status EnsureFormatted(
      fabric::Fabric* fabric, const JobBoardLayout& layout = {});
  // Attaches to the formatted board: Unavailable if not formatted,
  // Corruption (naming the region) for a bad header or geometry,
  // NotSupported for another format version.
  [[nodiscard]] static Status Open(fabric::Fabric* fabric,
                                   std::unique_ptr<JobBoard>* result);

  JobBoard(const JobBoard&) = delete;
  JobBoard& operator=(const JobBoard&) = delete;
  ~JobBoard();

  uint32_t slot_count() const { return slot_count_; }
  uint32_t max_payload() const { return payload_capacity_; }
  uint32_t max_result() const { return result_capacity_; }

  // ---- Owner side ----

  // Reserves a free slot, writes the job and posts attempt 1, offered to
  // offer_to (0 = anyone), then rings the work bell. Busy when every slot is
  // in use; InvalidArgument for owner 0, an unknown type or a payload
  // larger than max_payload().
  [[nodiscard]] Status Post(uint16_t owner, JobType type, const Slice& payload,
                            uint16_t offer_to, JobTicket* ticket);
  // The slot's current state and heartbeat (one round trip). NotFound if
  // the job was released (the slot is free or serves another job);
  // Corruption if the slot fails a check.
  [[nodiscard]] Status Inspect(const JobTicket& ticket, JobView* view);
  // Posted -> Free. Busy if it was claimed meanwhile.
  [[nodiscard]] Status Cancel(const JobTicket& ticket);
  // Claimed(k) -> Posted(k+1) offered to offer_to, for a claim whose lease
  // expired; updates ticket->attempt. Busy if the state is no longer
  // Claimed(k) (e.g. the executor completed meanwhile: read the result).
  [[nodiscard]] Status Repost(JobTicket* ticket, uint16_t offer_to);
  // Done/Failed(k) -> Posted(k+1), for a result the owner rejected (a
  // Corruption from ReadResult, or a failure worth retrying).
  [[nodiscard]] Status Retry(JobTicket* ticket, uint16_t offer_to);
  // The result of attempt ticket.attempt. REQUIRES the state Done or Failed
  // (Busy otherwise); *success tells which. Corruption if the result area
  // does not hold exactly what that attempt's executor wrote (a revoked
  // executor's late scribble, damaged bytes): Retry the job then.
  [[nodiscard]] Status ReadResult(const JobTicket& ticket, bool* success,
                                  std::string* result);
  // Frees the slot whatever state the job is in; a running executor's
  // claim is revoked (its Heartbeat and Complete return Aborted). NotFound
  // if the job is gone already.
  [[nodiscard]] Status Release(const JobTicket& ticket);
  // Every slot that is not free, in slot order, corrupt ones included (with
  // view.corruption set).
  [[nodiscard]] Status List(std::vector<JobView>* views);
  // Releases every job of owner (for an owner restarting after a crash:
  // none of them is wanted any more). *released (may be null) receives the
  // count. Corrupt slots are skipped: ResetSlot repairs them.
  // REQUIRES: no other live process posts as owner (a Post in flight could
  // write into a slot after it was released and reused).
  [[nodiscard]] Status ReleaseStale(uint16_t owner, uint32_t* released);
  // Administrative repair: frees a slot whatever its word holds (garbage
  // included), with a new serial. InvalidArgument if slot is out of range.
  [[nodiscard]] Status ResetSlot(uint32_t slot);
  // Sleeps until a job completes or fails anywhere on the board (the
  // completion bell moves from *seen; *seen receives its new value), at
  // most timeout. TimedOut then. Start with *seen = 0.
  [[nodiscard]] Status WaitForCompletion(uint64_t* seen,
                                         std::chrono::nanoseconds timeout);

  // ---- Executor side ----

  // Claims one Posted job whose type is in type_mask (JobTypeBit()s):
  // offered to node first, then offered to anyone, then offered to another
  // node but seen Posted by this board object for at least steal_after,
  // oldest first within each class. Copies the payload out. NotFound when
  // nothing is claimable. A claimed job whose header or payload fails its
  // checksum is completed as Failed (the result says why) and skipped.
  // now: the caller's clock (an executor's Env), by which steal_after is
  // measured.
  [[nodiscard]] Status Claim(
      uint16_t node, uint32_t type_mask, std::chrono::nanoseconds steal_after,
      ClaimedJob* job,
      std::chrono::steady_clock::time_point now =
          std::chrono::steady_clock::now());
  // Renews the lease: FAA on the slot's heartbeat. Aborted if the claim was
  // revoked (re-posted, released): stop working on the job then.
  [[nodiscard]] Status Heartbeat(const ClaimedJob& job);
  // Writes the result, then CAS Claimed(k, me) -> Done or Failed, then rings
  // the completion bell. Aborted if the claim was revoked: discard the
  // output. InvalidArgument if result is longer than max_result().
  [[nodiscard]] Status Complete(const ClaimedJob& job, bool success,
                                const Slice& result);
  // Sleeps until something is posted or re-posted (the work bell moves from
  // *seen; *seen receives its new value), at most timeout; TimedOut then.
  // The executor loop: Claim; on NotFound WaitForWork(&seen, ...). Start
  // with *seen = 0 (costs one extra scan at most).
  [[nodiscard]] Status WaitForWork(uint64_t* seen,
                                   std::chrono::nanoseconds timeout);

  // Where a slot's state word and bytes are, for tests that damage them.
  fabric::DmAddr TEST_WordAddr(uint32_t slot) const { return WordAddr(slot); }
  fabric::DmAddr TEST_SlotAddr(uint32_t slot) const { return SlotAddr(slot); }

  // Slots whose bytes failed a check during Claim (skipped), since Open.
  uint64_t corrupt_slots_seen() const {
    return corrupt_seen_.load(std::memory_order_relaxed);
  }

 private:
  struct Seen {
    uint64_t word = 0;
    std::chrono::steady_clock::time_point since;
  };
  struct Header {
    uint8_t type = 0;
    uint16_t owner = 0;
    uint32_t payload_length = 0;
    uint64_t post_micros = 0;
    uint64_t payload_checksum = 0;
  };

  JobBoard(fabric::Fabric* fabric, RegionRef region, const RegionHeader& h);

  uint64_t SlotOffset(uint32_t slot) const {
    return slots_offset_ + uint64_t{slot} * slot_size_;
  }
  fabric::DmAddr WordAddr(uint32_t slot) const;
  fabric::DmAddr SlotAddr(uint32_t slot) const;
  fabric::DmAddr ResultAreaAddr(uint32_t slot) const;
  std::string SlotWhat(uint32_t slot) const;
  [[nodiscard]] Status CheckSlot(uint32_t slot) const;
  [[nodiscard]] Status ReadTable(std::vector<uint64_t>* words);
  [[nodiscard]] Status ReadWord(uint32_t slot, uint64_t* word);
  // Decodes the job header in hdr (slot bytes [16, 64)) of a job whose state
  // word is w; Corruption naming the slot if it does not belong to it.
  [[nodiscard]] Status DecodeHeader(uint32_t slot, const JobWord& w,
                                    const char* hdr, Header* out) const;
  [[nodiscard]] Status CheckWord(uint32_t slot, uint64_t raw) const;
  // Moves the job of ticket from one of the `from` states (a bit mask of
  // JobStates) to Posted(k+1); shared by Repost and Retry.
  [[nodiscard]] Status PostNextAttempt(JobTicket* ticket, uint16_t offer_to,
                                       uint32_t from, const char* op);
  // Claimed(k, me) check shared by Heartbeat and Complete.
  [[nodiscard]] Status CheckClaim(const ClaimedJob& job, uint64_t* word);

  fabric::Fabric* const fabric_;
  const RegionRef region_;
  uint32_t slot_count_ = 0;
  uint32_t slot_size_ = 0;
  uint32_t payload_capacity_ = 0;
  uint32_t result_capacity_ = 0;
  uint64_t table_offset_ = 0;  // absolute pool offset
  uint64_t slots_offset_ = 0;  // absolute pool offset
  std::atomic<uint32_t> cursor_{0};
  std::atomic<uint64_t> corrupt_seen_{0};
  Mutex mu_;
  // Per slot: the Posted word last seen by Claim and since when, for
  // steal_after measured on this node's clock (no cross-node clock needed).
  std::vector<Seen> seen_ GUARDED_BY(mu_);
};

}  // namespace o3lsm::cluster

#endif  // O3LSM_SCHEDULER_CLUSTER_JOB_BOARD_H_
