// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// LatencyModel makes a verb on a local mapping cost what a remote one would:
// a batch posted at time t completes at
//     t + latency_ns + bytes / bandwidth
// where the bytes of batches posted concurrently through one model share the
// bandwidth (they queue on one emulated link, as on one NIC port), while
// their round trips overlap. Completion times are enforced by a busy-wait on
// the steady clock, stopping early by the measured cost of one clock read so
// that the wait ends on time rather than one read late.
//
// The model only adds time: a copy that is slower than the modeled bandwidth
// (a cold 1 MiB memcpy, say) costs what it costs.
//
// Thread safety: CompletionTime may be called concurrently.

#ifndef O3LSM_INTERCONNECT_LATENCY_MODEL_H_
#define O3LSM_INTERCONNECT_LATENCY_MODEL_H_

#include <atomic>
#include <cstdint>

#include "interconnect/fabric.h"

namespace o3lsm::fabric {

class LatencyModel {
 public:
  explicit LatencyModel(const LinkModel& link);

  bool enabled() const { return link_.enabled(); }
  const LinkModel& link() const { return link_; }

  // The steady-clock time at which a batch of `bytes` posted at start_ns
  // completes; reserves its share of the link.
  uint64_t CompletionTime(uint64_t start_ns, uint64_t bytes);

  // Spins until the steady clock reaches deadline_ns (less one clock read).
  void SpinUntil(uint64_t deadline_ns) const;

  // Steady clock in nanoseconds.
  static uint64_t NowNanos();

 private:
  const LinkModel link_;
  const double ns_per_byte_;
  uint64_t clock_read_ns_ = 0;  // measured at construction
  std::atomic<uint64_t> link_free_ns_{0};
};

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_LATENCY_MODEL_H_
