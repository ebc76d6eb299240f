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

constexpr uint32_t kLinkSize = kImageLinkSize;

size_t EntrySize(const Slice& ikey, const Slice& value) {
  return VarintLength(ikey.size()) + ikey.size() + VarintLength(value.size()) +
         value.size();
}

const InternalKeyComparator kCmp;

}  // namespace

uint64_t SegmentIndex::KeyPrefix(const Slice& user_key) {
  uint64_t prefix = 0;
  const size_t n = std::min<size_t>(8, user_key.size());
  for (size_t i = 0; i < n; i++) {
    prefix |= uint64_t{static_cast<unsigned char>(user_key[i])} << (56 - 8 * i);
  }
  return prefix;
}

int SegmentIndex::FindFence(const Slice& internal_key) const {
  if (fences_.empty()) return -1;
  // The last fence whose first key is <= internal_key. Most steps of the
  // search are settled by the prefixes alone (perf: a seek over 69
  // segments spent 17% of its time here comparing heap-held keys).
  const uint64_t prefix = KeyPrefix(ExtractUserKey(internal_key));
  size_t lo = 0;
  size_t hi = fences_.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    const uint64_t p = fence_prefixes_[mid];
    const bool at_or_before =
        p != prefix ? p < prefix
                    : kCmp.Compare(fences_[mid].first_key, internal_key) <= 0;
    if (at_or_before) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? 0 : static_cast<int>(lo - 1);
}

size_t SegmentIndex::HintOffset(size_t i) const {
  const Slice a = ExtractUserKey(fences_[i].first_key);
  const Slice b = i + 1 < fences_.size()
                      ? ExtractUserKey(fences_[i + 1].first_key)
                      : Slice(largest_user_key_);
  const size_t n = std::min(a.size(), b.size());
  size_t at = 0;
  while (at < n && a[at] == b[at]) at++;
  return at;
}

size_t SegmentIndex::MemoryUsage() const {
  size_t bytes = filter_data_.capacity() + fences_.capacity() * sizeof(Fence) +
                 fence_prefixes_.capacity() * sizeof(uint64_t) +
                 largest_user_key_.capacity();
  for (const Fence& f : fences_) bytes += f.first_key.capacity();
  return bytes;
}

// Friend of SegmentIndex; builds an image and its index.
class SegmentImageBuilder {
 public:
  SegmentImageBuilder(SegmentImage* out, SegmentLayout layout, int bloom_bits)
      : out_(out), bloom_(bloom_bits), bloom_bits_(bloom_bits) {
    out_->layout = layout;
    out_->index.layout_ = layout;
  }

  Status BuildSorted(MemTable* mem);
  Status BuildArena(MemTable* mem);

 private:
  // Accounts entry i (in key order) for the key range, sequence range and
  // bloom filter.
  Status Note(uint64_t i, const Slice& ikey);
  // Opens a fence whose range starts with internal key ikey.
  void OpenFence(const Slice& ikey, uint32_t offset, uint32_t first_node) {
    out_->index.fences_.push_back(
        SegmentIndex::Fence{ikey.ToString(), offset, 0, first_node, 0});
  }
  void FinishIndex(uint64_t entries);
  // kArenaCopy: writes the hints of fence f's records (whose user keys
  // fence_keys_ holds) and its checksum, once HintOffset(f) is known: the
  // fence after it is open, or the index finished.
  void CloseArenaFence(size_t f);

  SegmentImage* const out_;
  BloomFilterBuilder bloom_;
  const int bloom_bits_;
  std::string last_user_key_;
  // kArenaCopy: the user keys of the open fence's entries (in the arena).
  std::vector<Slice> fence_keys_;
};

Status SegmentImageBuilder::Note(uint64_t i, const Slice& ikey) {
  ParsedInternalKey parsed;
  if (!ParseInternalKey(ikey, &parsed)) {
    return Status::Corruption("memtable", "malformed internal key");
  }
  if (i == 0) out_->smallest_user_key = parsed.user_key.ToString();
  if (parsed.user_key != Slice(last_user_key_) || i == 0) {
    bloom_.AddKey(parsed.user_key);
    last_user_key_.assign(parsed.user_key.data(), parsed.user_key.size());
  }
  out_->smallest_seq = std::min(out_->smallest_seq, parsed.sequence);
  out_->largest_seq = std::max(out_->largest_seq, parsed.sequence);
  return Status::OK();
}

void SegmentImageBuilder::FinishIndex(uint64_t entries) {
  out_->largest_user_key = last_user_key_;
  out_->entries = entries;
  SegmentIndex& index = out_->index;
  index.largest_user_key_ = last_user_key_;
  index.fence_prefixes_.reserve(index.fences_.size());
  for (const SegmentIndex::Fence& f : index.fences_) {
    index.fence_prefixes_.push_back(
        SegmentIndex::KeyPrefix(ExtractUserKey(f.first_key)));
  }
  if (bloom_bits_ > 0) {
    index.filter_data_ = bloom_.Finish();
    index.filter_ = BloomFilterReader(index.filter_data_);
  }
}

Status SegmentImageBuilder::BuildSorted(MemTable* mem) {
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
  out_->data.reset(new char[size]);
  char* base = out_->data.get();
  out_->bytes = base;
  memset(base, 0, size);
  const uint32_t head =
      MemArena::kHeaderSize + (SkipList::kMaxHeight - 1) * kLinkSize;
  uint32_t last[SkipList::kMaxHeight];
  for (uint32_t& l : last) l = head;
  auto link = [base](uint32_t node, int level, uint32_t target) {
    EncodeFixed32(base + node - kLinkSize * level, target);
  };

  std::vector<SegmentIndex::Fence>& fences = out_->index.fences_;
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
      if (!fences.empty()) fences.back().length = start - fences.back().offset;
      OpenFence(ikey, start, node);
    }
    Status s = Note(i, ikey);
    if (!s.ok()) return s;
  }
  if (!it->status().ok()) return it->status();
  fences.back().length = pos - fences.back().offset;
  out_->size = pos;  // the tail past the last node is never used

  auto* header = reinterpret_cast<SkipListHeader*>(base);
  header->magic = SkipListHeader::kMagic;
  header->version = SkipListHeader::kVersion;
  header->head = head;
  header->max_height.store(static_cast<uint32_t>(max_height),
                           std::memory_order_relaxed);

  // Checksums last: a node's upper links are written when later nodes are
  // placed.
  for (SegmentIndex::Fence& f : fences) {
    f.checksum = Checksum32(base + f.offset, f.length, f.offset);
  }
  out_->checksum = Checksum64(base, out_->size);
  FinishIndex(i);
  return Status::OK();
}

Status SegmentImageBuilder::BuildArena(MemTable* mem) {
  const char* const base = mem->image();
  const size_t used = mem->image_size();
  if (used > MemArena::kMaxCapacity) {
    return Status::InvalidArgument("segment image", "memtable too large");
  }
  std::unique_ptr<Iterator> it(mem->NewIterator());
  std::vector<SegmentIndex::Fence>& fences = out_->index.fences_;
  out_->order.reserve(mem->num_entries() * kOrderRecordSize);
  uint64_t i = 0;
  // One walk in key order: the iterator's slices point into the arena, so
  // each entry's place and length come from them, and nothing is copied.
  for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
    const Slice ikey = it->key();
    const Slice value = it->value();
    const char* entry = ikey.data() - VarintLength(ikey.size());
    const char* end = value.data() + value.size();
    if (entry < base + MemArena::kHeaderSize || end > base + used ||
        end <= entry) {
      return Status::Corruption("memtable", "entry outside its arena");
    }
    Status s = Note(i, ikey);
    if (!s.ok()) return s;
    if (i % kFenceInterval == 0) {
      OpenFence(ikey, static_cast<uint32_t>(i), 0);
      if (fences.size() > 1) CloseArenaFence(fences.size() - 2);
    }
    const auto offset = static_cast<uint32_t>(entry - base);
    const auto length = static_cast<uint32_t>(end - entry);
    PutFixed32(&out_->order, offset);
    PutFixed32(&out_->order, length);
    PutFixed32(&out_->order, EntryChecksum(entry, length, offset));
    PutFixed32(&out_->order, 0);  // the hint, once the fence is closed
    fences.back().length++;
    fence_keys_.push_back(ExtractUserKey(ikey));
  }
  if (!it->status().ok()) return it->status();
  if (i == 0) return Status::InvalidArgument("segment image", "empty memtable");
  out_->bytes = base;
  out_->size = used;
  out_->checksum = Checksum64(base, used);
  FinishIndex(i);
  CloseArenaFence(fences.size() - 1);
  return Status::OK();
}

void SegmentImageBuilder::CloseArenaFence(size_t f) {
  SegmentIndex::Fence& fence = out_->index.fences_[f];
  const size_t at = out_->index.HintOffset(f);
  char* records = out_->order.data() + size_t{fence.offset} * kOrderRecordSize;
  for (size_t k = 0; k < fence_keys_.size(); k++) {
    EncodeFixed32(records + k * kOrderRecordSize + 12,
                  KeyHint(fence_keys_[k], at));
  }
  fence.checksum = OrderRecordsChecksum(records, fence.length, fence.offset);
  fence_keys_.clear();
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

Status BuildSegmentImage(MemTable* mem, SegmentLayout layout,
                         int bloom_bits_per_key, SegmentImage* image) {
  *image = SegmentImage();
  SegmentImageBuilder builder(image, layout, bloom_bits_per_key);
  return layout == SegmentLayout::kArenaCopy ? builder.BuildArena(mem)
                                             : builder.BuildSorted(mem);
}

uint32_t KeyHint(const Slice& user_key, size_t at) {
  uint32_t hint = 0;
  for (size_t i = 0; i < 4; i++) {
    const size_t b = at + i;
    hint = (hint << 8) |
           (b < user_key.size() ? static_cast<unsigned char>(user_key[b]) : 0u);
  }
  return hint;
}

std::string KeyHintLowerBound(const Slice& prefix, size_t at, uint32_t hint) {
  std::string key(prefix.data(), std::min(at, prefix.size()));
  // The hint's bytes without its trailing zeros (which may be padding): a
  // key with this hint starts with them, so none sorts before this one.
  int bytes = 4;
  while (bytes > 0 && ((hint >> (8 * (4 - bytes))) & 0xff) == 0) bytes--;
  for (int i = 0; i < bytes; i++) {
    key.push_back(static_cast<char>((hint >> (24 - 8 * i)) & 0xff));
  }
  return key;
}

const char* DecodeSegmentEntry(const char* p, const char* limit, Slice* ikey,
                               Slice* value) {
  uint32_t klen, vlen;
  p = GetVarint32Ptr(p, limit, &klen);
  if (p == nullptr || klen < 8 || klen > static_cast<size_t>(limit - p)) {
    return nullptr;
  }
  *ikey = Slice(p, klen);
  p += klen;
  p = GetVarint32Ptr(p, limit, &vlen);
  if (p == nullptr || vlen > static_cast<size_t>(limit - p)) return nullptr;
  *value = Slice(p, vlen);
  return p + vlen;
}

Status DecodeOrderRecord(const char* order, uint64_t image_length,
                         OrderRecord* record) {
  record->offset = DecodeFixed32(order);
  record->length = DecodeFixed32(order + 4);
  record->checksum = DecodeFixed32(order + 8);
  record->hint = DecodeFixed32(order + 12);
  // The smallest entry: two one-byte varints and an 8-byte key tag.
  constexpr uint32_t kMinEntry = 10;
  if (record->offset < MemArena::kHeaderSize || record->length < kMinEntry ||
      uint64_t{record->offset} + record->length > image_length) {
    return Status::Corruption("DM segment",
                              "order record of entry at image offset " +
                                  std::to_string(record->offset) + ", length " +
                                  std::to_string(record->length) +
                                  " lies outside the image");
  }
  return Status::OK();
}

Status DecodeFenceRecords(const SegmentIndex::Fence& fence,
                          const char* records, uint64_t image_length,
                          OrderRecord* out) {
  if (fence.length == 0 || fence.length > kFenceInterval) {
    return Status::Corruption("DM segment",
                              "fence of " + std::to_string(fence.length) +
                                  " entries at entry " +
                                  std::to_string(fence.offset));
  }
  if (OrderRecordsChecksum(records, fence.length, fence.offset) !=
      fence.checksum) {
    return Status::Corruption(
        "DM segment",
        "order records checksum mismatch in range at entry " +
            std::to_string(fence.offset));
  }
  for (uint32_t k = 0; k < fence.length; k++) {
    Status s =
        DecodeOrderRecord(records + k * kOrderRecordSize, image_length, &out[k]);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

void HintRun(const OrderRecord* records, uint32_t n, uint32_t hint,
             uint32_t* below, uint32_t* through) {
  // Verified records are in key order, so their hints never decrease.
  uint32_t k = 0;
  while (k < n && records[k].hint < hint) k++;
  *below = k;
  while (k < n && records[k].hint == hint) k++;
  *through = k;
}

void LookupRun(const SegmentIndex& index, size_t fence,
               const OrderRecord* records, const Slice& user_key,
               uint32_t* first, uint32_t* count) {
  uint32_t through;
  HintRun(records, index.fences()[fence].length,
          KeyHint(user_key, index.HintOffset(fence)), first, &through);
  *count = through - *first;
}

namespace {

// what: the damage; where: the fenced range ("image offset N", "entry N").
RangeLookup CorruptRange(const char* what, const char* unit, uint32_t where,
                         Status* s) {
  *s = Status::Corruption("DM segment", std::string(what) + " in range at " +
                                            unit + " " + std::to_string(where));
  return RangeLookup::kDecided;
}

// The answer given by ikey/v, the first entry at or after lkey: kDecided
// (a value, a deletion, or Corruption naming the range at unit where) or
// kAbsent (another user key). Sets hit->sequence (hit may be null).
RangeLookup Decide(const Slice& ikey, const Slice& v, const LookupKey& lkey,
                   const char* unit, uint32_t where, std::string* value,
                   Status* s, RangeHit* hit) {
  if (ExtractUserKey(ikey) != lkey.user_key()) return RangeLookup::kAbsent;
  if (hit != nullptr) hit->sequence = ExtractTag(ikey) >> 8;
  switch (lkey.EntryType(ExtractTag(ikey))) {
    case kTypeValue:
      value->assign(v.data(), v.size());
      *s = Status::OK();
      return RangeLookup::kDecided;
    case kTypeDeletion:
      *s = Status::NotFound(Slice());
      return RangeLookup::kDecided;
  }
  return CorruptRange("entry of unknown value type", unit, where, s);
}

// Decodes entry bytes [p, p + r.length) after verifying them by r's
// checksum. False if they are damaged.
bool DecodeCheckedEntry(const OrderRecord& r, const char* p, Slice* ikey,
                        Slice* value) {
  return EntryChecksum(p, r.length, r.offset) == r.checksum &&
         DecodeSegmentEntry(p, p + r.length, ikey, value) == p + r.length;
}

}  // namespace

RangeLookup GetFromFencedRange(const SegmentIndex::Fence& fence,
                               const char* range, const LookupKey& lkey,
                               std::string* value, Status* s, RangeHit* hit) {
  auto corrupt = [&](const char* what) {
    return CorruptRange(what, "image offset", fence.offset, s);
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
    Slice ikey, v;
    if (DecodeSegmentEntry(range + (node - begin) + kLinkSize, limit, &ikey, &v) ==
        nullptr) {
      return corrupt("malformed entry");
    }
    if (kCmp.Compare(ikey, target) >= 0) {
      if (hit != nullptr) hit->at = static_cast<uint32_t>(node);
      return Decide(ikey, v, lkey, "image offset", fence.offset, value, s,
                    hit);
    }
    node = DecodeFixed32(range + (node - begin));
    if (node == 0) return RangeLookup::kAbsent;  // the segment's last entry
    if (node >= end) return RangeLookup::kPastRange;
  }
  return corrupt("link loop");
}

RangeLookup GetFromFencedEntries(const SegmentIndex::Fence& fence,
                                 const OrderRecord* records, uint32_t first,
                                 uint32_t count, const char* entries,
                                 const LookupKey& lkey, std::string* value,
                                 Status* s, RangeHit* hit) {
  const Slice target = lkey.internal_key();
  const char* p = entries;
  for (uint32_t k = first; k < first + count; k++) {
    Slice ikey, v;
    if (!DecodeCheckedEntry(records[k], p, &ikey, &v)) {
      return CorruptRange("checksum mismatch", "entry", fence.offset, s);
    }
    if (kCmp.Compare(ikey, target) >= 0) {
      if (hit != nullptr) hit->at = k;
      return Decide(ikey, v, lkey, "entry", fence.offset, value, s, hit);
    }
    p += records[k].length;
  }
  return first + count == fence.length ? RangeLookup::kPastRange
                                       : RangeLookup::kAbsent;
}

Status ArenaPointLookup::Plan(const SegmentIndex& index, int fence,
                              bool with_next, const char* records,
                              uint64_t image_length, const Slice& user_key) {
  index_ = &index;
  fence_ = fence;
  ranges_ = 0;
  reads_.clear();
  bytes_ = 0;
  const int ranges = with_next ? 2 : 1;
  for (int r = 0; r < ranges; r++) {
    const SegmentIndex::Fence& f = index.fences()[fence + r];
    Status s = DecodeFenceRecords(f, records, image_length, records_[r]);
    if (!s.ok()) return s;
    records += size_t{f.length} * kOrderRecordSize;
    LookupRun(index, fence + r, records_[r], user_key, &first_[r], &count_[r]);
    ranges_ = r + 1;
    for (uint32_t k = first_[r]; k < first_[r] + count_[r]; k++) {
      reads_.push_back(&records_[r][k]);
      bytes_ += records_[r][k].length;
    }
    // Only a range whose entries all sort before the key sends the lookup
    // on to the next one.
    if (first_[r] + count_[r] < f.length) break;
  }
  return Status::OK();
}

RangeLookup ArenaPointLookup::Decide(const char* entries, const LookupKey& lkey,
                                     std::string* value, Status* s,
                                     RangeHit* hit, int* range) const {
  for (int r = 0; r < ranges_; r++) {
    const SegmentIndex::Fence& f = index_->fences()[fence_ + r];
    RangeLookup result =
        count_[r] == 0
            ? (first_[r] == f.length ? RangeLookup::kPastRange
                                     : RangeLookup::kAbsent)
            : GetFromFencedEntries(f, records_[r], first_[r], count_[r],
                                   entries, lkey, value, s, hit);
    if (result != RangeLookup::kPastRange) {
      if (range != nullptr) *range = r;
      return result;
    }
    for (uint32_t k = first_[r]; k < first_[r] + count_[r]; k++) {
      entries += records_[r][k].length;
    }
  }
  return RangeLookup::kPastRange;
}

Status DecodeFencedRange(const SegmentIndex::Fence& fence, const char* range,
                         std::vector<SegmentEntry>* out) {
  Status s;
  if (Checksum32(range, fence.length, fence.offset) != fence.checksum) {
    CorruptRange("checksum mismatch", "image offset", fence.offset, &s);
    return s;
  }
  const uint64_t begin = fence.offset;
  const uint64_t end = begin + fence.length;
  const char* const limit = range + fence.length;
  uint64_t node = fence.first_node;
  // A range holds at most kFenceInterval nodes, linked in key order; a
  // link out of the range ends it.
  for (uint32_t steps = 0; steps < kFenceInterval; steps++) {
    if (node < begin || node + kLinkSize > end) {
      CorruptRange("bad link", "image offset", fence.offset, &s);
      return s;
    }
    SegmentEntry e;
    if (DecodeSegmentEntry(range + (node - begin) + kLinkSize, limit,
                      &e.internal_key, &e.value) == nullptr) {
      CorruptRange("malformed entry", "image offset", fence.offset, &s);
      return s;
    }
    out->push_back(e);
    node = DecodeFixed32(range + (node - begin));
    if (node == 0 || node >= end) return Status::OK();
  }
  CorruptRange("link loop", "image offset", fence.offset, &s);
  return s;
}

Status DecodeFencedEntries(const SegmentIndex::Fence& fence,
                           const OrderRecord* records, uint32_t first,
                           uint32_t count, const char* entries,
                           std::vector<SegmentEntry>* out) {
  const char* p = entries;
  for (uint32_t k = first; k < first + count; k++) {
    SegmentEntry e;
    if (!DecodeCheckedEntry(records[k], p, &e.internal_key, &e.value)) {
      Status s;
      CorruptRange("checksum mismatch", "entry", fence.offset, &s);
      return s;
    }
    out->push_back(e);
    p += records[k].length;
  }
  return Status::OK();
}

}  // namespace o3lsm
