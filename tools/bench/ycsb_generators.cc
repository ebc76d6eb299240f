// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/ycsb_generators.h"

#include <algorithm>
#include <cmath>

namespace o3lsm::bench {
namespace {

// YCSB draws its scrambled zipfian from this many items whatever the
// record count, so that every record count sees the same skew.
constexpr uint64_t kScrambledItems = 10000000000ull;

constexpr uint64_t kExactZetaTerms = 100000;
constexpr uint64_t kZetaHead = 10000;

double ZetaTerms(uint64_t from, uint64_t to, double theta) {
  // Smallest terms first, so the sum loses less precision.
  double sum = 0;
  for (uint64_t i = to; i > from; i--) {
    sum += std::pow(static_cast<double>(i), -theta);
  }
  return sum;
}

// zeta(10^10, 0.99), computed once per process (~10^4 pow calls).
double ScrambledZeta() {
  static const double zeta = ZipfZeta(kScrambledItems, kYcsbZipfianConstant);
  return zeta;
}

}  // namespace

uint64_t FnvHash64(uint64_t v) {
  constexpr uint64_t kOffsetBasis = 0xCBF29CE484222325ull;
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t h = kOffsetBasis;
  for (int i = 0; i < 8; i++) {
    h ^= v & 0xff;
    h *= kPrime;
    v >>= 8;
  }
  // Java's Math.abs on a long: negate negative values (2^63 stays).
  if (h >> 63) h = ~h + 1;
  return h;
}

double ZipfZeta(uint64_t n, double theta) {
  if (n <= kExactZetaTerms) return ZetaTerms(0, n, theta);
  // Head summed exactly, tail by Euler-Maclaurin: the integral plus the
  // end-point corrections up to the third derivative.
  const double m = static_cast<double>(kZetaHead);
  const double x = static_cast<double>(n);
  auto f = [theta](double t) { return std::pow(t, -theta); };
  auto f1 = [theta](double t) { return -theta * std::pow(t, -theta - 1); };
  auto f3 = [theta](double t) {
    return -theta * (theta + 1) * (theta + 2) * std::pow(t, -theta - 3);
  };
  const double integral =
      (std::pow(x, 1 - theta) - std::pow(m, 1 - theta)) / (1 - theta);
  const double tail = integral + (f(x) - f(m)) / 2 + (f1(x) - f1(m)) / 12 -
                      (f3(x) - f3(m)) / 720;
  return ZetaTerms(0, kZetaHead, theta) + tail;
}

ZipfianGenerator::ZipfianGenerator(uint64_t items, double theta)
    : ZipfianGenerator(items, theta, ZipfZeta(items, theta)) {}

ZipfianGenerator::ZipfianGenerator(uint64_t items, double theta, double zetan)
    : items_(std::max<uint64_t>(items, 1)),
      theta_(theta),
      zetan_(zetan),
      zeta2_(1 + std::pow(2.0, -theta)) {
  DeriveConstants();
}

void ZipfianGenerator::DeriveConstants() {
  alpha_ = 1.0 / (1.0 - theta_);
  second_threshold_ = 1.0 + std::pow(0.5, theta_);
  if (items_ >= 2) {
    eta_ = (1.0 - std::pow(2.0 / static_cast<double>(items_), 1.0 - theta_)) /
           (1.0 - zeta2_ / zetan_);
  } else {
    eta_ = 0;
  }
}

uint64_t ZipfianGenerator::Sample(double u) const {
  const double uz = u * zetan_;
  if (uz < 1.0 || items_ == 1) return 0;
  if (uz < second_threshold_) return 1;
  const double r =
      static_cast<double>(items_) * std::pow(eta_ * u - eta_ + 1.0, alpha_);
  const auto item = static_cast<uint64_t>(r);
  return std::min(item, items_ - 1);
}

void ZipfianGenerator::GrowTo(uint64_t items) {
  if (items <= items_) return;
  zetan_ += ZetaTerms(items_, items, theta_);
  items_ = items;
  DeriveConstants();
}

ScrambledZipfianGenerator::ScrambledZipfianGenerator(uint64_t items,
                                                     double theta)
    : items_(std::max<uint64_t>(items, 1)),
      zipf_(theta == kYcsbZipfianConstant
                ? ZipfianGenerator(kScrambledItems, theta, ScrambledZeta())
                : ZipfianGenerator(items_, theta)) {}

uint64_t ScrambledZipfianGenerator::Next(Random64* rnd) const {
  return FnvHash64(zipf_.Next(rnd)) % items_;
}

SkewedLatestGenerator::SkewedLatestGenerator(uint64_t initial_latest,
                                             double theta)
    : zipf_(initial_latest + 1, theta) {}

uint64_t SkewedLatestGenerator::Next(Random64* rnd, uint64_t latest) {
  zipf_.GrowTo(latest + 1);
  // The Zipfian may span more items than latest + 1 if latest went down
  // (it cannot with an AcknowledgedCounter); clamp to stay in range.
  const uint64_t back = std::min(zipf_.Next(rnd), latest);
  return latest - back;
}

void AcknowledgedCounter::Acknowledge(uint64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t limit = limit_.load(std::memory_order_relaxed);
  if (n != limit) {
    pending_.insert(n);
    return;
  }
  limit++;
  while (!pending_.empty() && *pending_.begin() == limit) {
    pending_.erase(pending_.begin());
    limit++;
  }
  limit_.store(limit, std::memory_order_release);
}

}  // namespace o3lsm::bench
