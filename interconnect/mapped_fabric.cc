// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/mapped_fabric.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "interconnect/dm_allocator.h"
#include "interconnect/futex.h"
#include "util/clock.h"

namespace o3lsm::fabric {

namespace {

// How long a doorbell waiter sleeps before re-reading the word: bounds the
// delay of a change that keeps the futex's low 32 bits (see WaitOnWord).
constexpr uint64_t kWaitSliceNs = 20'000'000;

// Writes this large populate their spans first. A span is 2 MiB of the
// mapping (a huge page, and a DM segment's default size); fixed, whatever
// the allocator's chunk_size.
constexpr size_t kBulkBytes = 64 << 10;
constexpr int kSpanShift = 21;

std::atomic_ref<uint64_t> WordAt(char* p) {
  return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(p));
}


}  // namespace

MappedFabric::MappedFabric(char* base, uint64_t mapped_bytes, std::string where,
                           const FabricOptions& options)
    : base_(base),
      mapped_bytes_(mapped_bytes),
      where_(std::move(where)),
      options_(options),
      timeout_(options.timeout),
      model_(std::make_unique<LatencyModel>(LinkModel{})),
      span_mapped_(std::make_unique<std::atomic<uint8_t>[]>(
          (mapped_bytes >> kSpanShift) + 1)) {}

void MappedFabric::MapSpansFor(const char* p, size_t n) {
  const uint64_t first = static_cast<uint64_t>(p - base_) >> kSpanShift;
  const uint64_t last = static_cast<uint64_t>(p - base_ + n - 1) >> kSpanShift;
  for (uint64_t c = first; c <= last; c++) {
    // Two writers may both populate a span: harmless, and rare.
    if (span_mapped_[c].load(std::memory_order_relaxed) != 0) continue;
    span_mapped_[c].store(1, std::memory_order_relaxed);
    const uint64_t begin = c << kSpanShift;
    const uint64_t length =
        std::min<uint64_t>(uint64_t{1} << kSpanShift, mapped_bytes_ - begin);
    // The mapping is page-aligned, and so is every span. Only a hint: on
    // failure (an old kernel, a mapping that cannot be populated) the copy
    // faults its pages in as before.
    (void)madvise(base_ + begin, length, MADV_POPULATE_WRITE);
  }
}

std::string MappedFabric::DescribeModel() const {
  if (!model_->enabled()) return "no latency model";
  char buf[96];
  snprintf(buf, sizeof(buf), "model %llu ns + %.1f GB/s",
           static_cast<unsigned long long>(model_->link().latency_ns),
           model_->link().bandwidth_gbps);
  return buf;
}

Status MappedFabric::FormatOrAttach(bool format, bool zero_regions,
                                    bool wait_for_format) {
  Status s;
  if (format) {
    s = Format(zero_regions);
  } else {
    const uint64_t deadline =
        LatencyModel::NowNanos() +
        static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(timeout_)
                .count());
    while (true) {
      s = DecodeSuperblock(base_, mapped_bytes_, mapped_bytes_, where_, &info_);
      if (!(s.IsUnavailable() && wait_for_format &&
            LatencyModel::NowNanos() < deadline)) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (s.ok() && options_.cluster_id != 0 &&
        info_.cluster_id != options_.cluster_id) {
      s = Status::InvalidArgument(
          where_, "pool belongs to cluster " +
                      std::to_string(info_.cluster_id) + ", expected " +
                      std::to_string(options_.cluster_id));
    }
  }
  if (s.ok()) model_ = std::make_unique<LatencyModel>(options_.model);
  return s;
}

Status MappedFabric::Format(bool zero_regions) {
  PoolInfo plan;
  Status s = PlanPool(mapped_bytes_, options_.pool_id, options_.cluster_id,
                      options_.layout, &plan);
  if (!s.ok()) return Status::InvalidArgument(where_, s.message());
  plan.creation_micros = WallMicros();
  info_ = plan;
  // The superblock goes first to zero and is written last, so a format that
  // dies half-way leaves an unformatted pool, never a valid superblock over
  // stale regions.
  memset(base_, 0, kSuperblockSize);
  PersistMapped(base_, kSuperblockSize);
  if (zero_regions) {
    for (int i = 0; i < kNumRegions; i++) {
      if (static_cast<RegionKind>(i + 1) == RegionKind::kHeap) continue;
      memset(base_ + plan.regions[i].offset, 0, plan.regions[i].length);
      PersistMapped(base_ + plan.regions[i].offset, plan.regions[i].length);
    }
  }
  s = DmAllocator::Format(this);
  if (!s.ok()) return s;
  char sb[kSuperblockSize];
  EncodeSuperblock(plan, sb);
  memcpy(base_, sb, kSuperblockSize);
  PersistMapped(base_, kSuperblockSize);
  return Status::OK();
}

void MappedFabric::ExecuteOne(const WorkRequest& wr) {
  char* p = base_ + wr.remote.offset();
  const bool word = wr.length == 8 && wr.remote.offset() % 8 == 0;
  switch (wr.verb) {
    case Verb::kRead:
      if (word) {
        const uint64_t v = WordAt(p).load(std::memory_order_acquire);
        memcpy(wr.local, &v, 8);
      } else if (wr.length > 0) {
        CopyFromView(wr.local, p, wr.length);
      }
      break;
    case Verb::kWrite:
      if (word) {
        uint64_t v;
        memcpy(&v, wr.local, 8);
        WordAt(p).store(v, std::memory_order_release);
      } else if (wr.length > 0) {
        if (wr.length >= kBulkBytes) MapSpansFor(p, wr.length);
        CopyToView(p, wr.local, wr.length);
      }
      break;
    case Verb::kCompareAndSwap: {
      uint64_t expected = wr.compare_add;
      WordAt(p).compare_exchange_strong(expected, wr.swap,
                                        std::memory_order_seq_cst);
      if (wr.result != nullptr) *wr.result = expected;
      break;
    }
    case Verb::kFetchAndAdd: {
      const uint64_t prev =
          WordAt(p).fetch_add(wr.compare_add, std::memory_order_seq_cst);
      if (wr.result != nullptr) *wr.result = prev;
      break;
    }
  }
}

Status MappedFabric::Post(std::span<WorkRequest> batch,
                          Completion* completion) {
  for (const WorkRequest& wr : batch) {
    Status s = Validate(wr);
    if (!s.ok()) return s;
  }
  Status s = completion->Arm();
  if (!s.ok()) return s;
  const bool charged = model_->enabled();
  const uint64_t start = charged ? LatencyModel::NowNanos() : 0;
  uint64_t bytes = 0;
  for (const WorkRequest& wr : batch) {
    ExecuteOne(wr);
    bytes += wr.length;
  }
  completion->Finish(Status::OK(),
                     charged ? model_->CompletionTime(start, bytes) : 0);
  return Status::OK();
}

Status MappedFabric::Wait(Completion* completion,
                          std::chrono::nanoseconds timeout) {
  if (completion->idle()) {
    return Status::InvalidArgument(where_,
                                   "wait on a completion that was not posted");
  }
  const uint64_t ready = completion->ready_at_ns();
  if (ready != 0) {
    const uint64_t now = LatencyModel::NowNanos();
    const auto limit = static_cast<uint64_t>(std::max<int64_t>(
        0,
        std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count()));
    if (ready > now && ready - now > limit) {
      model_->SpinUntil(now + limit);
      completion->Reset().PermitUncheckedError();
      return Status::TimedOut(where_, "batch did not complete within " +
                                          std::to_string(limit) + " ns");
    }
    model_->SpinUntil(ready);
  }
  return completion->Reset();
}

Status MappedFabric::Persist(DmAddr addr, size_t n) {
  Status s = ValidateRange(addr, n, "persist");
  if (!s.ok() || n == 0) return s;
  PersistMapped(base_ + addr.offset(), n);
  return Status::OK();
}

Status MappedFabric::Ring(DmAddr word) {
  Status s = FetchAndAdd64(word, 1, nullptr);
  if (!s.ok()) return s;
  FutexWakeAll(reinterpret_cast<const uint32_t*>(base_ + word.offset()));
  return Status::OK();
}

Status MappedFabric::Wake(DmAddr word) {
  WorkRequest probe = WorkRequest::FetchAndAdd(word, 0, nullptr);
  Status s = Validate(probe);
  if (!s.ok()) return s;
  FutexWakeAll(reinterpret_cast<const uint32_t*>(base_ + word.offset()));
  return Status::OK();
}

Status MappedFabric::WaitOnWord(DmAddr word, uint64_t seen,
                                std::chrono::nanoseconds timeout,
                                uint64_t* now) {
  WorkRequest probe = WorkRequest::FetchAndAdd(word, 0, nullptr);
  Status s = Validate(probe);
  if (!s.ok()) return s;
  char* p = base_ + word.offset();
  // Little-endian: the low half of the word is its first 4 bytes.
  const auto* low = reinterpret_cast<const uint32_t*>(p);
  const uint64_t start = LatencyModel::NowNanos();
  const uint64_t limit = static_cast<uint64_t>(std::max<int64_t>(
      0,
      std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count()));
  if (model_->enabled()) {
    model_->SpinUntil(model_->CompletionTime(start, 8));
  }
  while (true) {
    const uint64_t v = WordAt(p).load(std::memory_order_acquire);
    if (v != seen) {
      if (now != nullptr) *now = v;
      return Status::OK();
    }
    const uint64_t elapsed = LatencyModel::NowNanos() - start;
    if (elapsed >= limit) {
      if (now != nullptr) *now = v;
      return Status::TimedOut(where_, "doorbell " + word.ToString() +
                                          " still " + std::to_string(seen) +
                                          " after " + std::to_string(limit) +
                                          " ns");
    }
    FutexWait(low, static_cast<uint32_t>(seen),
              std::min(limit - elapsed, kWaitSliceNs));
  }
}

void* MappedFabric::LocalView(DmAddr addr, size_t n) {
  if (!ValidateRange(addr, n, "local view").ok()) return nullptr;
  return base_ + addr.offset();
}

}  // namespace o3lsm::fabric
