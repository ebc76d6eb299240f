// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// SearchServer is the memory node's half of delegated search: threads that
// sleep on the mailboxes' request bell (no polling while idle), take the
// requests compute nodes post in their slots, look the keys up in the DM
// segments named, in place, newest first, and answer in the same slot,
// waking its owner. It runs in `o3lsm-node --role=memory`
// (--search-threads) and, for an embedded pool, inside the database.
//
// A request is untrusted: the server checks every length and bound
// against the pool, verifies each fenced range by the fence's checksum
// exactly as a one-sided read does, and answers a damaged request with
// kRejected. A segment freed while a request names it (its compute node
// gave up waiting) is read as whatever the pool holds there: the checks
// turn that into kCorruption or kAbsent, and the owner ignores a reply to
// a request it abandoned.
//
// Thread safety: Stop and stats may be called from any thread.

#ifndef O3LSM_LSM_OFFLOAD_SEARCH_SERVER_H_
#define O3LSM_LSM_OFFLOAD_SEARCH_SERVER_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "interconnect/fabric.h"
#include "lsm/offload/search_mailbox.h"
#include "lsm/offload/search_protocol.h"
#include "o3lsm/env.h"

namespace o3lsm {

struct SearchServerOptions {
  // Threads that serve requests. Default: 1.
  int threads = 1;
  std::shared_ptr<Logger> info_log;
  // Testing: hold every request this long before answering it (a slow
  // memory node). Default: 0.
  std::chrono::milliseconds debug_delay{0};
};

class SearchServer {
 public:
  // Formats the mailboxes if needed and starts the threads. REQUIRES: the
  // pool is mapped in this process (fabric->LocalView works) and outlives
  // the server. NotSupported if it is not mapped here.
  static Status Start(fabric::Fabric* fabric, SearchServerOptions options,
                      std::unique_ptr<SearchServer>* server);
  ~SearchServer();  // Stop()
  SearchServer(const SearchServer&) = delete;
  SearchServer& operator=(const SearchServer&) = delete;

  // Stops the threads and withdraws them from the published count.
  void Stop();

  struct Stats {
    uint64_t requests = 0;
    uint64_t keys = 0;
    uint64_t rejected = 0;  // malformed requests
    uint64_t busy_micros = 0;
  };
  Stats stats() const;
  int threads() const { return options_.threads; }

  // Answers one request (the bytes of a slot's body) against the pool:
  // what a serving thread does, without the mailbox. For tests and fuzzing.
  // Returns the keys answered, or -1 if the request was rejected (a
  // well-formed request of no keys gets a reply of none).
  static int64_t Answer(fabric::Fabric* fabric, const Slice& request,
                     uint64_t id, size_t capacity, std::string* reply);

 private:
  SearchServer(fabric::Fabric* fabric, SearchServerOptions options,
               std::unique_ptr<SearchMailboxes> mailboxes, char* area);
  // The words of the mailbox area, in this process's mapping.
  std::atomic_ref<uint64_t> HeaderWord(SearchMailboxes::HeaderWord w) const {
    return std::atomic_ref<uint64_t>(
        *reinterpret_cast<uint64_t*>(area_ + w));
  }
  std::atomic_ref<uint64_t> SlotWord(uint32_t slot,
                                     SearchMailboxes::SlotWord w) const {
    return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(
        area_ + SearchMailboxes::SlotOffset(slot, w)));
  }
  void Loop();
  // Serves slot's request if it has one no thread took. True if it did.
  bool ServeSlot(uint32_t slot);

  fabric::Fabric* const fabric_;
  const SearchServerOptions options_;
  const std::unique_ptr<SearchMailboxes> mailboxes_;
  char* const area_;  // the mailbox area, mapped here
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  bool stopped_ = false;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> keys_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> busy_micros_{0};
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_SEARCH_SERVER_H_
