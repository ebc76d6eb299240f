// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The disaggregation profile of o3lsm-bench: one host acting like a
// cluster. It fills in the profile's settings (fabric and storage models,
// CPU placement, a local cluster), pins this process (the compute node),
// starts a memory node and workers as o3lsm-node processes, and samples the
// compute node's memory and DM use while a benchmark runs.
//
// Thread safety: LocalCluster from one thread; PeakSampler is internally
// synchronized.

#ifndef O3LSM_TOOLS_BENCH_CLUSTER_PROFILE_H_
#define O3LSM_TOOLS_BENCH_CLUSTER_PROFILE_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "o3lsm/db.h"
#include "o3lsm/status.h"
#include "tools/bench/bench_flags.h"

namespace o3lsm::bench {

// Replaces the -1 ("the profile's") settings with the profile's values or
// the plain defaults.
void ApplyProfile(BenchFlags* flags);

// Runs this process (and every thread it starts afterwards) on cpus
// ("0", "0-1", "1,3").
Status PinProcessToCpus(const std::string& cpus);

// The emulated-fabric URI query of the flags' model ("" if none).
std::string FabricModelQuery(const BenchFlags& flags);

// A memory node and workers (o3lsm-node processes) on this host, sharing a
// pool in /dev/shm, or (--cluster_transport=ofi) reaching the memory node's
// pool over loopback through libfabric, as separate hosts would.
class LocalCluster {
 public:
  LocalCluster() = default;
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;
  ~LocalCluster() { Stop(); }

  Status Start(const BenchFlags& flags);
  void Stop();
  // The URI the compute node opens (with the flags' model).
  const std::string& pool_uri() const { return pool_uri_; }

 private:
  // Starts a node and waits for its "ready:" line; *exported (may be null)
  // receives the URI an exporting memory node prints.
  Status Spawn(const std::vector<std::string>& args, std::string* exported);
  // Where node `node` ("memory", "worker-1", ...) logs:
  // /tmp/o3lsm-bench-<pid>-<node>.log, removed at Stop unless a node
  // failed to start.
  std::string LogPath(const std::string& node);

  std::string pool_path_;
  std::string key_path_;  // ofi: the cluster key the nodes share
  std::vector<std::string> logs_;
  bool keep_logs_ = false;
  std::string pool_uri_;
  std::vector<pid_t> pids_;
};

// Samples the database's local write buffer and DM use (and the process's
// RSS) every 50 ms, keeping the peaks.
class PeakSampler {
 public:
  explicit PeakSampler(DB* db);
  ~PeakSampler();
  uint64_t local_write_buffer_peak() const { return local_peak_.load(); }
  uint64_t dm_live_peak() const { return dm_peak_.load(); }
  // Peak of the process's anonymous resident memory (heap, memtables,
  // caches), in bytes: the compute node's own memory. Shared mappings (an
  // emulated DM pool, mapped SST files) are not in it.
  uint64_t anon_rss_peak() const { return anon_peak_.load(); }

 private:
  void Sample();

  DB* const db_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> local_peak_{0};
  std::atomic<uint64_t> dm_peak_{0};
  std::atomic<uint64_t> anon_peak_{0};
  std::thread thread_;
};

// Resets the kernel's peak-RSS mark of this process (best effort).
void ResetPeakRss();
// Peak RSS since the last reset, in KiB (VmHWM).
int64_t PeakRssKib();

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_CLUSTER_PROFILE_H_
