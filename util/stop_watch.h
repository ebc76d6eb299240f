// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// How the engine records into Options::statistics, which may be null
// (statistics off): RecordTick and RecordInHistogram do nothing then, and
// StopWatch reads no clock. Every event site goes through these, so that
// "off" costs one null check.
//
// Thread safety: as Statistics (any thread); a StopWatch belongs to the
// thread that made it.

#ifndef O3LSM_UTIL_STOP_WATCH_H_
#define O3LSM_UTIL_STOP_WATCH_H_

#include <cstdint>

#include "o3lsm/env.h"
#include "o3lsm/statistics.h"

namespace o3lsm {

inline void RecordTick(Statistics* statistics, Tickers ticker,
                       uint64_t count = 1) {
  if (statistics != nullptr) statistics->recordTick(ticker, count);
}

inline void RecordInHistogram(Statistics* statistics, Histograms histogram,
                              uint64_t value) {
  if (statistics != nullptr) statistics->recordInHistogram(histogram, value);
}

// Records the microseconds from its construction to its destruction into
// a histogram, and optionally adds them to a ticker (e.g. stall micros).
// With statistics null it reads no clock.
class StopWatch {
 public:
  // REQUIRES: env is non-null if statistics is.
  StopWatch(Env* env, Statistics* statistics, Histograms histogram,
            Tickers ticker = kTickerCount)
      : env_(env),
        statistics_(statistics),
        histogram_(histogram),
        ticker_(ticker),
        start_(statistics != nullptr ? env->NowMicros() : 0) {}
  StopWatch(const StopWatch&) = delete;
  StopWatch& operator=(const StopWatch&) = delete;
  ~StopWatch() {
    if (statistics_ == nullptr) return;
    const uint64_t now = env_->NowMicros();
    const uint64_t micros = now > start_ ? now - start_ : 0;
    statistics_->recordInHistogram(histogram_, micros);
    if (ticker_ != kTickerCount) statistics_->recordTick(ticker_, micros);
  }

 private:
  Env* const env_;
  Statistics* const statistics_;
  const Histograms histogram_;
  const Tickers ticker_;
  const uint64_t start_;
};

}  // namespace o3lsm

#endif  // O3LSM_UTIL_STOP_WATCH_H_
