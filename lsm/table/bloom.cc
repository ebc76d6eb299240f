// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/table/bloom.h"

#include <algorithm>

#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

constexpr size_t kLineBytes = 64;
constexpr uint32_t kLineBits = kLineBytes * 8;  // 512: 9 bits per probe
constexpr size_t kTrailerSize = 6;  // fixed32 num_lines, num_probes, kind
constexpr unsigned char kKindBlockedBloom = 1;
constexpr int kMaxProbes = 30;

// Which line a hash selects: the high 32 bits scaled into [0, num_lines)
// (a multiply instead of a modulo).
inline uint32_t LineOf(uint64_t hash, uint32_t num_lines) {
  return static_cast<uint32_t>(((hash >> 32) * uint64_t{num_lines}) >> 32);
}

// The probe bits come 9 at a time from the top of a remix of the whole hash,
// so they are independent of the line choice above; seven probes use 63
// bits, after which the state is remixed again.
inline uint64_t RemixForProbes(uint64_t x) {
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 29;
  return x;
}

template <typename Visit>
inline bool ForEachProbe(uint64_t hash, int num_probes, Visit&& visit) {
  uint64_t state = RemixForProbes(hash);
  uint64_t bits = state;
  int left_in_bits = 7;
  for (int i = 0; i < num_probes; i++) {
    if (left_in_bits == 0) {
      state = RemixForProbes(state + 0x9e3779b97f4a7c15ull);
      bits = state;
      left_in_bits = 7;
    }
    if (!visit(static_cast<uint32_t>(bits >> 55))) return false;
    bits <<= 9;
    left_in_bits--;
  }
  return true;
}

}  // namespace

uint64_t BloomHash(const Slice& key) {
  return Checksum64(key.data(), key.size(), 0);
}

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key)
    : bits_per_key_(std::max(bits_per_key, 1)) {}

int BloomFilterBuilder::NumProbes(int bits_per_key) {
  // A classic bloom filter wants ln(2) * bits_per_key probes. In a blocked
  // one, lines that drew more than their share of keys fill up, so fewer
  // probes do better. Measured with 1M keys (false positives by probes):
  //   10 bits/key: 1.05% at 5, 0.97% at 6 and 7, 1.02% at 8;
  //   12 bits/key: 0.45% at 6, 0.42% at 7 and 8;
  //   16 bits/key: 0.101% at 7, 0.083% at 9, 0.084% at 10;
  //   20 bits/key: 0.031% at 7, 0.018% at 11, 0.020% at 12.
  // 0.6 * bits_per_key is at or next to the best each time, and of equally
  // good counts the smaller one probes faster.
  const int k = static_cast<int>(bits_per_key * 0.6 + 0.5);
  return std::clamp(k, 1, kMaxProbes);
}

std::string BloomFilterBuilder::Finish() {
  const uint64_t total_bits =
      std::max<uint64_t>(uint64_t{hashes_.size()} * bits_per_key_, 1);
  const uint64_t lines64 = (total_bits + kLineBits - 1) / kLineBits;
  const auto num_lines = static_cast<uint32_t>(
      std::min<uint64_t>(lines64, UINT32_MAX / kLineBytes));
  const int num_probes = NumProbes(bits_per_key_);

  std::string filter(size_t{num_lines} * kLineBytes + kTrailerSize, '\0');
  char* lines = filter.data();
  for (uint64_t h : hashes_) {
    char* line = lines + size_t{LineOf(h, num_lines)} * kLineBytes;
    ForEachProbe(h, num_probes, [line](uint32_t bit) {
      line[bit >> 3] = static_cast<char>(line[bit >> 3] | (1 << (bit & 7)));
      return true;
    });
  }
  char* trailer = lines + size_t{num_lines} * kLineBytes;
  EncodeFixed32(trailer, num_lines);
  trailer[4] = static_cast<char>(num_probes);
  trailer[5] = static_cast<char>(kKindBlockedBloom);
  hashes_.clear();
  return filter;
}

BloomFilterReader::BloomFilterReader(const Slice& filter) {
  if (filter.size() < kTrailerSize + kLineBytes) return;
  const char* trailer = filter.data() + filter.size() - kTrailerSize;
  const uint32_t num_lines = DecodeFixed32(trailer);
  const int num_probes = static_cast<unsigned char>(trailer[4]);
  const auto kind = static_cast<unsigned char>(trailer[5]);
  if (kind != kKindBlockedBloom || num_probes < 1 || num_probes > kMaxProbes ||
      num_lines == 0 ||
      uint64_t{num_lines} * kLineBytes != filter.size() - kTrailerSize) {
    return;  // unknown or damaged: valid_ stays false, every key may match
  }
  lines_ = filter.data();
  num_lines_ = num_lines;
  num_probes_ = num_probes;
  valid_ = true;
}

ConcurrentBloomFilter::ConcurrentBloomFilter(size_t bytes)
    : num_words_(static_cast<uint32_t>(std::clamp<size_t>(
          (bytes + sizeof(uint64_t) - 1) / sizeof(uint64_t), 1, UINT32_MAX))),
      words_(new std::atomic<uint64_t>[num_words_]()) {}

uint64_t ConcurrentBloomFilter::MaskOf(uint64_t hash) {
  // 5 probes: the fewest false positives for a 64-bit block at 10 to 20
  // bits per key (by the Poisson model: 1.71% / 1.77% at 5 / 6 probes and
  // 10 bits per key, 0.21% / 0.18% at 20, where 5 sets fewer bits).
  constexpr int kProbes = 5;
  uint64_t bits = RemixForProbes(hash);
  uint64_t mask = 0;
  for (int i = 0; i < kProbes; i++) {
    mask |= uint64_t{1} << (bits >> 58);
    bits <<= 6;
  }
  return mask;
}

bool BloomFilterReader::HashMayMatch(uint64_t hash) const {
  if (!valid_) return true;
  const char* line = lines_ + size_t{LineOf(hash, num_lines_)} * kLineBytes;
  return ForEachProbe(hash, num_probes_, [line](uint32_t bit) {
    return (line[bit >> 3] & (1 << (bit & 7))) != 0;
  });
}

}  // namespace o3lsm
