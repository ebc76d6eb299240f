// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/latency_model.h"

#include <algorithm>
#include <array>
#include <time.h>

namespace o3lsm::fabric {

namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace

uint64_t LatencyModel::NowNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

LatencyModel::LatencyModel(const LinkModel& link)
    : link_(link),
      ns_per_byte_(link.bandwidth_gbps > 0 ? 1.0 / link.bandwidth_gbps : 0) {
  if (!enabled()) return;
  // The median of a few back-to-back clock reads: what a spin overshoots by.
  std::array<uint64_t, 15> samples;
  for (auto& s : samples) {
    const uint64_t a = NowNanos();
    const uint64_t b = NowNanos();
    s = b - a;
  }
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2,
                   samples.end());
  clock_read_ns_ = samples[samples.size() / 2];
}

uint64_t LatencyModel::CompletionTime(uint64_t start_ns, uint64_t bytes) {
  const auto transfer =
      static_cast<uint64_t>(static_cast<double>(bytes) * ns_per_byte_);
  uint64_t done = start_ns;
  if (transfer > 0) {
    uint64_t free_at = link_free_ns_.load(std::memory_order_relaxed);
    uint64_t end;
    do {
      end = std::max(start_ns, free_at) + transfer;
    } while (!link_free_ns_.compare_exchange_weak(free_at, end,
                                                  std::memory_order_relaxed));
    done = end;
  }
  return done + link_.latency_ns;
}

void LatencyModel::SpinUntil(uint64_t deadline_ns) const {
  const uint64_t target =
      deadline_ns > clock_read_ns_ ? deadline_ns - clock_read_ns_ : 0;
  while (NowNanos() < target) CpuRelax();
}

}  // namespace o3lsm::fabric
