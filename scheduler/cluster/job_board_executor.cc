// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The executor side of JobBoard: Claim, Heartbeat, Complete, WaitForWork.

#include <algorithm>

#include "scheduler/cluster/job_board.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::cluster {

using fabric::DmAddr;
using fabric::WorkRequest;

// ---------------------------------------------------------------- executor

Status JobBoard::Claim(uint16_t node, uint32_t type_mask,
                       std::chrono::nanoseconds steal_after, ClaimedJob* job,
                       std::chrono::steady_clock::time_point now) {
  if (node == 0) {
    return Status::InvalidArgument(region_.what, "claim by node 0");
  }
  std::vector<uint64_t> words;
  Status s = ReadTable(&words);
  if (!s.ok()) return s;
  struct Candidate {
    uint32_t slot;
    uint64_t word;
    int rank;  // 0 offered to me, 1 to anyone, 2 stolen
    std::chrono::steady_clock::time_point since;
  };
  std::vector<Candidate> candidates;
  {
    MutexLock l(&mu_);
    for (uint32_t slot = 0; slot < slot_count_; slot++) {
      if (seen_[slot].word != words[slot]) seen_[slot] = {words[slot], now};
      const JobWord w = JobWord::Decode(words[slot]);
      if (w.state != JobState::kPosted || !w.Valid()) continue;
      if (((type_mask >> w.type) & 1) == 0) continue;
      int rank = 2;
      if (w.node == node) {
        rank = 0;
      } else if (w.node == 0) {
        rank = 1;
      } else if (now - seen_[slot].since < steal_after) {
        continue;
      }
      candidates.push_back({slot, words[slot], rank, seen_[slot].since});
    }
  }
  // Executors start at different slots among equals, so that several of
  // them do not all race for the same job.
  const uint32_t start =
      (cursor_.fetch_add(1, std::memory_order_relaxed) + node * 7919u) %
      slot_count_;
  std::sort(candidates.begin(), candidates.end(),
            [&](const Candidate& a, const Candidate& b) {
              if (a.rank != b.rank) return a.rank < b.rank;
              if (a.since != b.since) return a.since < b.since;
              return (a.slot + slot_count_ - start) % slot_count_ <
                     (b.slot + slot_count_ - start) % slot_count_;
            });
  std::string buf(job_slot::kHeadersLength + payload_capacity_, '\0');
  for (const Candidate& c : candidates) {
    const JobWord posted = JobWord::Decode(c.word);
    JobWord claimed = posted;
    claimed.state = JobState::kClaimed;
    claimed.node = node;
    uint64_t observed = 0;
    // The read after the CAS sees the job the CAS won: the owner wrote it
    // before posting, and nobody writes it while it is claimed.
    WorkRequest batch[2] = {
        WorkRequest::CompareAndSwap(WordAddr(c.slot), c.word, claimed.Encode(),
                                    &observed),
        WorkRequest::Read(SlotAddr(c.slot) + job_slot::kHeader, buf.data(),
                          buf.size())};
    s = fabric_->Execute(batch);
    if (!s.ok()) return s;
    if (observed != c.word) continue;  // someone else was faster

    ClaimedJob got;
    got.ticket = JobTicket{c.slot, posted.serial, posted.attempt};
    got.type = static_cast<JobType>(posted.type);
    got.executor = node;
    Header h;
    s = DecodeHeader(c.slot, posted, buf.data(), &h);
    if (s.ok()) {
      const uint64_t sum =
          Checksum64(buf.data() + job_slot::kHeadersLength, h.payload_length,
                     PayloadSeed(SlotOffset(c.slot), posted.serial));
      if (sum != h.payload_checksum) {
        s = Status::Corruption(SlotWhat(c.slot),
                               "payload checksum mismatch: stored " +
                                   Hex(h.payload_checksum) + ", computed " +
                                   Hex(sum));
      }
    }
    if (!s.ok()) {
      // Tell the owner instead of leaving the job claimed forever.
      corrupt_seen_.fetch_add(1, std::memory_order_relaxed);
      Status f = Complete(got, false, "corrupt job: " + s.ToString());
      f.PermitUncheckedError();
      continue;
    }
    got.owner = h.owner;
    got.post_micros = h.post_micros;
    got.payload.assign(buf.data() + job_slot::kHeadersLength, h.payload_length);
    *job = std::move(got);
    return Status::OK();
  }
  return Status::NotFound(region_.what,
                          "no claimable job for node " + std::to_string(node));
}

Status JobBoard::CheckClaim(const ClaimedJob& job, uint64_t* word) {
  Status s = CheckSlot(job.ticket.slot);
  if (!s.ok()) return s;
  s = ReadWord(job.ticket.slot, word);
  if (!s.ok()) return s;
  JobWord mine;
  mine.state = JobState::kClaimed;
  mine.type = static_cast<uint8_t>(job.type);
  mine.node = job.executor;
  mine.attempt = job.ticket.attempt;
  mine.serial = job.ticket.serial;
  if (*word != mine.Encode()) {
    return Status::Aborted(
        SlotWhat(job.ticket.slot),
        "claim of attempt " + std::to_string(job.ticket.attempt) + " by node " +
            std::to_string(job.executor) + " revoked: the slot is " +
            JobWord::Decode(*word).ToString());
  }
  return Status::OK();
}

Status JobBoard::Heartbeat(const ClaimedJob& job) {
  uint64_t word = 0;
  Status s = CheckClaim(job, &word);
  if (!s.ok()) return s;
  return fabric_->FetchAndAdd64(
      SlotAddr(job.ticket.slot) + job_slot::kHeartbeat, 1, nullptr);
}

Status JobBoard::Complete(const ClaimedJob& job, bool success,
                          const Slice& result) {
  if (result.size() > result_capacity_) {
    return Status::InvalidArgument(SlotWhat(job.ticket.slot),
                                   "result of " +
                                       std::to_string(result.size()) +
                                       " bytes exceeds the maximum of " +
                                       std::to_string(result_capacity_));
  }
  uint64_t word = 0;
  Status s = CheckClaim(job, &word);
  if (!s.ok()) return s;
  const uint32_t slot = job.ticket.slot;
  char rh[job_slot::kPayload - job_slot::kResult] = {};
  auto at = [&](int offset) { return rh + (offset - job_slot::kResult); };
  EncodeFixed32(at(job_slot::kResultMagic), kJobResultMagic);
  EncodeFixed32(at(job_slot::kResultSerial), job.ticket.serial);
  EncodeFixed16(at(job_slot::kResultAttempt), job.ticket.attempt);
  EncodeFixed16(at(job_slot::kResultExecutor), job.executor);
  EncodeFixed32(at(job_slot::kResultLength),
                static_cast<uint32_t>(result.size()));
  EncodeFixed32(at(job_slot::kResultFlags), success ? kResultSuccess : 0);
  EncodeFixed64(
      at(job_slot::kResultChecksum),
      Checksum64Extend(
          Checksum64(rh, job_slot::kResultChecksum - job_slot::kResult,
                     SlotOffset(slot)),
          result.data(), result.size()));
  JobWord finished = JobWord::Decode(word);
  finished.state = success ? JobState::kDone : JobState::kFailed;
  uint64_t observed = 0;
  std::vector<WorkRequest> batch;
  batch.push_back(
      WorkRequest::Write(SlotAddr(slot) + job_slot::kResult, rh, sizeof(rh)));
  if (!result.empty()) {
    batch.push_back(
        WorkRequest::Write(ResultAreaAddr(slot), result.data(), result.size()));
  }
  batch.push_back(WorkRequest::CompareAndSwap(WordAddr(slot), word,
                                              finished.Encode(), &observed));
  s = fabric_->Execute(batch);
  if (!s.ok()) return s;
  if (observed != word) {
    return Status::Aborted(SlotWhat(slot),
                           "claim revoked before completion: the slot is " +
                               JobWord::Decode(observed).ToString());
  }
  return fabric_->Ring(region_.start + kBellBOffset);
}

Status JobBoard::WaitForWork(uint64_t* seen, std::chrono::nanoseconds timeout) {
  return fabric_->WaitOnWord(region_.start + kBellAOffset, *seen, timeout,
                             seen);
}

}  // namespace o3lsm::cluster
