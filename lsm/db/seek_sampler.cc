// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/seek_sampler.h"

namespace o3lsm {

void SeekSampler::Sample(const SeekSampling& sampling,
                         const Slice& user_key) const {
  thread_local uint32_t seeks = 0;
  if (++seeks % kPeriod != 0) return;
  if (sampling.version != nullptr) {
    int level = 0;
    if (FileRef spent = sampling.version->ChargeSeek(user_key, kPeriod, &level)) {
      on_file_spent_(std::move(spent), level);
    }
  }
  if (sampling.mems == nullptr) return;
  size_t bytes = 0;
  for (const MemTableRef& mem : *sampling.mems) bytes += mem->MemoryUsage();
  if (bytes < min_memtable_bytes_) return;
  // Every memtable shard is positioned by the seek, whatever its key.
  for (const MemTableRef& mem : *sampling.mems) {
    if (mem->num_entries() > 0 && mem->ChargeSeeks(kPeriod, bytes_per_seek_)) {
      on_mem_spent_(mem);  // seals them all, or finds it cannot yet
      return;
    }
  }
}

}  // namespace o3lsm
