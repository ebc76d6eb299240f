// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/shard_router.h"

#include <algorithm>
#include <cstdio>

namespace o3lsm {

namespace {

// About one key in this many is sampled (randomized, so a periodic key
// pattern cannot alias with it).
constexpr uint32_t kSampleEvery = 16;
// Fewer distinct keys per shard than this and the quantiles mean little.
constexpr size_t kMinKeysPerShard = 8;
// Share of consecutive samples that must move one way to call it a trend.
constexpr double kTrendShare = 0.95;

std::string Escape(const Slice& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= ' ' && c <= '~' && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

size_t CommonPrefix(const std::string& a, const std::string& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) i++;
  return i;
}

// The 8 bytes of key after `skip`, big-endian, zero-padded: an order-
// preserving number for keys sharing their first `skip` bytes.
uint64_t Embed(const std::string& key, size_t skip) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) {
    const size_t at = skip + i;
    const uint64_t byte =
        at < key.size() ? static_cast<unsigned char>(key[at]) : 0;
    v = (v << 8) | byte;
  }
  return v;
}

std::string Unembed(const std::string& prefix, uint64_t v) {
  std::string key = prefix;
  for (int i = 7; i >= 0; i--) {
    key.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  return key;
}

}  // namespace

ShardRouter::ShardRouter(std::vector<std::string> boundaries,
                         uint64_t generation)
    : boundaries_(std::move(boundaries)), generation_(generation) {}

int ShardRouter::ShardOf(const Slice& key) const {
  // The number of boundaries <= key.
  size_t lo = 0;
  size_t hi = boundaries_.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (key.compare(boundaries_[mid]) >= 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return static_cast<int>(lo);
}

std::string ShardRouter::Describe() const {
  std::string r;
  for (int i = 0; i < num_shards(); i++) {
    if (i > 0) r += " ";
    r += i == 0 ? "[-inf" : "[\"" + Escape(lower(i)) + "\"";
    r += has_upper(i) ? ", \"" + Escape(upper(i)) + "\")" : ", +inf)";
  }
  return r;
}

ShardPlanner::ShardPlanner(int target_shards, size_t sample_size)
    : target_shards_(std::max(1, target_shards)),
      sample_size_(std::max<size_t>(64, sample_size)),
      countdown_(1) {
  ring_.reserve(sample_size_);
}

void ShardPlanner::Observe(const Slice& key, uint64_t bytes) {
  const uint64_t before = bytes_seen_;
  bytes_seen_ += bytes;
  if (--countdown_ > 0) return;
  countdown_ = 1 + static_cast<uint32_t>(rnd_.Uniform(2 * kSampleEvery - 1));
  samples_taken_++;
  Sample s{key.ToString(), before};
  if (ring_.size() < sample_size_) {
    ring_.push_back(std::move(s));
  } else {
    ring_[ring_head_] = std::move(s);
    ring_head_ = (ring_head_ + 1) % sample_size_;
  }
}

int ShardPlanner::Trend() const {
  if (ring_.size() < 64) return 0;
  size_t up = 0;
  size_t down = 0;
  const size_t n = ring_.size();
  for (size_t i = 1; i < n; i++) {
    const std::string& prev = ring_[(ring_head_ + i - 1) % n].key;
    const std::string& cur = ring_[(ring_head_ + i) % n].key;
    const int c = Slice(cur).compare(prev);
    if (c > 0) up++;
    if (c < 0) down++;
  }
  const double pairs = static_cast<double>(n - 1);
  if (up >= kTrendShare * pairs) return +1;
  if (down >= kTrendShare * pairs) return -1;
  return 0;
}

bool ShardPlanner::ShouldResplit(const ShardRouter& router,
                                 const std::vector<uint64_t>& shard_bytes,
                                 uint64_t memtable_bytes,
                                 double imbalance) const {
  if (target_shards_ <= 1) return false;
  if (router.num_shards() < target_shards_) {
    return ring_.size() >= kMinKeysPerShard * target_shards_ * 4 &&
           samples_taken_ >= retry_at_samples_;
  }
  uint64_t total = 0;
  uint64_t max = 0;
  for (uint64_t b : shard_bytes) {
    total += b;
    max = std::max(max, b);
  }
  if (total == 0) return false;
  const double share = std::max(
      static_cast<double>(total) / shard_bytes.size(),
      static_cast<double>(memtable_bytes));
  return static_cast<double>(max) > imbalance * share;
}

std::vector<std::string> ShardPlanner::QuantileBoundaries(int shards) const {
  std::vector<std::string> keys;
  keys.reserve(ring_.size());
  for (const auto& s : ring_) keys.push_back(s.key);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  const size_t max_shards = std::max<size_t>(1, keys.size() / kMinKeysPerShard);
  shards = static_cast<int>(std::min<size_t>(shards, max_shards));
  std::vector<std::string> result;
  for (int i = 1; i < shards; i++) {
    const size_t j = i * keys.size() / shards;
    // The shortest prefix of keys[j] still above keys[j-1]: a short
    // boundary that keeps keys[j-1] below and keys[j] at or above it.
    const size_t cpl = CommonPrefix(keys[j - 1], keys[j]);
    std::string b = keys[j].substr(0, std::min(keys[j].size(), cpl + 1));
    if (result.empty() || Slice(b).compare(result.back()) > 0) {
      result.push_back(std::move(b));
    }
  }
  return result;
}

std::vector<std::string> ShardPlanner::TrendBoundaries(
    int shards, int trend, uint64_t horizon_bytes) const {
  const size_t n = ring_.size();
  auto at = [&](size_t i) -> const Sample& {
    return ring_[(ring_head_ + i) % n];
  };
  size_t prefix = at(0).key.size();
  for (size_t i = 1; i < n && prefix > 0; i++) {
    prefix = std::min(prefix, CommonPrefix(at(0).key, at(i).key));
  }
  const std::string common = at(0).key.substr(0, prefix);

  // Slope of key value against bytes written, from the mean of the first
  // and last quarters of the sample (robust to a few stragglers).
  const size_t q = std::max<size_t>(1, n / 4);
  long double e_first = 0, e_last = 0, b_first = 0, b_last = 0;
  for (size_t i = 0; i < q; i++) {
    e_first += Embed(at(i).key, prefix);
    b_first += at(i).bytes_before;
    e_last += Embed(at(n - q + i).key, prefix);
    b_last += at(n - q + i).bytes_before;
  }
  e_first /= q;
  e_last /= q;
  b_first /= q;
  b_last /= q;
  if (b_last <= b_first || e_last == e_first) return {};
  const long double slope = (e_last - e_first) / (b_last - b_first);
  const long double now = Embed(at(n - 1).key, prefix);
  const long double span = slope * static_cast<long double>(horizon_bytes);

  std::vector<std::string> result;
  for (int i = 1; i < shards; i++) {
    const long double step = span * i / shards;
    long double v = now + (trend > 0 ? step : -step);
    if (v < 0) v = 0;
    if (v > 18446744073709551615.0L) v = 18446744073709551615.0L;
    result.push_back(Unembed(common, static_cast<uint64_t>(v)));
  }
  if (trend < 0) std::reverse(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  // Keep only a strictly increasing run of non-empty keys.
  std::vector<std::string> clean;
  for (auto& b : result) {
    if (!b.empty() && (clean.empty() || Slice(b).compare(clean.back()) > 0)) {
      clean.push_back(std::move(b));
    }
  }
  return clean;
}

std::vector<std::string> ShardPlanner::ChooseBoundaries(
    uint64_t horizon_bytes) {
  if (target_shards_ <= 1 || ring_.empty()) return {};
  const int trend = Trend();
  if (trend != 0) {
    std::vector<std::string> b =
        TrendBoundaries(target_shards_, trend, horizon_bytes);
    if (static_cast<int>(b.size()) == target_shards_ - 1) return b;
  }
  std::vector<std::string> b = QuantileBoundaries(target_shards_);
  if (static_cast<int>(b.size()) < target_shards_ - 1) {
    // Too few distinct keys: the sample must turn over before a re-split
    // could find more.
    retry_at_samples_ = samples_taken_ + sample_size_;
  }
  return b;
}

}  // namespace o3lsm
