// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DmReadPath answers lookups that reach DM segments (docs/offload.md,
// "Reads of DM segments"). Given the candidate segments of a key (those
// whose key range and bloom filter admit it, newest first), it either
//   - searches them one-sided, newest first: bloom filter and fences here,
//     one or two round trips per segment until one decides; or
//   - delegates: one request through a mailbox asks the memory node to
//     search all of them in place (SearchClient, three round trips
//     whatever their number); a failed or slow delegation falls back to
//     one-sided reads, so a lookup never fails because the memory node's
//     CPUs do.
// A key-offset cache (kCached, kAdaptive) remembers, per user key, the
// segment and entry where a delegated search found its newest version: the
// next lookup of the key reads that one entry (one round trip), verified
// by the checksum the memory node gave, once the segments newer than it
// are searched. An entry counts only while its segment is among the
// lookup's candidates (the reader's pinned state holds it), so no read can
// see freed DM; entries of flushed segments go when met, or age out.
// DmReadMode forces a way; kAdaptive picks the one with the lower
// measured latency for that number of candidates, tries the other way now
// and then to keep its estimate fresh (every 50 ms at most, and rarely
// enough that the trials cost under 1%), and does not delegate when no
// memory node serves or its search threads are saturated.
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_LSM_OFFLOAD_DM_READ_PATH_H_
#define O3LSM_LSM_OFFLOAD_DM_READ_PATH_H_

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lsm/cache/cache.h"
#include "lsm/offload/dm_segment.h"
#include "lsm/offload/search_client.h"
#include "o3lsm/options.h"
#include "o3lsm/statistics.h"

namespace o3lsm {

class DmReadPath {
 public:
  // client may be null (no mailboxes): every lookup is one-sided.
  // key_cache_bytes: capacity of the key-offset cache (0: none; unused
  // with kOneSided and kDelegated). statistics (may be null; not owned,
  // outlives this) counts the ways lookups read, beside counters().
  DmReadPath(DmReadMode mode, std::unique_ptr<SearchClient> client,
             size_t key_cache_bytes, Statistics* statistics = nullptr);
  DmReadPath(const DmReadPath&) = delete;
  DmReadPath& operator=(const DmReadPath&) = delete;

  DmReadMode mode() const { return mode_; }
  // Gives the search mailboxes back (the node leaves the pool); lookups
  // are one-sided from then on.
  void ReleaseMailboxes() {
    if (client_ != nullptr) client_->Release();
  }
  bool can_delegate() const { return client_ != nullptr; }

  // Looks key up in candidates (newest first; each passed MayContain).
  // True if one decides it, as MemTableReader::Get.
  bool Get(const LookupKey& key,
           const std::vector<const DmSegment*>& candidates,
           std::string* value, Status* s);

  // For MultiGet: whether to delegate a batch of keys now, and if so how
  // long its requests may wait (*timeout: shorter when the batch explores
  // delegation, as for single keys).
  bool DelegateBatch(std::chrono::nanoseconds* timeout);
  // Delegates keys[k] for each k in which, each with its candidates
  // (newest first): where a reply decides one, sets (*decided)[k],
  // (*values)[k], (*statuses)[k]; *absent[k] = 1 where every candidate
  // was searched and none holds the key. Keys whose delegation failed are
  // left as they were (the caller reads them one-sided). Returns the
  // nanoseconds it took.
  uint64_t DelegateMany(
      const std::vector<const LookupKey*>& keys,
      const std::vector<size_t>& which,
      const std::vector<std::vector<const DmSegment*>>& candidates,
      std::vector<std::string>* values, std::vector<Status>* statuses,
      std::vector<char>* decided, std::vector<char>* absent,
      std::chrono::nanoseconds timeout);
  // A batch read one-sided took nanos.
  void NoteOneSidedBatch(uint64_t nanos);

  struct Counters {
    std::atomic<uint64_t> lookups{0};         // Get calls with candidates
    std::atomic<uint64_t> candidates{0};      // their candidate segments
    std::atomic<uint64_t> one_sided{0};       // lookups read one-sided
    std::atomic<uint64_t> segments_read{0};   // segments they searched
    std::atomic<uint64_t> delegated{0};       // lookups delegated
    std::atomic<uint64_t> batches{0};         // MultiGet requests sent
    std::atomic<uint64_t> batch_keys{0};      // keys in them
    std::atomic<uint64_t> fallbacks{0};       // failed delegations
    std::atomic<uint64_t> entry_reads{0};     // values read after a reply
    std::atomic<uint64_t> cache_hits{0};      // answered by one entry read
    std::atomic<uint64_t> cache_misses{0};
    std::atomic<uint64_t> cache_stale{0};     // segment gone: dropped
    std::atomic<uint64_t> cache_damaged{0};   // entry failed its checksum
    std::atomic<uint64_t> round_trips{0};     // of all the lookups
    std::atomic<uint64_t> one_sided_nanos{0};
    std::atomic<uint64_t> delegated_nanos{0};
  };
  const Counters& counters() const { return counters_; }
  // For o3lsm.stats.
  std::string Describe() const;

 private:
  enum class Way { kOneSided, kDelegated };
  static constexpr size_t kBuckets = 5;  // 1, 2, 3-4, 5-8, 9+ candidates
  static size_t BucketOf(size_t candidates);
  // One event: in counters_ (*counter) and the statistics (ticker).
  void Count(std::atomic<uint64_t>* counter, Tickers ticker) {
    counter->fetch_add(1, std::memory_order_relaxed);
    if (statistics_ != nullptr) statistics_->recordTick(ticker);
  }

  // The way the mode or the memory node's absence imposes, if any.
  std::optional<Way> ForcedWay();
  // The way for a lookup among `candidates` segments; *exploring: it is
  // the way the estimates do not favour, taken to measure it again.
  Way Choose(size_t candidates, bool* exploring);
  // The search of key in candidates: *sk, and the segments its targets
  // name, in order (those whose index can hold the key).
  static void MakeSearchKey(const LookupKey& key,
                            const std::vector<const DmSegment*>& candidates,
                            SearchKey* sk,
                            std::vector<const DmSegment*>* targets);
  bool GetOneSided(const LookupKey& key,
                   const std::vector<const DmSegment*>& candidates,
                   std::string* value, Status* s);
  // False if the delegation failed (nothing decided) or took longer than
  // timeout.
  bool GetDelegated(const LookupKey& key,
                    const std::vector<const DmSegment*>& candidates,
                    std::chrono::nanoseconds timeout, bool* decided,
                    std::string* value, Status* s);
  // The key-offset cache: true if it decided key (*decided set); false to
  // search the usual way.
  bool GetCached(const LookupKey& key,
                 const std::vector<const DmSegment*>& candidates,
                 std::string* value, Status* s);
  // Remembers where a reply found key's newest version in segment.
  void Remember(const LookupKey& key, const DmSegment* segment,
                const SearchKeyReply& r);
  // One-sided or delegated, as chosen, without the cache.
  bool GetUncached(const LookupKey& key,
                   const std::vector<const DmSegment*>& candidates,
                   std::string* value, Status* s);
  // Applies one key's reply: true if it decides the key.
  bool ApplyReply(const SearchKeyReply& r, const LookupKey& key,
                  const std::vector<const DmSegment*>& targets,
                  std::string* value, Status* s);
  // One request through the client; false if it failed.
  bool Search(SearchRequest* request, SearchReply* reply,
              std::chrono::nanoseconds timeout);
  std::chrono::nanoseconds DelegationTimeout() const;
  // How long an exploring delegation may take, given the one-sided way's
  // estimate for the same work (ns): a few times that, since a reply later
  // than that could not make delegation the better way.
  std::chrono::nanoseconds ExplorationTimeout(double one_sided_ns) const;
  static void Note(std::atomic<double>* estimate, uint64_t nanos);
  // True, for one caller, once per exploration interval since *last: 50 ms,
  // or longer where the other way costs more than 1% of the time spent
  // trying it (best and other: the two estimates, in ns). *last == 0 (no
  // decision yet) starts the interval: false.
  static bool TimeToExplore(std::atomic<uint64_t>* last, double best,
                            double other);

  const DmReadMode mode_;
  const std::unique_ptr<SearchClient> client_;
  Statistics* const statistics_;
  std::unique_ptr<Cache> key_cache_;  // null: none
  // Entries ever put in key_cache_: while none, lookups skip it (adaptive
  // mode reading one-sided fills nothing).
  std::atomic<uint64_t> remembered_{0};
  // Exponentially weighted latencies in ns, per bucket; 0 = not measured.
  std::array<std::atomic<double>, kBuckets> one_sided_ns_{};
  std::array<std::atomic<double>, kBuckets> delegated_ns_{};
  std::atomic<double> answered_ns_{0};  // requests that were answered
  std::atomic<double> batch_one_sided_ns_{0};
  std::atomic<double> batch_delegated_ns_{0};
  // When a lookup (of any bucket, or a batch) last tried the other way.
  std::atomic<uint64_t> explored_ns_{0};
  Counters counters_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_DM_READ_PATH_H_
