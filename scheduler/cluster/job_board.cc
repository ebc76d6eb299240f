// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "scheduler/cluster/job_board.h"

#include <algorithm>

#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::cluster {

using fabric::DmAddr;
using fabric::WorkRequest;

namespace {

// Post retries its scan this many times when it loses every CAS race.
constexpr int kPostRounds = 4;
// Release retries when the state moves under it (Claimed -> Done, ...).
constexpr int kReleaseRounds = 16;

constexpr uint64_t Align64(uint64_t v) { return (v + 63) / 64 * 64; }

uint64_t FreeWord(uint32_t serial) {
  JobWord w;
  w.serial = serial;
  return w.Encode();
}

bool IsFinished(JobState s) {
  return s == JobState::kDone || s == JobState::kFailed;
}

constexpr uint32_t StateBit(JobState s) {
  return uint32_t{1} << static_cast<uint8_t>(s);
}

// Plans the geometry of a board in a region of `length` bytes.
Status PlanBoard(const RegionRef& region, const JobBoardLayout& layout,
                 RegionHeader* h) {
  const uint32_t slot = layout.slot_size;
  if (slot < kMinJobSlotSize || slot > kMaxJobSlotSize || slot % 64 != 0) {
    return Status::InvalidArgument(
        region.what, "slot_size " + std::to_string(slot) +
                         " is not a multiple of 64 in [256, 1 MiB]");
  }
  const uint32_t usable = slot - job_slot::kPayload;
  const uint32_t payload =
      layout.payload_capacity == 0 ? usable / 2 : layout.payload_capacity;
  if (payload == 0 || payload >= usable) {
    return Status::InvalidArgument(
        region.what, "payload_capacity " + std::to_string(payload) +
                         " leaves no room for a result in a slot of " +
                         std::to_string(slot) + " bytes");
  }
  uint64_t n = 0;
  if (region.length > kRegionHeaderSize) {
    n = (region.length - kRegionHeaderSize) / (uint64_t{slot} + 8);
  }
  while (n > 0 &&
         Align64(kRegionHeaderSize + 8 * n) + n * slot > region.length) {
    n--;
  }
  if (n == 0) {
    return Status::InvalidArgument(
        region.what, "region of " + std::to_string(region.length) +
                         " bytes holds no slot of " + std::to_string(slot) +
                         " bytes");
  }
  h->magic = kJobBoardMagic;
  h->version = kJobBoardVersion;
  h->slot_size = slot;
  h->slot_count = static_cast<uint32_t>(std::min<uint64_t>(n, UINT32_MAX));
  h->payload_capacity = payload;
  h->table_offset = kRegionHeaderSize;
  h->slots_offset = Align64(kRegionHeaderSize + 8 * n);
  h->region_length = region.length;
  return Status::OK();
}

}  // namespace

// ---------------------------------------------------------------- open

Status JobBoard::Format(fabric::Fabric* fabric, const JobBoardLayout& layout) {
  const RegionRef region = GetRegion(fabric, fabric::RegionKind::kJobBoard);
  RegionHeader h;
  Status s = PlanBoard(region, layout, &h);
  if (!s.ok()) return s;
  return FormatRegion(fabric, region, h);
}

Status JobBoard::EnsureFormatted(fabric::Fabric* fabric,
                                 const JobBoardLayout& layout) {
  const RegionRef region = GetRegion(fabric, fabric::RegionKind::kJobBoard);
  RegionHeader h;
  Status s = PlanBoard(region, layout, &h);
  if (!s.ok()) return s;
  return EnsureRegionFormatted(fabric, region, h);
}

Status JobBoard::Open(fabric::Fabric* fabric,
                      std::unique_ptr<JobBoard>* result) {
  const RegionRef region = GetRegion(fabric, fabric::RegionKind::kJobBoard);
  RegionHeader h;
  Status s =
      ReadRegionHeader(fabric, region, kJobBoardMagic, kJobBoardVersion, &h);
  if (!s.ok()) return s;
  auto bad = [&](const char* field, uint64_t v) {
    return Status::Corruption(region.what, std::string("header field ") +
                                               field + " = " + Hex(v) +
                                               " is impossible");
  };
  if (h.slot_size < kMinJobSlotSize || h.slot_size > kMaxJobSlotSize ||
      h.slot_size % 64 != 0) {
    return bad("slot_size", h.slot_size);
  }
  if (h.slot_count == 0) return bad("slot_count", h.slot_count);
  if (h.payload_capacity == 0 ||
      h.payload_capacity >= h.slot_size - job_slot::kPayload) {
    return bad("payload_capacity", h.payload_capacity);
  }
  if (h.table_offset != kRegionHeaderSize) {
    return bad("table_offset", h.table_offset);
  }
  // No overflow: slot_count < 2^32 and slot_size <= 2^20.
  if (h.slots_offset % 64 != 0 ||
      h.slots_offset < h.table_offset + uint64_t{h.slot_count} * 8 ||
      h.slots_offset > region.length ||
      uint64_t{h.slot_count} * h.slot_size > region.length - h.slots_offset) {
    return bad("slots_offset", h.slots_offset);
  }
  result->reset(new JobBoard(fabric, region, h));
  return Status::OK();
}

JobBoard::JobBoard(fabric::Fabric* fabric, RegionRef region,
                   const RegionHeader& h)
    : fabric_(fabric), region_(std::move(region)) {
  slot_count_ = h.slot_count;
  slot_size_ = h.slot_size;
  payload_capacity_ = h.payload_capacity;
  result_capacity_ = h.slot_size - job_slot::kPayload - h.payload_capacity;
  table_offset_ = region_.start.offset() + h.table_offset;
  slots_offset_ = region_.start.offset() + h.slots_offset;
  seen_.resize(slot_count_);
}

JobBoard::~JobBoard() = default;

// ---------------------------------------------------------------- helpers

DmAddr JobBoard::WordAddr(uint32_t slot) const {
  return DmAddr(fabric_->pool_id(), table_offset_ + uint64_t{slot} * 8);
}

DmAddr JobBoard::SlotAddr(uint32_t slot) const {
  return DmAddr(fabric_->pool_id(), SlotOffset(slot));
}

DmAddr JobBoard::ResultAreaAddr(uint32_t slot) const {
  return SlotAddr(slot) + job_slot::kPayload + payload_capacity_;
}

std::string JobBoard::SlotWhat(uint32_t slot) const {
  return "job slot " + std::to_string(slot) + " at " +
         SlotAddr(slot).ToString();
}

Status JobBoard::CheckSlot(uint32_t slot) const {
  if (slot >= slot_count_) {
    return Status::InvalidArgument(
        region_.what, "slot " + std::to_string(slot) + " out of range (" +
                          std::to_string(slot_count_) + " slots)");
  }
  return Status::OK();
}

Status JobBoard::ReadTable(std::vector<uint64_t>* words) {
  words->resize(slot_count_);
  return fabric_->Read(WordAddr(0), words->data(), words->size() * 8);
}

Status JobBoard::ReadWord(uint32_t slot, uint64_t* word) {
  return fabric_->Read(WordAddr(slot), word, 8);
}

Status JobBoard::CheckWord(uint32_t slot, uint64_t raw) const {
  if (!JobWord::Decode(raw).Valid()) {
    return Status::Corruption(
        SlotWhat(slot), "state word " + Hex(raw) + " is not a valid job state");
  }
  return Status::OK();
}

Status JobBoard::DecodeHeader(uint32_t slot, const JobWord& w, const char* hdr,
                              Header* out) const {
  auto field = [&](int offset) { return hdr + (offset - job_slot::kHeader); };
  const uint32_t magic = DecodeFixed32(field(job_slot::kHeaderMagic));
  if (magic != kJobHeaderMagic) {
    return Status::Corruption(SlotWhat(slot),
                              "job header: bad magic " + Hex(magic));
  }
  const uint64_t stored = DecodeFixed64(field(job_slot::kHeaderChecksum));
  const uint64_t computed = Checksum64(
      hdr, job_slot::kHeaderChecksum - job_slot::kHeader, SlotOffset(slot));
  if (stored != computed) {
    return Status::Corruption(
        SlotWhat(slot), "job header checksum mismatch: stored " + Hex(stored) +
                            ", computed " + Hex(computed));
  }
  const uint32_t serial = DecodeFixed32(field(job_slot::kHeaderSerial));
  out->type = static_cast<uint8_t>(*field(job_slot::kHeaderType));
  out->owner = DecodeFixed16(field(job_slot::kHeaderOwner));
  out->payload_length = DecodeFixed32(field(job_slot::kPayloadLength));
  out->post_micros = DecodeFixed64(field(job_slot::kPostMicros));
  out->payload_checksum = DecodeFixed64(field(job_slot::kPayloadChecksum));
  if (serial != w.serial || out->type != w.type) {
    return Status::Corruption(
        SlotWhat(slot),
        "job header of serial " + std::to_string(serial) + " type " +
            std::to_string(out->type) + " under a state word of serial " +
            std::to_string(w.serial) + " type " + std::to_string(w.type));
  }
  if (out->owner == 0 || out->payload_length > payload_capacity_) {
    return Status::Corruption(
        SlotWhat(slot), "job header: owner " + std::to_string(out->owner) +
                            ", payload length " +
                            std::to_string(out->payload_length) + " (max " +
                            std::to_string(payload_capacity_) + ")");
  }
  return Status::OK();
}

// ---------------------------------------------------------------- owner

Status JobBoard::Post(uint16_t owner, JobType type, const Slice& payload,
                      uint16_t offer_to, JobTicket* ticket) {
  const uint8_t t = static_cast<uint8_t>(type);
  if (owner == 0 || t == 0 || t > kMaxJobType) {
    return Status::InvalidArgument(region_.what,
                                   "post by owner " + std::to_string(owner) +
                                       " of job type " + std::to_string(t));
  }
  if (payload.size() > payload_capacity_) {
    return Status::InvalidArgument(
        region_.what, "payload of " + std::to_string(payload.size()) +
                          " bytes exceeds the maximum of " +
                          std::to_string(payload_capacity_));
  }
  std::vector<uint64_t> words;
  for (int round = 0; round < kPostRounds; round++) {
    Status s = ReadTable(&words);
    if (!s.ok()) return s;
    // Owners start their scans at different slots so they rarely race.
    const uint32_t start =
        (cursor_.fetch_add(1, std::memory_order_relaxed) + owner * 7919u) %
        slot_count_;
    bool saw_free = false;
    for (uint32_t i = 0; i < slot_count_; i++) {
      const uint32_t slot = (start + i) % slot_count_;
      const JobWord free = JobWord::Decode(words[slot]);
      if (free.state != JobState::kFree || !free.Valid()) continue;
      saw_free = true;
      JobWord reserved;
      reserved.state = JobState::kReserved;
      reserved.type = t;
      reserved.node = owner;
      reserved.serial = NextSerial(free.serial);
      uint64_t observed = 0;
      s = fabric_->CompareAndSwap64(WordAddr(slot), words[slot],
                                    reserved.Encode(), &observed);
      if (!s.ok()) return s;
      if (observed != words[slot]) continue;  // lost the race

      // The slot is ours: header, a blank result header and the payload in
      // one write, then the CAS that posts it, in one round trip (a batch
      // takes effect in order).
      std::string buf(job_slot::kHeadersLength + payload.size(), '\0');
      char* hdr = buf.data();
      auto at = [&](int offset) { return hdr + (offset - job_slot::kHeader); };
      EncodeFixed32(at(job_slot::kHeaderMagic), kJobHeaderMagic);
      EncodeFixed32(at(job_slot::kHeaderSerial), reserved.serial);
      *at(job_slot::kHeaderType) = static_cast<char>(t);
      EncodeFixed16(at(job_slot::kHeaderOwner), owner);
      EncodeFixed32(at(job_slot::kPayloadLength),
                    static_cast<uint32_t>(payload.size()));
      EncodeFixed64(at(job_slot::kPostMicros), WallMicros());
      EncodeFixed64(at(job_slot::kPayloadChecksum),
                    Checksum64(payload.data(), payload.size(),
                               PayloadSeed(SlotOffset(slot), reserved.serial)));
      EncodeFixed64(
          at(job_slot::kHeaderChecksum),
          Checksum64(hdr, job_slot::kHeaderChecksum - job_slot::kHeader,
                     SlotOffset(slot)));
      if (!payload.empty()) {
        memcpy(hdr + job_slot::kHeadersLength, payload.data(), payload.size());
      }
      JobWord posted = reserved;
      posted.state = JobState::kPosted;
      posted.node = offer_to;
      posted.attempt = 1;
      WorkRequest batch[2] = {
          WorkRequest::Write(SlotAddr(slot) + job_slot::kHeader, buf.data(),
                             buf.size()),
          WorkRequest::CompareAndSwap(WordAddr(slot), reserved.Encode(),
                                      posted.Encode(), &observed)};
      s = fabric_->Execute(batch);
      if (!s.ok()) return s;
      if (observed != reserved.Encode()) {
        return Status::Aborted(SlotWhat(slot),
                               "reserved slot taken away while posting: now " +
                                   JobWord::Decode(observed).ToString());
      }
      *ticket = JobTicket{slot, reserved.serial, 1};
      return fabric_->Ring(region_.start + kBellAOffset);
    }
    if (!saw_free) break;
  }
  return Status::Busy(
      region_.what,
      "job board full: all " + std::to_string(slot_count_) + " slots in use");
}

Status JobBoard::Inspect(const JobTicket& ticket, JobView* view) {
  Status s = CheckSlot(ticket.slot);
  if (!s.ok()) return s;
  uint64_t word = 0;
  char buf[job_slot::kHeaderEnd];
  WorkRequest batch[2] = {
      WorkRequest::Read(WordAddr(ticket.slot), &word, 8),
      WorkRequest::Read(SlotAddr(ticket.slot), buf, sizeof(buf))};
  s = fabric_->Execute(batch);
  if (!s.ok()) return s;
  s = CheckWord(ticket.slot, word);
  if (!s.ok()) return s;
  const JobWord w = JobWord::Decode(word);
  if (w.state == JobState::kFree || w.serial != ticket.serial) {
    return Status::NotFound(SlotWhat(ticket.slot),
                            "job serial " + std::to_string(ticket.serial) +
                                " is gone; the slot is " + w.ToString());
  }
  *view = JobView();
  view->slot = ticket.slot;
  view->serial = w.serial;
  view->state = w.state;
  view->type = static_cast<JobType>(w.type);
  view->attempt = w.attempt;
  view->heartbeat = DecodeFixed64(buf + job_slot::kHeartbeat);
  if (w.state == JobState::kReserved) {
    view->owner = w.node;
    return Status::OK();
  }
  if (w.state == JobState::kPosted) {
    view->offered_to = w.node;
  } else {
    view->executor = w.node;
  }
  Header h;
  s = DecodeHeader(ticket.slot, w, buf + job_slot::kHeader, &h);
  if (!s.ok()) return s;
  view->owner = h.owner;
  view->post_micros = h.post_micros;
  view->payload_length = h.payload_length;
  return Status::OK();
}

Status JobBoard::Cancel(const JobTicket& ticket) {
  Status s = CheckSlot(ticket.slot);
  if (!s.ok()) return s;
  uint64_t word = 0;
  s = ReadWord(ticket.slot, &word);
  if (!s.ok()) return s;
  const JobWord w = JobWord::Decode(word);
  if (w.state == JobState::kFree || w.serial != ticket.serial) {
    return Status::NotFound(
        SlotWhat(ticket.slot),
        "cancel: job serial " + std::to_string(ticket.serial) + " is gone");
  }
  if (w.state != JobState::kPosted) {
    return Status::Busy(SlotWhat(ticket.slot),
                        "cancel: job is " + w.ToString() + ", not posted");
  }
  uint64_t observed = 0;
  s = fabric_->CompareAndSwap64(WordAddr(ticket.slot), word, FreeWord(w.serial),
                                &observed);
  if (!s.ok()) return s;
  if (observed != word) {
    return Status::Busy(
        SlotWhat(ticket.slot),
        "cancel: job moved to " + JobWord::Decode(observed).ToString());
  }
  return Status::OK();
}

Status JobBoard::PostNextAttempt(JobTicket* ticket, uint16_t offer_to,
                                 uint32_t from, const char* op) {
  Status s = CheckSlot(ticket->slot);
  if (!s.ok()) return s;
  uint64_t word = 0;
  s = ReadWord(ticket->slot, &word);
  if (!s.ok()) return s;
  s = CheckWord(ticket->slot, word);
  if (!s.ok()) return s;
  const JobWord w = JobWord::Decode(word);
  const std::string what = SlotWhat(ticket->slot);
  if (w.state == JobState::kFree || w.serial != ticket->serial) {
    return Status::NotFound(what, std::string(op) + ": job serial " +
                                      std::to_string(ticket->serial) +
                                      " is gone");
  }
  if ((from & StateBit(w.state)) == 0 || w.attempt != ticket->attempt) {
    return Status::Busy(what, std::string(op) + ": job is " + w.ToString() +
                                  ", ticket expects attempt " +
                                  std::to_string(ticket->attempt));
  }
  if (w.attempt >= kMaxAttempt) {
    return Status::Aborted(what, std::string(op) + ": attempt limit " +
                                     std::to_string(kMaxAttempt) + " reached");
  }
  JobWord next = w;
  next.state = JobState::kPosted;
  next.node = offer_to;
  next.attempt = static_cast<uint16_t>(w.attempt + 1);
  uint64_t observed = 0;
  s = fabric_->CompareAndSwap64(WordAddr(ticket->slot), word, next.Encode(),
                                &observed);
  if (!s.ok()) return s;
  if (observed != word) {
    return Status::Busy(what, std::string(op) + ": job moved to " +
                                  JobWord::Decode(observed).ToString());
  }
  ticket->attempt = next.attempt;
  return fabric_->Ring(region_.start + kBellAOffset);
}

Status JobBoard::Repost(JobTicket* ticket, uint16_t offer_to) {
  return PostNextAttempt(ticket, offer_to, StateBit(JobState::kClaimed),
                         "repost");
}

Status JobBoard::Retry(JobTicket* ticket, uint16_t offer_to) {
  return PostNextAttempt(
      ticket, offer_to, StateBit(JobState::kDone) | StateBit(JobState::kFailed),
      "retry");
}

Status JobBoard::ReadResult(const JobTicket& ticket, bool* success,
                            std::string* result) {
  Status s = CheckSlot(ticket.slot);
  if (!s.ok()) return s;
  uint64_t word = 0;
  char rh[job_slot::kPayload - job_slot::kResult];
  std::string data(result_capacity_, '\0');
  WorkRequest batch[3] = {
      WorkRequest::Read(WordAddr(ticket.slot), &word, 8),
      WorkRequest::Read(SlotAddr(ticket.slot) + job_slot::kResult, rh,
                        sizeof(rh)),
      WorkRequest::Read(ResultAreaAddr(ticket.slot), data.data(), data.size())};
  s = fabric_->Execute(batch);
  if (!s.ok()) return s;
  s = CheckWord(ticket.slot, word);
  if (!s.ok()) return s;
  const JobWord w = JobWord::Decode(word);
  const std::string what = SlotWhat(ticket.slot);
  if (w.state == JobState::kFree || w.serial != ticket.serial) {
    return Status::NotFound(
        what,
        "result: job serial " + std::to_string(ticket.serial) + " is gone");
  }
  if (!IsFinished(w.state) || w.attempt != ticket.attempt) {
    return Status::Busy(
        what, "result: job is " + w.ToString() + ", ticket expects attempt " +
                  std::to_string(ticket.attempt) + " done or failed");
  }
  auto at = [&](int offset) { return rh + (offset - job_slot::kResult); };
  const uint32_t magic = DecodeFixed32(at(job_slot::kResultMagic));
  const uint32_t serial = DecodeFixed32(at(job_slot::kResultSerial));
  const uint16_t attempt = DecodeFixed16(at(job_slot::kResultAttempt));
  const uint16_t executor = DecodeFixed16(at(job_slot::kResultExecutor));
  const uint32_t length = DecodeFixed32(at(job_slot::kResultLength));
  const uint32_t flags = DecodeFixed32(at(job_slot::kResultFlags));
  if (magic != kJobResultMagic) {
    return Status::Corruption(what, "result: bad magic " + Hex(magic));
  }
  if (serial != w.serial || attempt != w.attempt || executor != w.node) {
    return Status::Corruption(what, "result written by serial " +
                                        std::to_string(serial) + " attempt " +
                                        std::to_string(attempt) + " node " +
                                        std::to_string(executor) +
                                        ", but the job is " + w.ToString());
  }
  if (length > result_capacity_) {
    return Status::Corruption(what, "result length " + std::to_string(length) +
                                        " exceeds the result area of " +
                                        std::to_string(result_capacity_));
  }
  const uint64_t stored = DecodeFixed64(at(job_slot::kResultChecksum));
  const uint64_t computed = Checksum64Extend(
      Checksum64(rh, job_slot::kResultChecksum - job_slot::kResult,
                 SlotOffset(ticket.slot)),
      data.data(), length);
  if (stored != computed) {
    return Status::Corruption(what, "result checksum mismatch: stored " +
                                        Hex(stored) + ", computed " +
                                        Hex(computed));
  }
  const bool ok = (flags & kResultSuccess) != 0;
  if (ok != (w.state == JobState::kDone)) {
    return Status::Corruption(what, std::string("result says ") +
                                        (ok ? "success" : "failure") +
                                        " but the job is " + w.ToString());
  }
  *success = ok;
  data.resize(length);
  *result = std::move(data);
  return Status::OK();
}

Status JobBoard::Release(const JobTicket& ticket) {
  Status s = CheckSlot(ticket.slot);
  if (!s.ok()) return s;
  uint64_t word = 0;
  s = ReadWord(ticket.slot, &word);
  for (int round = 0; s.ok() && round < kReleaseRounds; round++) {
    s = CheckWord(ticket.slot, word);
    if (!s.ok()) return s;
    const JobWord w = JobWord::Decode(word);
    if (w.state == JobState::kFree || w.serial != ticket.serial) {
      return Status::NotFound(
          SlotWhat(ticket.slot),
          "release: job serial " + std::to_string(ticket.serial) + " is gone");
    }
    uint64_t observed = 0;
    s = fabric_->CompareAndSwap64(WordAddr(ticket.slot), word,
                                  FreeWord(w.serial), &observed);
    if (s.ok() && observed == word) return Status::OK();
    word = observed;  // the state moved (claimed, completed): try again
  }
  if (!s.ok()) return s;
  return Status::Busy(SlotWhat(ticket.slot), "release: the state keeps moving");
}

Status JobBoard::List(std::vector<JobView>* views) {
  views->clear();
  std::vector<uint64_t> words;
  Status s = ReadTable(&words);
  if (!s.ok()) return s;
  std::vector<uint32_t> busy;
  for (uint32_t slot = 0; slot < slot_count_; slot++) {
    const JobWord w = JobWord::Decode(words[slot]);
    if (w.state != JobState::kFree || !w.Valid()) busy.push_back(slot);
  }
  if (busy.empty()) return Status::OK();
  // Each slot's word is read again just before its header, in one batch:
  // the header then belongs to the word (or the word shows why not).
  std::vector<uint64_t> again(busy.size());
  std::vector<char> heads(busy.size() * job_slot::kHeaderEnd);
  std::vector<WorkRequest> batch;
  batch.reserve(busy.size() * 2);
  for (size_t i = 0; i < busy.size(); i++) {
    batch.push_back(WorkRequest::Read(WordAddr(busy[i]), &again[i], 8));
    batch.push_back(WorkRequest::Read(SlotAddr(busy[i]),
                                      &heads[i * job_slot::kHeaderEnd],
                                      job_slot::kHeaderEnd));
  }
  s = fabric_->Execute(batch);
  if (!s.ok()) return s;
  for (size_t i = 0; i < busy.size(); i++) {
    const uint32_t slot = busy[i];
    const JobWord w = JobWord::Decode(again[i]);
    const char* head = &heads[i * job_slot::kHeaderEnd];
    if (w.state == JobState::kFree && w.Valid()) continue;
    JobView v;
    v.slot = slot;
    v.serial = w.serial;
    v.state = w.state;
    v.type = static_cast<JobType>(w.type);
    v.attempt = w.attempt;
    v.heartbeat = DecodeFixed64(head + job_slot::kHeartbeat);
    if (!w.Valid()) {
      v.corruption =
          "state word " + Hex(again[i]) + " is not a valid job state";
    } else if (w.state == JobState::kReserved) {
      v.owner = w.node;
    } else {
      if (w.state == JobState::kPosted) {
        v.offered_to = w.node;
      } else {
        v.executor = w.node;
      }
      Header h;
      s = DecodeHeader(slot, w, head + job_slot::kHeader, &h);
      if (s.ok()) {
        v.owner = h.owner;
        v.post_micros = h.post_micros;
        v.payload_length = h.payload_length;
      } else {
        v.corruption = std::string(s.message());
      }
    }
    views->push_back(std::move(v));
  }
  return Status::OK();
}

Status JobBoard::ReleaseStale(uint16_t owner, uint32_t* released) {
  if (released != nullptr) *released = 0;
  std::vector<JobView> views;
  Status s = List(&views);
  if (!s.ok()) return s;
  for (const JobView& v : views) {
    if (!v.corruption.empty() || v.owner != owner) continue;
    s = Release(v.ticket());
    if (s.IsNotFound()) continue;  // released by someone else meanwhile
    if (!s.ok()) return s;
    if (released != nullptr) (*released)++;
  }
  return Status::OK();
}

Status JobBoard::ResetSlot(uint32_t slot) {
  Status s = CheckSlot(slot);
  if (!s.ok()) return s;
  uint64_t word = 0;
  s = ReadWord(slot, &word);
  for (int round = 0; s.ok() && round < kReleaseRounds; round++) {
    // A new serial: whoever still acts on the old use of the slot (or on
    // whatever a garbage word pretended) fails its next CAS.
    const uint64_t fresh = FreeWord(NextSerial(JobWord::Decode(word).serial));
    uint64_t observed = 0;
    s = fabric_->CompareAndSwap64(WordAddr(slot), word, fresh, &observed);
    if (s.ok() && observed == word) return Status::OK();
    word = observed;
  }
  if (!s.ok()) return s;
  return Status::Busy(SlotWhat(slot), "reset: the state keeps moving");
}

Status JobBoard::WaitForCompletion(uint64_t* seen,
                                   std::chrono::nanoseconds timeout) {
  return fabric_->WaitOnWord(region_.start + kBellBOffset, *seen, timeout,
                             seen);
}

}  // namespace o3lsm::cluster
