// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// ThrottledEnv makes local files cost what remote storage would: every
// read, append and sync of a file waits a fixed latency plus its bytes over
// a bandwidth that all of this Env's files share. The disaggregation
// profile of o3lsm-bench uses it to make one host's SSD behave like a
// shared storage service (an NFS/CephFS mount, a disaggregated SSD pool).
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_UTIL_THROTTLED_ENV_H_
#define O3LSM_UTIL_THROTTLED_ENV_H_

#include <atomic>
#include <cstdint>

#include "o3lsm/env.h"

namespace o3lsm {

struct StorageModel {
  // Added to every read, write (Append that reaches the file) and sync.
  // Default: 0.
  uint64_t latency_us = 0;
  // Bytes per second over all files; 0 = unlimited. Default: 0.
  uint64_t bandwidth_bytes_per_sec = 0;

  bool enabled() const { return latency_us > 0 || bandwidth_bytes_per_sec > 0; }
};

class ThrottledEnv final : public EnvWrapper {
 public:
  ThrottledEnv(Env* base, const StorageModel& model)
      : EnvWrapper(base), model_(model) {}

  // Waits what moving `bytes` (one operation) costs under the model.
  void Charge(uint64_t bytes);

  Status NewSequentialFile(const std::string& f,
                           std::unique_ptr<SequentialFile>* r) override;
  Status NewWritableFile(const std::string& f,
                         std::unique_ptr<WritableFile>* r) override;
  Status NewAppendableFile(const std::string& f,
                           std::unique_ptr<WritableFile>* r) override;

 private:
  std::unique_ptr<RandomAccessFile> WrapRandomAccessFile(
      const std::string& fname,
      std::unique_ptr<RandomAccessFile> file) override;
  const StorageModel model_;
  // Steady-clock nanoseconds at which the shared link is free again.
  std::atomic<uint64_t> link_free_at_ns_{0};
};

}  // namespace o3lsm

#endif  // O3LSM_UTIL_THROTTLED_ENV_H_
