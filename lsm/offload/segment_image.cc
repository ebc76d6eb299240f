// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/segment_image.h"

#include <algorithm>
#include <cstring>

#include "lsm/memtable/arena.h"
#include "lsm/memtable/skiplist.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

constexpr uint32_t kLinkSize = 4;


size_t EntrySize(const Slice& ikey, const Slice& value) {
  return VarintLength(ikey.size()) + ikey.size() + VarintLength(value.size()) +
         value.size();
}

const InternalKeyComparator kCmp;

}  // namespace

int SegmentIndex::FindFence(const Slice& internal_key) const {
  if (fences_.empty()) return -1;
  // The last fence whose first key is <= internal_key.
  size_t lo = 0;
  size_t hi = fences_.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (kCmp.Compare(fences_[mid].first_key, internal_key) <= 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? 0 : static_cast<int>(lo - 1);
}

size_t SegmentIndex::MemoryUsage() const {
  size_t bytes = filter_data_.capacity() + fences_.capacity() * sizeof(Fence);
  for (const Fence& f : fences_) bytes += f.first_key.capacity();
  return bytes;
}

// Friend of SegmentIndex; builds both the image and its index.
class SegmentImageBuilder {
 public:
  static Status Build(MemTable* mem, int bloom_bits, SegmentImage* out);
};

Status SegmentImageBuilder::Build(MemTable* mem, int bloom_bits,
                                  SegmentImage* out) {
  std::unique_ptr<Iterator> it(mem->NewIterator());

  // Pass 1: sizes.
  size_t size = MemArena::kHeaderSize + SkipList::kMaxHeight * kLinkSize;
  uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), n++) {
    size += PerfectHeight(n) * kLinkSize + EntrySize(it->key(), it->value());
    size = (size + kLinkSize - 1) & ~size_t{kLinkSize - 1};
  }
  if (!it->status().ok()) return it->status();
  if (n == 0) return Status::InvalidArgument("segment image", "empty memtable");
  if (size > MemArena::kMaxCapacity) {
    return Status::InvalidArgument("segment image", "memtable too large");
  }

  // Pass 2: lay the nodes out in key order and link them.
  out->data.reset(new char[size]);
  char* base = out->data.get();
  memset(base, 0, size);
  out->size = size;
  const uint32_t head =
      MemArena::kHeaderSize + (SkipList::kMaxHeight - 1) * kLinkSize;
  uint32_t last[SkipList::kMaxHeight];
  for (uint32_t& l : last) l = head;
  auto link = [base](uint32_t node, int level, uint32_t target) {
    EncodeFixed32(base + node - kLinkSize * level, target);
  };

  BloomFilterBuilder bloom(bloom_bits);
  std::string last_user_key;
  SegmentIndex& index = out->index;
  uint32_t pos = head + kLinkSize;
  int max_height = 1;
  uint64_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
    const Slice ikey = it->key();
    const Slice value = it->value();
    const int h = PerfectHeight(i);
    max_height = std::max(max_height, h);
    const uint32_t start = pos;
    const uint32_t node = start + (h - 1) * kLinkSize;
    char* p = base + node + kLinkSize;
    p = EncodeVarint32(p, static_cast<uint32_t>(ikey.size()));
    memcpy(p, ikey.data(), ikey.size());
    p += ikey.size();
    p = EncodeVarint32(p, static_cast<uint32_t>(value.size()));
    memcpy(p, value.data(), value.size());
    p += value.size();
    pos = static_cast<uint32_t>(p - base);
    pos = (pos + kLinkSize - 1) & ~(kLinkSize - 1);
    for (int level = 0; level < h; level++) {
      link(last[level], level, node);
      last[level] = node;
    }

    if (i % kFenceInterval == 0) {
      if (!index.fences_.empty()) {
        index.fences_.back().length = start - index.fences_.back().offset;
      }
      index.fences_.push_back(
          SegmentIndex::Fence{ikey.ToString(), start, 0, node, 0});
    }
    ParsedInternalKey parsed;
    if (!ParseInternalKey(ikey, &parsed)) {
      return Status::Corruption("memtable", "malformed internal key");
    }
    if (i == 0) out->smallest_user_key = parsed.user_key.ToString();
    if (parsed.user_key != Slice(last_user_key) || i == 0) {
      bloom.AddKey(parsed.user_key);
      last_user_key.assign(parsed.user_key.data(), parsed.user_key.size());
    }
    out->smallest_seq = std::min(out->smallest_seq, parsed.sequence);
    out->largest_seq = std::max(out->largest_seq, parsed.sequence);
  }
  if (!it->status().ok()) return it->status();
  out->largest_user_key = last_user_key;
  out->entries = i;
  index.fences_.back().length = pos - index.fences_.back().offset;
  out->size = pos;  // the tail past the last node is never used

  auto* header = reinterpret_cast<SkipListHeader*>(base);
  header->magic = SkipListHeader::kMagic;
  header->version = SkipListHeader::kVersion;
  header->head = head;
  header->max_height.store(static_cast<uint32_t>(max_height),
                           std::memory_order_relaxed);

  // Checksums last: a node's upper links are written when later nodes are
  // placed.
  for (SegmentIndex::Fence& f : index.fences_) {
    f.checksum = Checksum32(base + f.offset, f.length, f.offset);
  }
  out->checksum = Checksum64(base, out->size);
  if (bloom_bits > 0) {
    index.filter_data_ = bloom.Finish();
    index.filter_ = BloomFilterReader(index.filter_data_);
  }
  return Status::OK();
}

int PerfectHeight(uint64_t i) {
  int h = 1;
  uint64_t n = i + 1;
  while (h < SkipList::kMaxHeight && n % 4 == 0) {
    n /= 4;
    h++;
  }
  return h;
}

Status BuildSegmentImage(MemTable* mem, int bloom_bits_per_key,
                         SegmentImage* image) {
  *image = SegmentImage();
  return SegmentImageBuilder::Build(mem, bloom_bits_per_key, image);
}

RangeLookup GetFromFencedRange(const SegmentIndex::Fence& fence,
                               const char* range, const LookupKey& lkey,
                               std::string* value, Status* s) {
  auto corrupt = [&](const char* what) {
    *s = Status::Corruption("DM segment", std::string(what) +
                                              " in range at image offset " +
                                              std::to_string(fence.offset));
    return RangeLookup::kDecided;
  };
  if (Checksum32(range, fence.length, fence.offset) != fence.checksum) {
    return corrupt("checksum mismatch");
  }
  const uint64_t begin = fence.offset;
  const uint64_t end = begin + fence.length;
  const Slice target = lkey.internal_key();
  const char* const limit = range + fence.length;
  uint64_t node = fence.first_node;
  // A range holds at most kFenceInterval nodes; more steps means a link
  // loop in damaged bytes.
  for (uint32_t steps = 0; steps < kFenceInterval; steps++) {
    if (node < begin || node + kLinkSize > end) return corrupt("bad link");
    const char* p = range + (node - begin) + kLinkSize;
    uint32_t klen, vlen;
    p = GetVarint32Ptr(p, limit, &klen);
    if (p == nullptr || klen < 8 || klen > static_cast<size_t>(limit - p)) {
      return corrupt("malformed key");
    }
    const Slice ikey(p, klen);
    p += klen;
    p = GetVarint32Ptr(p, limit, &vlen);
    if (p == nullptr || vlen > static_cast<size_t>(limit - p)) {
      return corrupt("malformed value");
    }
    if (kCmp.Compare(ikey, target) >= 0) {
      if (ExtractUserKey(ikey) != lkey.user_key()) return RangeLookup::kAbsent;
      switch (static_cast<ValueType>(ExtractTag(ikey) & 0xff)) {
        case kTypeValue:
          value->assign(p, vlen);
          *s = Status::OK();
          return RangeLookup::kDecided;
        case kTypeDeletion:
          *s = Status::NotFound(Slice());
          return RangeLookup::kDecided;
      }
      return corrupt("unknown value type");
    }
    node = DecodeFixed32(range + (node - begin));
    if (node == 0) return RangeLookup::kAbsent;  // the segment's last entry
    if (node >= end) return RangeLookup::kPastRange;
  }
  return corrupt("link loop");
}

}  // namespace o3lsm
