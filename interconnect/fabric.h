// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Fabric is the one contract through which o3lsm uses disaggregated memory
// (DM): a byte-addressable pool reached with one-sided verbs. Three backends
// implement it (docs/fabric.md):
//   emulated:[/dev/shm/file]  shared memory, optional NUMA placement and a
//                             latency/bandwidth model; in-process if no path
//   cxl:/dev/daxX.Y | cxl:/path/on/fsdax/or/tmpfs   libpmem2 mapping
//   ofi://host:port           client of a memory node over libfabric
//                             (OfiPoolServer; TCP, verbs, EFA, CXI, OPX)
//   rdma://host:port          client of a memory node over rdma-core verbs
//                             (RdmaPoolServer)
// No backend type (ibv_*, rdma_*, pmem2_*, numa_*) appears in this header.
//
// Verbs. Read, Write, CompareAndSwap64 and FetchAndAdd64 are posted in
// batches with Post() and completed with Wait(); the synchronous helpers
// (Read(), Write(), ...) are Post+Wait of one request. A batch costs one
// round trip on a real NIC, and the emulated model charges it that way.
// Requests of a batch take effect in order. Local buffers are ordinary
// memory owned by the caller and must stay valid until Wait returns; the
// WorkRequest array itself is consumed by Post and may be reused at once.
//
// Errors (Status):
//   InvalidArgument  a request outside the pool, of another pool, an atomic
//                    on an address not 8-byte aligned; nothing was done.
//   TimedOut         Wait gave up; the verbs may or may not have happened.
//   Unavailable      the peer (memory node) is gone; retryable elsewhere.
//   Corruption       bytes in DM failed a check (data loss, do not retry).
//
// Atomicity. CAS and FAA are atomic against each other from every process
// and node using the pool. An 8-byte aligned Read or Write is single-copy
// atomic (on rdma: in practice on known NICs, not by spec). Ordinary loads
// and stores through LocalView() are atomic against the verbs only where the
// backend says so (emulated, cxl: yes; rdma: see docs/fabric.md).
//
// Thread safety: every method may be called concurrently from many threads.
// A Completion is used by one thread at a time.

#ifndef O3LSM_INTERCONNECT_FABRIC_H_
#define O3LSM_INTERCONNECT_FABRIC_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "o3lsm/env.h"
#include "o3lsm/status.h"

#include "interconnect/dm_addr.h"
#include "interconnect/superblock.h"

namespace o3lsm::fabric {

// Not persisted; printed in errors.
enum class Verb : uint8_t { kRead, kWrite, kCompareAndSwap, kFetchAndAdd };
const char* VerbName(Verb verb);

// One verb of a batch. Build them with the factories.
struct WorkRequest {
  Verb verb = Verb::kRead;
  DmAddr remote;
  // Read: destination of length bytes. Write: source of length bytes.
  // Unused by the atomics.
  void* local = nullptr;
  size_t length = 0;
  uint64_t compare_add = 0;  // CAS: expected value; FAA: delta
  uint64_t swap = 0;         // CAS: desired value
  // CAS: the value found (== compare_add iff the swap happened).
  // FAA: the value before the add. May be null.
  uint64_t* result = nullptr;

  static WorkRequest Read(DmAddr from, void* dst, size_t n) {
    return {Verb::kRead, from, dst, n, 0, 0, nullptr};
  }
  static WorkRequest Write(DmAddr to, const void* src, size_t n) {
    return {Verb::kWrite, to, const_cast<void*>(src), n, 0, 0, nullptr};
  }
  static WorkRequest CompareAndSwap(DmAddr word, uint64_t expected,
                                    uint64_t desired, uint64_t* observed) {
    return {
        Verb::kCompareAndSwap, word, nullptr, 8, expected, desired, observed};
  }
  static WorkRequest FetchAndAdd(DmAddr word, uint64_t delta,
                                 uint64_t* previous) {
    return {Verb::kFetchAndAdd, word, nullptr, 8, delta, 0, previous};
  }
};

// The completion of one posted batch. Idle until Post() arms it; Wait()
// returns the batch's Status and makes it idle again, reusable for the next
// batch. Must not be destroyed while armed (post, then always wait).
//
// The "backend" methods are for Fabric implementations only.
class Completion {
 public:
  Completion() = default;
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;

  bool idle() const { return state_.load(std::memory_order_acquire) == kIdle; }
  // True once the batch has finished (Wait will not block, except for the
  // emulated model's remaining delay, see ready_at_ns()).
  bool finished() const {
    return state_.load(std::memory_order_acquire) == kFinished;
  }

  // ---- backend ----
  // idle -> armed. InvalidArgument if the completion is already armed.
  [[nodiscard]] Status Arm();
  // armed -> finished with status s; the batch's result becomes visible to
  // Wait no earlier than ready_at_ns (a steady-clock time, 0 = now).
  void Finish(Status s, uint64_t ready_at_ns = 0);
  uint64_t ready_at_ns() const { return ready_at_ns_; }
  // finished (or armed, when abandoning) -> idle; returns the status.
  Status Reset();
  // Backend-private per-batch state (e.g. the RDMA in-flight slot).
  uint64_t backend_tag = 0;

 private:
  enum : int { kIdle = 0, kArmed = 1, kFinished = 2 };
  std::atomic<int> state_{kIdle};
  uint64_t ready_at_ns_ = 0;
  Status status_;
};

// A latency/bandwidth model charged per posted batch (docs/fabric.md):
// completion = post time + latency_ns + bytes / bandwidth, with the bytes of
// concurrent batches of one Fabric object sharing the bandwidth.
struct LinkModel {
  // One round trip, in nanoseconds. 0 = none. Default: 0.
  uint64_t latency_ns = 0;
  // Bytes per nanosecond (= GB/s, 10^9 bytes). 0 = unlimited. Default: 0.
  double bandwidth_gbps = 0;

  bool enabled() const { return latency_ns > 0 || bandwidth_gbps > 0; }
};

// How to open a pool. Fields the URI also sets (its query parameters) are
// overridden by the URI.
struct FabricOptions {
  // Which pool and backend; grammar in docs/fabric.md. Default: "emulated:"
  // (a fresh anonymous in-process pool).
  std::string uri = "emulated:";
  // Format a new pool when the file does not exist or is empty.
  // Default: false.
  bool create_if_missing = false;
  // Fail with InvalidArgument when the file already exists. Default: false.
  bool error_if_exists = false;
  // Format unconditionally, destroying what the pool held (the way to
  // initialise a devdax device). Default: false.
  bool format = false;
  // Size in bytes of a pool created here (URI: size=, with K/M/G/T).
  // Default: 256 MiB.
  uint64_t size = 256 << 20;
  // Pool id stamped into a new pool and into every DmAddr of it (URI:
  // pool_id=). Nonzero. Default: 1.
  uint16_t pool_id = 1;
  // Cluster id stamped into a new pool; on attach, a nonzero value must match
  // the pool's (URI: cluster_id=). The network backends (ofi, rdma) require
  // it and always check it. Default: 0 (any, for emulated and cxl).
  uint64_t cluster_id = 0;
  // Region sizes of a new pool. Default: see PoolLayout.
  PoolLayout layout;
  // Emulated/cxl: the cost charged per batch (URI: latency_ns=,
  // bandwidth_gbps=). Default: off.
  LinkModel model;
  // Emulated: NUMA node to place the pool on (URI: numa_node=); -1 = no
  // placement. Invalid nodes are rejected. Default: -1.
  int numa_node = -1;
  // Default timeout of the synchronous helpers and doorbell waits; also the
  // RDMA connection timeout (URI: timeout_ms=). Default: 5 s.
  std::chrono::milliseconds timeout{5000};
  // ofi, rdma: the cluster's key file, whose secret every connection to a
  // memory node proves (URI: secret=, an absolute path). Required by those
  // backends. Default: "".
  std::string secret_path;
  // ofi: the libfabric provider (URI: provider=, e.g. "tcp;ofi_rxm",
  // "verbs;ofi_rxm", "efa"); "" = the memory node's choice, which it makes
  // from what its host has (docs/fabric.md). Default: "".
  std::string ofi_provider;
  // RDMA: device name (URI: device=); "" = the first device. Default: "".
  std::string rdma_device;
  // RDMA: port number (URI: port_num=); 0 = the first active port. Default: 0.
  int rdma_port = 0;
  // RDMA: GID index (URI: gid_index=); -1 = auto (RoCE v2 IPv4 GID if any).
  // Default: -1.
  int rdma_gid_index = -1;
  // Where backends log what they detected (NUMA placement, pmem2
  // granularity, RDMA device/port/GID). nullptr = not logged. Default: null.
  std::shared_ptr<Logger> info_log;
};

// Copy between local memory and a LocalView of the pool with the access
// the verbs themselves use, so that a memory node's own services (which
// read the pool in place) and the verbs of other threads do not race in
// the C++ memory model: memcpy, or relaxed atomics under ThreadSanitizer.
void CopyFromView(void* dst, const void* view, size_t n);
void CopyToView(void* view, const void* src, size_t n);

class Fabric {
 public:
  Fabric() = default;
  Fabric(const Fabric&) = delete;
  Fabric& operator=(const Fabric&) = delete;
  virtual ~Fabric() = default;

  // ---- Asynchronous verbs ----
  // Validates every request (nothing is done if one is invalid), then starts
  // the batch. REQUIRES: completion is idle; buffers live until Wait returns.
  [[nodiscard]] virtual Status Post(std::span<WorkRequest> batch,
                                    Completion* completion) = 0;
  // Waits for the batch, at most timeout; returns its status. On TimedOut the
  // completion is abandoned (idle again): the verbs may or may not have
  // taken effect and their results are not delivered.
  [[nodiscard]] virtual Status Wait(Completion* completion,
                                    std::chrono::nanoseconds timeout) = 0;

  // ---- Synchronous helpers: Post + Wait(default_timeout()) ----
  [[nodiscard]] Status Execute(std::span<WorkRequest> batch);
  [[nodiscard]] Status Read(DmAddr from, void* dst, size_t n);
  [[nodiscard]] Status Write(DmAddr to, const void* src, size_t n);
  // *observed (may be null) receives the value found; the swap happened iff
  // it equals expected. OK either way.
  [[nodiscard]] Status CompareAndSwap64(DmAddr word, uint64_t expected,
                                        uint64_t desired, uint64_t* observed);
  [[nodiscard]] Status FetchAndAdd64(DmAddr word, uint64_t delta,
                                     uint64_t* previous);

  // Makes [addr, addr+n) durable where the pool is persistent (cxl); checks
  // the range and does nothing else on volatile pools.
  [[nodiscard]] virtual Status Persist(DmAddr addr, size_t n) = 0;

  // ---- Doorbell ----
  // Adds 1 to the 8-byte word and wakes every process and thread waiting on
  // it (WaitOnWord), without anyone burning a core.
  [[nodiscard]] virtual Status Ring(DmAddr word) = 0;
  // Wakes the waiters of a word the caller has changed with other verbs.
  [[nodiscard]] virtual Status Wake(DmAddr word) = 0;
  // Returns OK as soon as the word differs from seen (*now, if not null,
  // receives its value), TimedOut after timeout. Sleeps in the kernel while
  // waiting. A change that keeps the word's low 32 bits may be noticed only
  // up to 20 ms late; Ring always changes them.
  [[nodiscard]] virtual Status WaitOnWord(DmAddr word, uint64_t seen,
                                          std::chrono::nanoseconds timeout,
                                          uint64_t* now) = 0;

  // ---- The pool ----
  // A pointer to [addr, addr+n) in this process's mapping, or nullptr where
  // the pool is not mapped here (rdma client) or the range is invalid. For
  // the memory node's own services; no latency model is charged.
  virtual void* LocalView(DmAddr addr, size_t n) = 0;
  // True if Persist makes data survive a power cut (cxl on DAX; not tmpfs).
  virtual bool persistent() const = 0;
  // The validated superblock of the pool.
  virtual const PoolInfo& pool() const = 0;
  // E.g. "emulated:/dev/shm/p (pool 1, 64 MiB, model 2000 ns + 12 GB/s)".
  virtual std::string Describe() const = 0;
  virtual std::chrono::nanoseconds default_timeout() const = 0;

  uint16_t pool_id() const { return pool().pool_id; }
  uint64_t pool_size() const { return pool().pool_size; }
  uint64_t cluster_id() const { return pool().cluster_id; }
  // The first byte of a region reserved in the superblock, and its length.
  DmAddr RegionStart(RegionKind kind) const {
    return DmAddr(pool_id(), pool().region(kind).offset);
  }
  uint64_t RegionLength(RegionKind kind) const {
    return pool().region(kind).length;
  }

  // Checks one request against the pool: pool id, bounds (overflow-safe),
  // 8-byte alignment of atomics, a local buffer where one is needed.
  // InvalidArgument naming the verb and the address otherwise.
  [[nodiscard]] Status Validate(const WorkRequest& wr) const;
  [[nodiscard]] Status ValidateRange(DmAddr addr, size_t n,
                                     const char* what) const;
};

// Opens (and, as the options say, creates or formats) the pool options.uri
// names. InvalidArgument for a malformed URI or options, NotSupported for a
// backend this build lacks, IOError/Unavailable for the system, Corruption
// for a pool that fails validation.
[[nodiscard]] Status OpenFabric(const FabricOptions& options,
                                std::unique_ptr<Fabric>* result);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_FABRIC_H_
