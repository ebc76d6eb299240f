// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/seek_sampler.h"

namespace o3lsm {

void SeekSampler::Sample(const Version& v, const Slice& user_key) const {
  thread_local uint32_t seeks = 0;
  if (++seeks % kPeriod != 0) return;
  int level = 0;
  if (FileRef spent = v.ChargeSeek(user_key, kPeriod, &level)) {
    on_spent_(std::move(spent), level);
  }
}

}  // namespace o3lsm
