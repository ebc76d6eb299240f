// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// SearchClient is the compute node's half of delegated search: it owns a
// few mailbox slots (claimed when the node joins, given back when it
// leaves), posts a request in a free one with one batch of verbs (read the
// reply word, write the body, write the request word, ring the bell), then
// reads the reply word with the start of the body: when the memory node
// answered while the post's completion came back (a short search), that is
// all, two round trips whatever the number of keys and segments.
// Otherwise it sleeps on the reply word until the answer comes, and reads
// the reply. It also watches whether a memory node serves at all (its
// published thread count and heartbeat).
//
// Thread safety: all methods may be called concurrently; each request
// holds its slot alone.

#ifndef O3LSM_LSM_OFFLOAD_SEARCH_CLIENT_H_
#define O3LSM_LSM_OFFLOAD_SEARCH_CLIENT_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "lsm/offload/search_mailbox.h"
#include "lsm/offload/search_protocol.h"
#include "util/mutex.h"

namespace o3lsm {

class SearchClient {
 public:
  // Claims up to max_slots mailboxes for owner (SearchMailboxes::OwnerWord).
  // NotFound when the pool has no mailboxes or none is free.
  static Status Open(fabric::Fabric* fabric, uint64_t owner, size_t max_slots,
                     std::unique_ptr<SearchClient>* client);
  // Gives the slots back; Search fails with Aborted from then on.
  // Idempotent. Not done by the destructor: the pool may be gone by then.
  void Release();
  SearchClient(const SearchClient&) = delete;
  SearchClient& operator=(const SearchClient&) = delete;

  // Bytes a request (and its reply) may take.
  size_t capacity() const { return mailboxes_->body_capacity(); }
  size_t slots() const { return ids_.size(); }

  // True if a memory node's search threads answer: some are published and
  // their heartbeat moved within the last second. Reads the header at most
  // every 50 ms (one round trip then); otherwise free.
  bool ServerAlive();
  // What the last sample found (no round trip).
  bool server_seen_alive() const {
    return alive_.load(std::memory_order_relaxed);
  }
  // The serving threads' utilization over the last sampling interval, 0..1.
  double server_load() const {
    return load_.load(std::memory_order_relaxed);
  }
  // What the memory node's search threads reported at the last sample,
  // over all their requests (every compute node's): requests served and
  // microseconds of their CPU spent.
  uint64_t server_served() const {
    return served_.load(std::memory_order_relaxed);
  }
  uint64_t server_micros() const {
    return serve_micros_.load(std::memory_order_relaxed);
  }

  // Posts request (its id is set here) and waits for the reply, at most
  // timeout. Busy when every slot is in use; TimedOut; Corruption for a
  // damaged or mismatched reply; the fabric's errors. *round_trips (may be
  // null) counts the round trips it made (polls included).
  Status Search(SearchRequest* request, SearchReply* reply,
                std::chrono::nanoseconds timeout, int* round_trips = nullptr);

 private:
  SearchClient(std::unique_ptr<SearchMailboxes> mailboxes, uint64_t owner,
               std::vector<uint32_t> slots);
  void SampleServer();

  const std::unique_ptr<SearchMailboxes> mailboxes_;
  const uint64_t owner_;
  const std::vector<uint32_t> slots_;
  Mutex mu_;
  std::vector<size_t> free_ GUARDED_BY(mu_);  // indexes into slots_
  std::vector<uint64_t> ids_;                 // last id per slot (holder)
  bool released_ GUARDED_BY(mu_) = false;

  // One thread samples at a time: the one that set sampling_.
  std::atomic<bool> sampling_{false};
  std::atomic<uint64_t> next_sample_us_{0};
  std::atomic<bool> alive_{false};
  std::atomic<double> load_{0};
  std::atomic<uint64_t> served_{0};
  std::atomic<uint64_t> serve_micros_{0};
  uint64_t last_heartbeat_ = 0;     // the sampler's
  uint64_t heartbeat_seen_us_ = 0;  // the sampler's
  uint64_t last_served_us_ = 0;     // the sampler's
  uint64_t last_sample_us_ = 0;     // the sampler's
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_SEARCH_CLIENT_H_
