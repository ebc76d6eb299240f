// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/dm_read_path.h"
#include "util/clock.h"

#include <algorithm>
#include <optional>
#include <cstdio>

namespace o3lsm {

namespace {

// At most this often (per bucket of candidates) one lookup takes the way
// the estimates do not favour, so that both follow a changing fabric and
// load; and no more often than keeps what the other way costs above the
// best one under kExploreBudget of the time. The first exploration comes
// this long after the first lookup that could explore.
constexpr uint64_t kExploreEveryNs = 50'000'000;
constexpr double kExploreBudget = 0.01;
// Above this utilization of the memory node's search threads, lookups stay
// one-sided (but for exploration).
constexpr double kSaturated = 0.9;

// What the key-offset cache holds per user key.
struct CachedOffset {
  uint64_t segment_id;
  SequenceNumber sequence;
  uint32_t offset;
  uint32_t length;
  uint32_t checksum;
};

void DeleteCachedOffset(const Slice&, void* value) {
  delete static_cast<CachedOffset*>(value);
}

}  // namespace

DmReadPath::DmReadPath(DmReadMode mode, std::unique_ptr<SearchClient> client,
                       size_t key_cache_bytes, Statistics* statistics)
    : mode_(mode), client_(std::move(client)), statistics_(statistics) {
  if (key_cache_bytes > 0 &&
      (mode == DmReadMode::kAdaptive || mode == DmReadMode::kCached)) {
    key_cache_ = NewLRUCache(key_cache_bytes);
  }
}

size_t DmReadPath::BucketOf(size_t candidates) {
  if (candidates <= 1) return 0;
  if (candidates == 2) return 1;
  if (candidates <= 4) return 2;
  if (candidates <= 8) return 3;
  return 4;
}

void DmReadPath::Note(std::atomic<double>* estimate, uint64_t nanos) {
  // Racy read-modify-write: an estimate, not a count.
  const double old = estimate->load(std::memory_order_relaxed);
  const double sample = static_cast<double>(nanos);
  estimate->store(old == 0 ? sample : old * 0.9 + sample * 0.1,
                  std::memory_order_relaxed);
}

bool DmReadPath::TimeToExplore(std::atomic<uint64_t>* last, double best,
                               double other) {
  const uint64_t now = SteadyNanos();
  uint64_t then = last->load(std::memory_order_relaxed);
  if (then == 0) {
    // The first decision starts the clock: exploring at once would put
    // its cost on the first lookups, which often come right after a load
    // (measured: a delegation of 0.5-1.1 ms, and the time slice of the
    // background work that takes the core meanwhile, made a 5,000-read
    // readrandom 11% slower than one-sided alone).
    last->compare_exchange_strong(then, now, std::memory_order_relaxed);
    return false;
  }
  // A way 1 ms slower is tried every 100 ms, not every 50: a 1% toll.
  const uint64_t every = std::max<uint64_t>(
      kExploreEveryNs,
      static_cast<uint64_t>(std::max(0.0, other - best) / kExploreBudget));
  return now - then >= every &&
         last->compare_exchange_strong(then, now, std::memory_order_relaxed);
}

std::optional<DmReadPath::Way> DmReadPath::ForcedWay() {
  if (client_ == nullptr || mode_ == DmReadMode::kOneSided ||
      !client_->ServerAlive()) {
    return Way::kOneSided;
  }
  if (mode_ == DmReadMode::kDelegated || mode_ == DmReadMode::kCached) {
    return Way::kDelegated;
  }
  return std::nullopt;
}

DmReadPath::Way DmReadPath::Choose(size_t candidates, bool* exploring) {
  *exploring = false;
  if (const std::optional<Way> forced = ForcedWay()) return *forced;
  const size_t b = BucketOf(candidates);
  const double one = one_sided_ns_[b].load(std::memory_order_relaxed);
  double del = delegated_ns_[b].load(std::memory_order_relaxed);
  if (del == 0) {
    // A delegation costs about the same whatever the candidates: borrow
    // the nearest bucket's estimate rather than paying to measure each.
    for (size_t d = 1; d < kBuckets && del == 0; d++) {
      if (b >= d) del = delegated_ns_[b - d].load(std::memory_order_relaxed);
      if (del == 0 && b + d < kBuckets) {
        del = delegated_ns_[b + d].load(std::memory_order_relaxed);
      }
    }
  }
  if (one == 0) return Way::kOneSided;  // measure the free way first
  if (del == 0) {
    // Never delegated yet: once, when exploring is due.
    *exploring = TimeToExplore(&explored_ns_, one, one);
    return *exploring ? Way::kDelegated : Way::kOneSided;
  }
  const bool saturated = client_->server_load() > kSaturated;
  const Way best = !saturated && del < one ? Way::kDelegated : Way::kOneSided;
  const bool explore = best == Way::kOneSided
                           ? TimeToExplore(&explored_ns_, one, del)
                           : TimeToExplore(&explored_ns_, del, one);
  if (!explore) return best;
  *exploring = true;
  return best == Way::kOneSided ? Way::kDelegated : Way::kOneSided;
}

std::chrono::nanoseconds DmReadPath::ExplorationTimeout(
    double one_sided_ns) const {
  return std::clamp<std::chrono::nanoseconds>(
      std::chrono::nanoseconds(static_cast<int64_t>(one_sided_ns * 20)),
      std::chrono::microseconds(250), DelegationTimeout());
}

std::chrono::nanoseconds DmReadPath::DelegationTimeout() const {
  // From the answers that came, not from the waits that gave up: a slow
  // memory node must not make its readers wait longer each time.
  const double answered = answered_ns_.load(std::memory_order_relaxed);
  if (answered == 0) return std::chrono::milliseconds(100);
  const auto t = std::chrono::nanoseconds(static_cast<int64_t>(answered * 20));
  return std::clamp<std::chrono::nanoseconds>(t, std::chrono::milliseconds(10),
                                              std::chrono::milliseconds(200));
}

bool DmReadPath::Get(const LookupKey& key,
                     const std::vector<const DmSegment*>& candidates,
                     std::string* value, Status* s) {
  counters_.lookups.fetch_add(1, std::memory_order_relaxed);
  counters_.candidates.fetch_add(candidates.size(), std::memory_order_relaxed);
  if (key_cache_ != nullptr &&
      remembered_.load(std::memory_order_relaxed) > 0) {
    // A hit is answered; so is a newer segment that decides the key first.
    Status cs;
    std::string cv;
    if (GetCached(key, candidates, &cv, &cs)) {
      *value = std::move(cv);
      *s = cs;
      return true;
    }
  }
  return GetUncached(key, candidates, value, s);
}

bool DmReadPath::GetCached(const LookupKey& key,
                           const std::vector<const DmSegment*>& candidates,
                           std::string* value, Status* s) {
  Cache::Handle* h = key_cache_->Lookup(key.user_key());
  if (h == nullptr) {
    Count(&counters_.cache_misses, kDmKeyCacheMiss);
    return false;
  }
  const CachedOffset at = *static_cast<CachedOffset*>(key_cache_->Value(h));
  key_cache_->Release(h);
  size_t j = 0;
  while (j < candidates.size() &&
         candidates[j]->header().segment_id != at.segment_id) {
    j++;
  }
  if (j == candidates.size()) {
    // Flushed (or not this reader's): its DM may be gone.
    key_cache_->Erase(key.user_key());
    counters_.cache_stale.fetch_add(1, std::memory_order_relaxed);
    Count(&counters_.cache_misses, kDmKeyCacheMiss);
    return false;
  }
  if (at.sequence > key.sequence()) {
    // Too new for this snapshot.
    Count(&counters_.cache_misses, kDmKeyCacheMiss);
    return false;
  }
  if (j > 0) {
    // Newer segments may hold a newer version: they go first.
    const std::vector<const DmSegment*> newer(candidates.begin(),
                                              candidates.begin() + j);
    if (GetUncached(key, newer, value, s)) return true;
  }
  Status rs;
  counters_.round_trips.fetch_add(1, std::memory_order_relaxed);
  if (candidates[j]->ReadEntry(at.offset, at.length, at.checksum, key, value,
                               &rs) &&
      !rs.IsCorruption()) {
    *s = rs;
    Count(&counters_.cache_hits, kDmKeyCacheHit);
    return true;
  }
  // Damaged (or unreadable): forget it; the full search checks the bytes
  // by their fences and says what it finds.
  key_cache_->Erase(key.user_key());
  counters_.cache_damaged.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void DmReadPath::Remember(const LookupKey& key, const DmSegment* segment,
                          const SearchKeyReply& r) {
  if (key_cache_ == nullptr || r.entry_length == 0 ||
      (r.outcome != SearchOutcome::kValue &&
       r.outcome != SearchOutcome::kDeletion &&
       r.outcome != SearchOutcome::kValueElsewhere) ||
      key.sequence() < segment->header().largest_seq) {
    return;  // not surely the segment's newest version of the key
  }
  remembered_.fetch_add(1, std::memory_order_relaxed);
  auto* at = new CachedOffset{segment->header().segment_id, r.sequence,
                              r.entry_offset, r.entry_length,
                              r.entry_checksum};
  key_cache_->Release(key_cache_->Insert(
      key.user_key(), at, key.user_key().size() + sizeof(CachedOffset) + 32,
      DeleteCachedOffset));
}

bool DmReadPath::GetUncached(const LookupKey& key,
                             const std::vector<const DmSegment*>& candidates,
                             std::string* value, Status* s) {
  const size_t b = BucketOf(candidates.size());
  const uint64_t start = SteadyNanos();
  bool exploring = false;
  if (Choose(candidates.size(), &exploring) == Way::kDelegated) {
    // An exploring delegation waits only as long as could still make it
    // the better way (measured: the first one after a fill waited 0.5-4 ms
    // for a memory node busy with the fill's flushes).
    const std::chrono::nanoseconds timeout =
        exploring ? ExplorationTimeout(
                        one_sided_ns_[b].load(std::memory_order_relaxed))
                  : DelegationTimeout();
    bool decided = false;
    if (GetDelegated(key, candidates, timeout, &decided, value, s)) {
      const uint64_t spent = SteadyNanos() - start;
      Note(&delegated_ns_[b], spent);
      Count(&counters_.delegated, kDmLookupsDelegated);
      counters_.delegated_nanos.fetch_add(spent, std::memory_order_relaxed);
      return decided;
    }
    // The delegation failed: what it cost counts against it.
    Note(&delegated_ns_[b], SteadyNanos() - start);
    Count(&counters_.fallbacks, kDmDelegationFallbacks);
  }
  const uint64_t one_start = SteadyNanos();
  const bool decided = GetOneSided(key, candidates, value, s);
  const uint64_t spent = SteadyNanos() - one_start;
  Note(&one_sided_ns_[b], spent);
  Count(&counters_.one_sided, kDmLookupsOneSided);
  counters_.one_sided_nanos.fetch_add(spent, std::memory_order_relaxed);
  return decided;
}

bool DmReadPath::GetOneSided(const LookupKey& key,
                             const std::vector<const DmSegment*>& candidates,
                             std::string* value, Status* s) {
  uint64_t read = 0;
  bool decided = false;
  uint64_t trips = 0;
  for (const DmSegment* segment : candidates) {
    read++;
    trips += segment->index().layout() == SegmentLayout::kArenaCopy ? 2 : 1;
    if (segment->GetUnfiltered(key, value, s)) {
      decided = true;
      break;
    }
  }
  counters_.segments_read.fetch_add(read, std::memory_order_relaxed);
  counters_.round_trips.fetch_add(trips, std::memory_order_relaxed);
  return decided;
}

bool DmReadPath::ApplyReply(const SearchKeyReply& r, const LookupKey& key,
                            const std::vector<const DmSegment*>& targets,
                            std::string* value, Status* s) {
  if (r.outcome == SearchOutcome::kAbsent) return false;
  if (r.target >= targets.size() || r.sequence > key.sequence()) {
    *s = Status::Corruption("search reply", "names no segment asked");
    return true;
  }
  if ((r.outcome == SearchOutcome::kValue ||
       r.outcome == SearchOutcome::kValueElsewhere) &&
      r.sequence < key.range_deleted_below()) {
    // The memory node knows no range tombstone: the lookup applies them.
    *s = Status::NotFound(Slice());
    return true;
  }
  switch (r.outcome) {
    case SearchOutcome::kValue:
      value->assign(r.value);
      *s = Status::OK();
      return true;
    case SearchOutcome::kDeletion:
      *s = Status::NotFound(Slice());
      return true;
    case SearchOutcome::kValueElsewhere:
      counters_.entry_reads.fetch_add(1, std::memory_order_relaxed);
      counters_.round_trips.fetch_add(1, std::memory_order_relaxed);
      return targets[r.target]->ReadEntry(r.entry_offset, r.entry_length,
                                          r.entry_checksum, key, value, s);
    case SearchOutcome::kCorruption:
      *s = Status::Corruption("DM segment (searched by the memory node)",
                              r.value);
      return true;
    case SearchOutcome::kAbsent:
    case SearchOutcome::kRejected:
      break;
  }
  *s = Status::Corruption("search reply", "unexpected outcome");
  return true;
}

void DmReadPath::MakeSearchKey(const LookupKey& key,
                               const std::vector<const DmSegment*>& candidates,
                               SearchKey* sk,
                               std::vector<const DmSegment*>* targets) {
  sk->lookup_key = key.internal_key().ToString();
  sk->targets.reserve(candidates.size());
  targets->reserve(candidates.size());
  for (const DmSegment* segment : candidates) {
    SearchTarget t;
    if (segment->SearchTargetFor(key, &t)) {
      sk->targets.push_back(t);
      targets->push_back(segment);
    }
  }
}

bool DmReadPath::GetDelegated(const LookupKey& key,
                              const std::vector<const DmSegment*>& candidates,
                              std::chrono::nanoseconds timeout, bool* decided,
                              std::string* value, Status* s) {
  SearchRequest request;
  request.keys.resize(1);
  SearchKey& sk = request.keys[0];
  std::vector<const DmSegment*> targets;
  MakeSearchKey(key, candidates, &sk, &targets);
  if (targets.empty()) {
    *decided = false;
    return true;
  }
  if (kSearchRequestOverhead + SearchKeyEncodedLength(sk) >
      client_->capacity()) {
    return false;  // a huge key: one-sided
  }
  SearchReply reply;
  if (!Search(&request, &reply, timeout)) return false;
  const SearchKeyReply& r = reply.keys[0];
  *decided = ApplyReply(r, key, targets, value, s);
  if (*decided && r.target < targets.size() && (s->ok() || s->IsNotFound())) {
    Remember(key, targets[r.target], r);
  }
  return true;
}

bool DmReadPath::Search(SearchRequest* request, SearchReply* reply,
                        std::chrono::nanoseconds timeout) {
  const uint64_t start = SteadyNanos();
  int trips = 0;
  const Status s = client_->Search(request, reply, timeout, &trips);
  counters_.round_trips.fetch_add(trips, std::memory_order_relaxed);
  if (!s.ok()) return false;
  Note(&answered_ns_, SteadyNanos() - start);
  return true;
}

bool DmReadPath::DelegateBatch(std::chrono::nanoseconds* timeout) {
  *timeout = DelegationTimeout();
  if (const std::optional<Way> forced = ForcedWay()) {
    return *forced == Way::kDelegated;
  }
  const double one = batch_one_sided_ns_.load(std::memory_order_relaxed);
  const double del = batch_delegated_ns_.load(std::memory_order_relaxed);
  if (one == 0) return false;
  const bool best =
      del != 0 && client_->server_load() <= kSaturated && del < one;
  const bool explore =
      del == 0 ? TimeToExplore(&explored_ns_, one, one)
      : best   ? TimeToExplore(&explored_ns_, del, one)
               : TimeToExplore(&explored_ns_, one, del);
  if (explore && !best) *timeout = ExplorationTimeout(one);
  return explore ? !best : best;
}

void DmReadPath::NoteOneSidedBatch(uint64_t nanos) {
  Note(&batch_one_sided_ns_, nanos);
}

uint64_t DmReadPath::DelegateMany(
    const std::vector<const LookupKey*>& keys, const std::vector<size_t>& which,
    const std::vector<std::vector<const DmSegment*>>& candidates,
    std::vector<std::string>* values, std::vector<Status>* statuses,
    std::vector<char>* decided, std::vector<char>* absent,
    std::chrono::nanoseconds timeout) {
  const uint64_t start = SteadyNanos();
  const size_t capacity = client_->capacity();
  size_t next = 0;
  while (next < which.size()) {
    // As many keys as the request and its reply (values aside) fit.
    SearchRequest request;
    std::vector<size_t> asked;                         // indexes into which
    std::vector<std::vector<const DmSegment*>> targets;
    size_t request_bytes = kSearchRequestOverhead;
    size_t reply_bytes = kSearchReplyOverhead;
    for (; next < which.size(); next++) {
      const size_t k = which[next];
      SearchKey sk;
      std::vector<const DmSegment*> segs;
      MakeSearchKey(*keys[k], candidates[next], &sk, &segs);
      const size_t more = SearchKeyEncodedLength(sk);
      const size_t more_reply = SearchKeyReplyLength(80);
      if (request_bytes + more > capacity ||
          reply_bytes + more_reply > capacity) {
        if (asked.empty()) next++;  // too big alone: left one-sided
        break;
      }
      request_bytes += more;
      reply_bytes += more_reply;
      request.keys.push_back(std::move(sk));
      asked.push_back(next);
      targets.push_back(std::move(segs));
    }
    if (asked.empty()) continue;
    SearchReply reply;
    counters_.batches.fetch_add(1, std::memory_order_relaxed);
    counters_.batch_keys.fetch_add(asked.size(), std::memory_order_relaxed);
    if (!Search(&request, &reply, timeout)) {
      Count(&counters_.fallbacks, kDmDelegationFallbacks);
      continue;  // those keys go one-sided
    }
    for (size_t a = 0; a < asked.size(); a++) {
      const size_t k = which[asked[a]];
      const SearchKeyReply& r = reply.keys[a];
      if (ApplyReply(r, *keys[k], targets[a], &(*values)[k],
                     &(*statuses)[k])) {
        (*decided)[k] = 1;
        const Status& ks = (*statuses)[k];
        if (r.target < targets[a].size() && (ks.ok() || ks.IsNotFound())) {
          Remember(*keys[k], targets[a][r.target], r);
        }
      } else {
        (*absent)[k] = 1;
      }
    }
  }
  const uint64_t spent = SteadyNanos() - start;
  Note(&batch_delegated_ns_, spent);
  counters_.delegated_nanos.fetch_add(spent, std::memory_order_relaxed);
  return spent;
}

std::string DmReadPath::Describe() const {
  const Counters& c = counters_;
  auto per = [](uint64_t a, uint64_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  const uint64_t one = c.one_sided.load(), del = c.delegated.load();
  char buf[1024];
  snprintf(buf, sizeof(buf),
           "  DM reads (%s%s): %llu lookups, %.2f candidate segments each; "
           "one-sided %llu (%.2f segments read each, %.1f us), delegated "
           "%llu (%.1f us), fallbacks %llu; MultiGet requests %llu (%.1f "
           "keys each); values read after a reply %llu\n"
           "  key-offset cache: %s, %llu hits, %llu misses (hit rate "
           "%.1f%%), %llu stale dropped, %llu damaged; %.2f round trips per "
           "lookup; memory node: %llu requests served, %.1f us of its CPU "
           "each\n",
           DmReadModeName(mode_),
           client_ == nullptr          ? ", no mailboxes"
           : client_->server_seen_alive() ? ""
                                       : ", no memory node serving search",
           static_cast<unsigned long long>(c.lookups.load()),
           per(c.candidates.load(), c.lookups.load()),
           static_cast<unsigned long long>(one),
           per(c.segments_read.load(), one),
           per(c.one_sided_nanos.load(), one) / 1000.0,
           static_cast<unsigned long long>(del),
           per(c.delegated_nanos.load(), del + c.batches.load()) / 1000.0,
           static_cast<unsigned long long>(c.fallbacks.load()),
           static_cast<unsigned long long>(c.batches.load()),
           per(c.batch_keys.load(), c.batches.load()),
           static_cast<unsigned long long>(c.entry_reads.load()),
           key_cache_ == nullptr ? "off"
                                 : (std::to_string(key_cache_->TotalCharge() >> 10) +
                                    " of " +
                                    std::to_string(key_cache_->Capacity() >> 10) +
                                    " KiB")
                                       .c_str(),
           static_cast<unsigned long long>(c.cache_hits.load()),
           static_cast<unsigned long long>(c.cache_misses.load()),
           100.0 * per(c.cache_hits.load(),
                       c.cache_hits.load() + c.cache_misses.load()),
           static_cast<unsigned long long>(c.cache_stale.load()),
           static_cast<unsigned long long>(c.cache_damaged.load()),
           per(c.round_trips.load(), c.lookups.load()),
           static_cast<unsigned long long>(
               client_ != nullptr ? client_->server_served() : 0),
           client_ != nullptr
               ? per(client_->server_micros(), client_->server_served())
               : 0.0);
  return buf;
}

}  // namespace o3lsm
