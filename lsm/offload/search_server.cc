// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/search_server.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "util/checksum.h"
#include "util/clock.h"

namespace o3lsm {

namespace {

// How long an idle thread sleeps on the bell before it heartbeats.
constexpr auto kIdleWait = std::chrono::milliseconds(100);
// How long a thread that found no request watches the bell before it
// sleeps.
constexpr uint64_t kSpinMicros = 50;

uint64_t ThreadCpuMicros() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000 +
         static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Error messages in a reply are cut to this many bytes.
constexpr size_t kMaxMessage = 64;

void SetError(SearchOutcome outcome, const Status& s, SearchKeyReply* r) {
  r->outcome = outcome;
  r->value = s.ToString().substr(0, kMaxMessage);
}

// Copies [offset, offset + n) of the pool into *out; false where the range
// is not in the pool.
bool CopyOut(fabric::Fabric* fabric, uint64_t offset, size_t n,
             std::string* out) {
  const void* view = fabric->LocalView(fabric::DmAddr(fabric->pool_id(), offset),
                                       n);
  if (view == nullptr) return false;
  out->resize(n);
  fabric::CopyFromView(out->data(), view, n);
  return true;
}

// The entry of a decided lookup: where it lies in the image, its bytes'
// checksum.
void NoteEntry(const char* entry, const char* limit, uint32_t offset,
               SearchKeyReply* r) {
  Slice ikey, value;
  const char* end = DecodeSegmentEntry(entry, limit, &ikey, &value);
  if (end == nullptr) return;  // the range lookup decoded it already
  r->entry_offset = offset;
  r->entry_length = static_cast<uint32_t>(end - entry);
  r->entry_checksum = Checksum32(entry, r->entry_length, offset);
}

// Looks lkey up in one target, as DmSegment::Get does but on bytes copied
// out of the pool here. True if the target decides the key (*r set).
bool SearchTargetHere(fabric::Fabric* fabric, const SearchTarget& t,
                      const LookupKey& lkey, SearchKeyReply* r) {
  const uint64_t image = t.segment + SegmentHeader::kEncodedLength;
  auto corrupt = [&](const char* why) {
    SetError(SearchOutcome::kCorruption, Status::Corruption("DM segment", why),
             r);
    return true;
  };
  Status s;
  RangeHit hit;
  std::string buf;
  for (int f = 0; f < t.num_fences; f++) {
    const SegmentIndex::Fence& fence = t.fences[f];
    RangeLookup lookup;
    if (t.layout == SegmentLayout::kSortedImage) {
      if (uint64_t{fence.offset} + fence.length > t.image_length) {
        return corrupt("fence outside the image");
      }
      if (!CopyOut(fabric, image + fence.offset, fence.length, &buf)) {
        return corrupt("fence outside the pool");
      }
      lookup = GetFromFencedRange(fence, buf.data(), lkey, &r->value, &s, &hit);
      if (lookup == RangeLookup::kDecided && (s.ok() || s.IsNotFound())) {
        const uint64_t at = uint64_t{hit.at} - fence.offset + kImageLinkSize;
        NoteEntry(buf.data() + at, buf.data() + buf.size(),
                  hit.at + kImageLinkSize, r);
      }
    } else {
      if (fence.length == 0 || fence.length > kFenceInterval) {
        return corrupt("bad fence length");
      }
      std::string order;
      if (!CopyOut(fabric,
                   t.segment + t.order_offset +
                       uint64_t{fence.offset} * kOrderRecordSize,
                   size_t{fence.length} * kOrderRecordSize, &order)) {
        return corrupt("order records outside the pool");
      }
      OrderRecord records[kFenceInterval];
      s = DecodeFenceRecords(fence, order.data(), t.image_length, records);
      if (!s.ok()) {
        SetError(SearchOutcome::kCorruption, s, r);
        return true;
      }
      size_t total = 0;
      for (uint32_t k = 0; k < fence.length; k++) total += records[k].length;
      buf.resize(total);
      size_t pos = 0;
      for (uint32_t k = 0; k < fence.length; k++) {
        const void* view = fabric->LocalView(
            fabric::DmAddr(fabric->pool_id(), image + records[k].offset),
            records[k].length);
        if (view == nullptr) return corrupt("entry outside the pool");
        fabric::CopyFromView(buf.data() + pos, view, records[k].length);
        pos += records[k].length;
      }
      lookup = GetFromFencedEntries(fence, records, 0, fence.length,
                                    buf.data(), lkey, &r->value, &s, &hit);
      if (lookup == RangeLookup::kDecided && (s.ok() || s.IsNotFound()) &&
          hit.at < fence.length) {
        size_t at = 0;
        for (uint32_t k = 0; k < hit.at; k++) at += records[k].length;
        NoteEntry(buf.data() + at, buf.data() + at + records[hit.at].length,
                  records[hit.at].offset, r);
      }
    }
    if (lookup == RangeLookup::kAbsent) return false;
    if (lookup == RangeLookup::kDecided) {
      if (s.ok()) {
        r->outcome = SearchOutcome::kValue;
      } else if (s.IsNotFound()) {
        r->outcome = SearchOutcome::kDeletion;
        r->value.clear();
      } else {
        SetError(SearchOutcome::kCorruption, s, r);
        return true;
      }
      r->sequence = hit.sequence;
      return true;
    }
    // kPastRange: the next fence, if the request sent it.
  }
  return false;
}

}  // namespace

int64_t SearchServer::Answer(fabric::Fabric* fabric, const Slice& bytes,
                            uint64_t id, size_t capacity, std::string* out) {
  SearchRequest request;
  SearchReply reply;
  reply.id = id;
  Status s = DecodeSearchRequest(bytes, &request);
  if (s.ok() && request.id != id) {
    s = Status::Corruption("search request", "id does not match its slot");
  }
  if (s.ok()) {
    reply.keys.resize(request.keys.size());
    for (size_t k = 0; k < request.keys.size(); k++) {
      const SearchKey& key = request.keys[k];
      const Slice ik(key.lookup_key);
      const LookupKey lkey(ExtractUserKey(ik), ExtractTag(ik) >> 8);
      SearchKeyReply& r = reply.keys[k];
      for (size_t t = 0; t < key.targets.size(); t++) {
        if (SearchTargetHere(fabric, key.targets[t], lkey, &r)) {
          r.target = static_cast<uint32_t>(t);
          break;
        }
      }
    }
    // Values that do not fit stay where they are, largest first.
    size_t total = kSearchReplyOverhead;
    std::vector<size_t> inline_values;
    for (size_t k = 0; k < reply.keys.size(); k++) {
      total += SearchKeyReplyLength(reply.keys[k].value.size());
      if (reply.keys[k].outcome == SearchOutcome::kValue) {
        inline_values.push_back(k);
      }
    }
    std::sort(inline_values.begin(), inline_values.end(),
              [&](size_t a, size_t b) {
                return reply.keys[a].value.size() > reply.keys[b].value.size();
              });
    for (size_t k : inline_values) {
      if (total <= capacity) break;
      SearchKeyReply& r = reply.keys[k];
      if (r.entry_length == 0) continue;  // cannot be pointed at
      total -= SearchKeyReplyLength(r.value.size()) - SearchKeyReplyLength(0);
      r.outcome = SearchOutcome::kValueElsewhere;
      r.value.clear();
    }
    if (total > capacity) {
      s = Status::InvalidArgument("search request", "reply too large");
    }
  }
  if (!s.ok()) {
    reply.keys.assign(1, SearchKeyReply());
    SetError(SearchOutcome::kRejected, s, &reply.keys[0]);
  }
  out->clear();
  EncodeSearchReply(reply, out);
  return s.ok() ? static_cast<int64_t>(reply.keys.size()) : -1;
}

Status SearchServer::Start(fabric::Fabric* fabric, SearchServerOptions options,
                           std::unique_ptr<SearchServer>* server) {
  if (fabric->LocalView(fabric->RegionStart(fabric::RegionKind::kMailboxes),
                        8) == nullptr) {
    return Status::NotSupported("delegated search",
                                "the pool is not mapped in this process");
  }
  Status s = SearchMailboxes::EnsureFormatted(fabric);
  std::unique_ptr<SearchMailboxes> mailboxes;
  if (s.ok()) s = SearchMailboxes::Open(fabric, &mailboxes);
  if (!s.ok()) return s;
  options.threads = std::max(1, options.threads);
  // The mailboxes stay where they are: map them once.
  char* area = static_cast<char*>(fabric->LocalView(
      mailboxes->Header(SearchMailboxes::kMagicWord), mailboxes->area_bytes()));
  if (area == nullptr) {
    return Status::Corruption("search mailboxes", "outside the pool");
  }
  server->reset(new SearchServer(fabric, std::move(options),
                                 std::move(mailboxes), area));
  return Status::OK();
}

SearchServer::SearchServer(fabric::Fabric* fabric, SearchServerOptions options,
                           std::unique_ptr<SearchMailboxes> mailboxes,
                           char* area)
    : fabric_(fabric),
      options_(std::move(options)),
      mailboxes_(std::move(mailboxes)),
      area_(area) {
  // One memory node serves a pool: its count replaces what a crashed
  // predecessor left.
  HeaderWord(SearchMailboxes::kServerThreads)
      .store(static_cast<uint64_t>(options_.threads),
             std::memory_order_release);
  // Alive from now on: a client that looks at once sees a heartbeat.
  HeaderWord(SearchMailboxes::kServerHeartbeat)
      .fetch_add(1, std::memory_order_release);
  for (int i = 0; i < options_.threads; i++) {
    threads_.emplace_back([this] { Loop(); });
  }
  Log(options_.info_log.get(),
      "delegated search: %d threads serving %u mailboxes", options_.threads,
      mailboxes_->slot_count());
}

SearchServer::~SearchServer() { Stop(); }

void SearchServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_.store(true, std::memory_order_release);
  HeaderWord(SearchMailboxes::kServerThreads)
      .store(0, std::memory_order_release);
  fabric_->Ring(mailboxes_->Header(SearchMailboxes::kRequestBell))
      .PermitUncheckedError();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

SearchServer::Stats SearchServer::stats() const {
  Stats st;
  st.requests = requests_.load(std::memory_order_relaxed);
  st.keys = keys_.load(std::memory_order_relaxed);
  st.rejected = rejected_.load(std::memory_order_relaxed);
  st.busy_micros = busy_micros_.load(std::memory_order_relaxed);
  return st;
}

void SearchServer::Loop() {
  const fabric::DmAddr bell_addr =
      mailboxes_->Header(SearchMailboxes::kRequestBell);
  auto bell = HeaderWord(SearchMailboxes::kRequestBell);
  auto heartbeat = HeaderWord(SearchMailboxes::kServerHeartbeat);
  uint64_t last_beat = 0;
  uint64_t idle_since = 0;
  while (!stop_.load(std::memory_order_acquire)) {
    // Read the bell before looking, so that a ring during the scan ends
    // the wait below at once.
    const uint64_t rung = bell.load(std::memory_order_acquire);
    bool served = false;
    for (uint32_t slot = 0; slot < mailboxes_->slot_count(); slot++) {
      served |= ServeSlot(slot);
    }
    const uint64_t now = SteadyMicros();
    if (now - last_beat >= 50'000) {
      heartbeat.fetch_add(1, std::memory_order_relaxed);
      last_beat = now;
    }
    if (served) {
      idle_since = 0;
      continue;
    }
    // Just idle: watch the bell a little before sleeping, so that a busy
    // compute node's next request finds this thread awake. Idle longer:
    // sleep in the kernel until the bell rings.
    if (idle_since == 0) idle_since = now;
    if (now - idle_since < kSpinMicros) {
      if (bell.load(std::memory_order_acquire) == rung) CpuRelax();
      continue;
    }
    idle_since = 0;
    fabric_->WaitOnWord(bell_addr, rung, kIdleWait, nullptr)
        .PermitUncheckedError();
  }
}

bool SearchServer::ServeSlot(uint32_t slot) {
  using MB = SearchMailboxes;
  if (SlotWord(slot, MB::kOwner).load(std::memory_order_acquire) == 0) {
    return false;
  }
  auto request = SlotWord(slot, MB::kRequest);
  auto reply = SlotWord(slot, MB::kReply);
  auto taken = SlotWord(slot, MB::kTaken);
  const uint64_t word = request.load(std::memory_order_acquire);
  const uint64_t id = word & MB::kIdMask;
  if (id == 0 || (reply.load(std::memory_order_acquire) & MB::kIdMask) == id) {
    return false;
  }
  // Take it, forward only: the request word read above may be stale by
  // now (served by another thread, and newer ones after it), and taking an
  // old id back would serve a body that is no longer its request.
  uint64_t seen = taken.load(std::memory_order_acquire);
  const uint64_t ahead = (id - seen) & MB::kIdMask;
  if (ahead == 0 || ahead > (MB::kIdMask >> 1) ||
      !taken.compare_exchange_strong(seen, id)) {
    return false;
  }
  if ((request.load(std::memory_order_acquire) & MB::kIdMask) != id) {
    return true;  // replaced meanwhile: scan again for the newer one
  }

  // CPU time, not wall time: what a request costs the memory node, however
  // long its thread waited for a core.
  const uint64_t start = ThreadCpuMicros();
  const auto hold_until = std::chrono::steady_clock::now() + options_.debug_delay;
  while (std::chrono::steady_clock::now() < hold_until) {
    if (stop_.load(std::memory_order_acquire)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const size_t capacity = mailboxes_->body_capacity();
  const size_t length = word >> MB::kIdBits;
  char* body = area_ + MB::SlotOffset(slot, MB::kBodyOffset);
  std::string in(std::min(length, capacity), '\0');
  fabric::CopyFromView(in.data(), body, in.size());
  std::string out;
  const int64_t keys = Answer(
      fabric_, length <= capacity ? Slice(in) : Slice(), id, capacity, &out);
  if (keys < 0) rejected_.fetch_add(1, std::memory_order_relaxed);
  // The owner may have given up and posted anew: leave that one alone.
  if ((request.load(std::memory_order_acquire) & MB::kIdMask) == id &&
      out.size() <= capacity) {
    fabric::CopyToView(body, out.data(), out.size());
    reply.store(MB::MessageWord(out.size(), id), std::memory_order_release);
    fabric_->Wake(mailboxes_->Slot(slot, MB::kReply)).PermitUncheckedError();
  }
  const uint64_t spent = ThreadCpuMicros() - start;
  requests_.fetch_add(1, std::memory_order_relaxed);
  keys_.fetch_add(keys > 0 ? static_cast<uint64_t>(keys) : 0,
                  std::memory_order_relaxed);
  busy_micros_.fetch_add(spent, std::memory_order_relaxed);
  HeaderWord(MB::kServed).fetch_add(1, std::memory_order_relaxed);
  HeaderWord(MB::kServeMicros).fetch_add(spent, std::memory_order_relaxed);
  return true;
}

}  // namespace o3lsm
