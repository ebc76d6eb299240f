// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/table/index_fences.h"

#include <algorithm>
#include <cstring>

#include "lsm/dbformat.h"

namespace o3lsm {

uint32_t IndexFences::FenceOf(const Slice& user_key) const {
  // Zero-padding a short key keeps fences ordered like the keys: a key that
  // ends early sorts first, and its fence is never larger.
  uint32_t fence = 0;
  const size_t start = common_prefix_.size();
  for (size_t i = start; i < start + 4; i++) {
    fence <<= 8;
    if (i < user_key.size()) fence |= static_cast<unsigned char>(user_key[i]);
  }
  return fence;
}

bool IndexFences::Build(const Block& index) {
  common_prefix_.clear();
  fences_.clear();
  const uint32_t n = index.num_restarts();
  if (n == 0) return false;
  // A scratch iterator only decodes restart keys; it never moves.
  BlockIter it(&index);
  Slice first, last;
  if (!it.RestartKey(0, &first) || !it.RestartKey(n - 1, &last)) {
    return false;  // e.g. an empty index: there is nothing to search
  }
  // Every key between first and last shares their common user-key prefix.
  const Slice first_user = ExtractUserKey(first);
  const Slice last_user = ExtractUserKey(last);
  size_t common = 0;
  const size_t limit = std::min(first_user.size(), last_user.size());
  while (common < limit && first_user[common] == last_user[common]) common++;
  common_prefix_.assign(first_user.data(), common);

  const InternalKeyComparator icmp;
  std::vector<uint32_t> fences(n);
  Slice previous;
  for (uint32_t i = 0; i < n; i++) {
    Slice key;
    if (!it.RestartKey(i, &key)) return false;
    if (i > 0 && icmp.Compare(previous, key) >= 0) return false;
    const Slice user = ExtractUserKey(key);
    if (!user.starts_with(common_prefix_)) return false;
    fences[i] = FenceOf(user);
    previous = key;
  }
  fences_ = std::move(fences);
  return true;
}

void IndexFences::Bounds(const Slice& internal_target, uint32_t* left,
                         uint32_t* right) const {
  const auto n = static_cast<uint32_t>(fences_.size());
  const Slice user = ExtractUserKey(internal_target);
  const size_t prefix_len = common_prefix_.size();
  const int c = memcmp(user.data(), common_prefix_.data(),
                       std::min(prefix_len, user.size()));
  if (c < 0 || (c == 0 && user.size() < prefix_len)) {
    *left = *right = 0;  // before every key
    return;
  }
  if (c > 0) {
    *left = *right = n - 1;  // after every key
    return;
  }
  const uint32_t fence = FenceOf(user);
  // Keys with a smaller fence are < target; keys with a larger one are >.
  const auto lo = static_cast<uint32_t>(
      std::lower_bound(fences_.begin(), fences_.end(), fence) -
      fences_.begin());
  const auto hi = static_cast<uint32_t>(
      std::upper_bound(fences_.begin() + lo, fences_.end(), fence) -
      fences_.begin());
  *left = lo > 0 ? lo - 1 : 0;
  *right = hi > 0 ? hi - 1 : 0;
}

}  // namespace o3lsm
