// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/mixgraph.h"

#include <algorithm>
#include <cmath>

namespace o3lsm::bench {
namespace {

// A uniform double in (0, 1]: never 0, which the inverses divide by or
// take the log of.
double UniformOpenZero(Random64* rnd) { return 1.0 - rnd->NextDouble(); }

// splitmix64's finalizer: scatters the power law's small values (the hot
// keys) over a key range.
uint64_t Scatter(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

double PowerLawInverse(double u, double a, double b) {
  return std::pow(u / a, 1.0 / b);
}

double GeneralizedParetoInverse(double u, double theta, double k,
                                double sigma) {
  if (k == 0) return theta - sigma * std::log(u);
  return theta + sigma * (std::pow(u, -k) - 1) / k;
}

MixGraphModel::MixGraphModel(const MixGraphParams& p, uint64_t num)
    : p_(p),
      num_(std::max<uint64_t>(1, num)),
      ranges_(std::clamp<uint64_t>(static_cast<uint64_t>(p.keyrange_num), 1,
                                   num_)) {
  const bool shaped = p.keyrange_dist_a != 0 || p.keyrange_dist_b != 0 ||
                      p.keyrange_dist_c != 0 || p.keyrange_dist_d != 0;
  if (ranges_ > 1 && shaped) {
    double total = 0;
    for (uint64_t x = 0; x < ranges_; x++) {
      const double xd = static_cast<double>(x);
      const double share =
          p.keyrange_dist_a * std::exp(p.keyrange_dist_b * xd) +
          p.keyrange_dist_c * std::exp(p.keyrange_dist_d * xd);
      total += std::max(0.0, share);  // a negative share reads as none
      range_cdf_.push_back(total);
    }
    if (total <= 0) {
      range_cdf_.clear();  // nothing drawable: fall back to even ranges
    } else {
      for (double& c : range_cdf_) c /= total;
    }
  }
}

MixGraphModel::Op MixGraphModel::NextOp(Random64* rnd) const {
  const double sum = p_.get_ratio + p_.put_ratio + p_.seek_ratio;
  const double u = rnd->NextDouble() * sum;
  if (u < p_.get_ratio) return Op::kGet;
  if (u < p_.get_ratio + p_.put_ratio) return Op::kPut;
  return Op::kSeek;
}

uint64_t MixGraphModel::NextKey(Random64* rnd) const {
  uint64_t range = 0;
  if (!range_cdf_.empty()) {
    const double u = rnd->NextDouble();
    range = static_cast<uint64_t>(
        std::upper_bound(range_cdf_.begin(), range_cdf_.end(), u) -
        range_cdf_.begin());
    range = std::min(range, ranges_ - 1);
  } else if (ranges_ > 1) {
    range = rnd->Uniform(ranges_);
  }
  const uint64_t range_size = num_ / ranges_;
  const uint64_t first = range * range_size;
  // The last range takes the remainder of num / ranges.
  const uint64_t size = range == ranges_ - 1 ? num_ - first : range_size;
  if (p_.key_dist_a == 0 || p_.key_dist_b == 0) {
    return first + rnd->Uniform(size);
  }
  const double v =
      PowerLawInverse(UniformOpenZero(rnd), p_.key_dist_a, p_.key_dist_b);
  const uint64_t rank =
      std::isfinite(v) && v >= 0 && v < 1.8e19 ? static_cast<uint64_t>(v) : 0;
  return first + Scatter(rank) % size;
}

size_t MixGraphModel::NextValueSize(Random64* rnd) const {
  const double v = GeneralizedParetoInverse(
      UniformOpenZero(rnd), p_.value_theta, p_.value_k, p_.value_sigma);
  const double max = static_cast<double>(p_.max_value_size);
  if (!(v >= 1)) return 1;  // also NaN
  return static_cast<size_t>(std::min(v, max));
}

int64_t MixGraphModel::NextScanLength(Random64* rnd) const {
  const double v = GeneralizedParetoInverse(UniformOpenZero(rnd), p_.iter_theta,
                                            p_.iter_k, p_.iter_sigma);
  const double max = static_cast<double>(p_.max_scan_len);
  if (!(v >= 0)) return 0;
  return static_cast<int64_t>(std::min(v, max));
}

double MixGraphModel::RateAt(double seconds) const {
  const double r =
      p_.sine_a * std::sin(p_.sine_b * seconds + p_.sine_c) + p_.sine_d;
  return std::max(1.0, r);
}

double MixGraphModel::NoisyRateAt(double seconds, Random64* rnd) const {
  const double u = 2 * UniformOpenZero(rnd) - 1;  // in (-1, 1]
  return std::max(1.0, RateAt(seconds) * (1 + p_.sine_noise * u));
}

}  // namespace o3lsm::bench
