// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/dm_segment.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "lsm/memtable/skiplist.h"
#include "lsm/offload/dm_scan.h"
#include "util/checksum.h"
#include "util/clock.h"

namespace o3lsm {

namespace {

}  // namespace

Status ReadSegment(fabric::Fabric* fabric, const SegmentLocation& where,
                   SegmentHeader* header, std::shared_ptr<char[]>* bytes) {
  const std::string what = "DM segment " + where.addr.ToString();
  if (where.length < SegmentHeader::kEncodedLength ||
      where.length > fabric->pool_size()) {
    return Status::Corruption(what, "impossible length " +
                                        std::to_string(where.length));
  }
  std::shared_ptr<char[]> buf(new char[where.length]);
  Status s = fabric->Read(where.addr, buf.get(), where.length);
  if (!s.ok()) return s;
  s = header->DecodeFrom(Slice(buf.get(), SegmentHeader::kEncodedLength));
  if (!s.ok()) return Status::Corruption(what, s.message());
  if (header->total_length() != where.length) {
    return Status::Corruption(what, "length " + std::to_string(where.length) +
                                        " disagrees with its header (" +
                                        std::to_string(header->total_length()) +
                                        ")");
  }
  const char* image = buf.get() + SegmentHeader::kEncodedLength;
  if (Checksum64(image, header->image_length) != header->image_checksum) {
    return Status::Corruption(what, "image checksum mismatch");
  }
  if (!SkipList(image, header->image_length).HeaderValid()) {
    return Status::Corruption(what, "bad skiplist header");
  }
  if (header->order_length > 0 &&
      Checksum64(buf.get() + header->order_offset(), header->order_length) !=
          header->order_checksum) {
    return Status::Corruption(what, "order block checksum mismatch");
  }
  *bytes = std::move(buf);
  return Status::OK();
}

Status DmSegment::Create(std::shared_ptr<DmContext> ctx, MemTable* mem,
                         const Placement& placement, const Format& format,
                         std::shared_ptr<DmSegment>* segment) {
  if (!ctx->available()) {
    return Status::Unavailable("DM pool", "memory node marked unavailable");
  }
  const uint64_t start = SteadyMicros();
  SegmentImage image;
  Status s = BuildSegmentImage(mem, format.layout, format.bloom_bits_per_key,
                               &image);
  if (!s.ok()) return s;

  const std::string keys =
      EncodeSegmentKeys(image.smallest_user_key, image.largest_user_key);
  SegmentHeader header;
  header.segment_id = ctx->NewSegmentId();
  header.owner = ctx->allocator()->owner();
  header.generation = ctx->allocator()->generation();
  header.shard = placement.shard;
  header.router_generation = placement.router_generation;
  header.smallest_seq = image.smallest_seq;
  header.largest_seq = image.largest_seq;
  header.entries = image.entries;
  header.image_length = static_cast<uint32_t>(image.size);
  header.image_checksum = image.checksum;
  header.keys_length = static_cast<uint32_t>(keys.size());
  header.created_micros = start;
  header.layout = image.layout;
  header.order_length = static_cast<uint32_t>(image.order.size());
  if (!image.order.empty()) {
    header.order_checksum = Checksum64(image.order.data(), image.order.size());
  }
  char encoded[SegmentHeader::kEncodedLength];
  header.EncodeTo(encoded);

  fabric::DmAddr addr;
  s = ctx->allocator()->Allocate(header.total_length(), &addr);
  if (!s.ok()) return s;
  // One batch, one round trip: header, image, keys and order block, written
  // straight from where they are (the arena itself, for kArenaCopy: no
  // staging copy).
  fabric::WorkRequest writes[4] = {
      fabric::WorkRequest::Write(addr, encoded, sizeof(encoded)),
      fabric::WorkRequest::Write(addr + SegmentHeader::kEncodedLength,
                                 image.bytes, image.size),
      fabric::WorkRequest::Write(addr + header.keys_offset(), keys.data(),
                                 keys.size()),
      fabric::WorkRequest::Write(addr + header.order_offset(),
                                 image.order.data(), image.order.size()),
  };
  s = ctx->fabric()->Execute(
      std::span<fabric::WorkRequest>(writes, image.order.empty() ? 3 : 4));
  if (s.ok()) s = ctx->fabric()->Persist(addr, header.total_length());
  if (!s.ok()) {
    ctx->allocator()->Free(addr).PermitUncheckedError();
    return s;
  }
  DmCounters& c = ctx->counters();
  c.segments_moved.fetch_add(1, std::memory_order_relaxed);
  c.bytes_moved.fetch_add(header.total_length(), std::memory_order_relaxed);
  c.live_segments.fetch_add(1, std::memory_order_relaxed);
  c.live_bytes.fetch_add(ctx->allocator()->FootprintOf(header.total_length()),
                         std::memory_order_relaxed);
  const uint64_t move_micros = SteadyMicros() - start;
  c.move_micros.fetch_add(move_micros, std::memory_order_relaxed);
  if (Statistics* st = ctx->statistics()) {
    st->recordTick(kDmSegmentsWritten);
    st->recordTick(kDmBytesMoved, header.total_length());
    st->recordInHistogram(kDmMoveMicros, move_micros);
  }
  segment->reset(new DmSegment(std::move(ctx), addr, header,
                               std::move(image.index),
                               std::move(image.smallest_user_key),
                               std::move(image.largest_user_key)));
  return Status::OK();
}

DmSegment::DmSegment(std::shared_ptr<DmContext> ctx, fabric::DmAddr addr,
                     SegmentHeader header, SegmentIndex index,
                     std::string smallest, std::string largest)
    : ctx_(std::move(ctx)),
      addr_(addr),
      header_(header),
      index_(std::move(index)),
      smallest_(std::move(smallest)),
      largest_(std::move(largest)) {}

DmContext::~DmContext() {
  {
    MutexLock l(&free_mu_);
    stop_freeing_ = true;
    free_cv_.SignalAll();
  }
  if (freer_.joinable()) freer_.join();
  std::vector<fabric::DmAddr> left;
  {
    MutexLock l(&free_mu_);
    left.swap(to_free_);
  }
  for (fabric::DmAddr addr : left) FreeNow(addr);
  allocator_.reset();  // before the fabric it uses
  fabric_.reset();
}

void DmContext::FreeNow(fabric::DmAddr addr) {
  // A pool that went away took the segment with it; nothing to free.
  if (available() && allocator_->Free(addr).ok()) {
    counters_.segments_freed.fetch_add(1, std::memory_order_relaxed);
    if (statistics_ != nullptr) statistics_->recordTick(kDmSegmentsFreed);
  }
}

void DmContext::FreeSegment(fabric::DmAddr addr) {
  if (!Mutex::RoundTripsForbiddenHere()) {
    FreeNow(addr);
    return;
  }
  MutexLock l(&free_mu_);
  to_free_.push_back(addr);
  if (!freer_.joinable()) freer_ = std::thread([this] { FreeLoop(); });
  free_cv_.SignalAll();
}

void DmContext::FreeLoop() {
  MutexLock l(&free_mu_);
  while (true) {
    while (to_free_.empty() && !stop_freeing_) free_cv_.Wait();
    if (to_free_.empty()) return;  // stopping, nothing left
    std::vector<fabric::DmAddr> batch;
    batch.swap(to_free_);
    freeing_ += static_cast<int>(batch.size());
    free_mu_.Unlock();
    for (fabric::DmAddr addr : batch) FreeNow(addr);
    free_mu_.Lock();
    freeing_ -= static_cast<int>(batch.size());
    free_cv_.SignalAll();
  }
}

void DmContext::DrainFrees() {
  MutexLock l(&free_mu_);
  while (!to_free_.empty() || freeing_ > 0) free_cv_.Wait();
}

DmSegment::~DmSegment() {
  DmCounters& c = ctx_->counters();
  c.live_segments.fetch_sub(1, std::memory_order_relaxed);
  c.live_bytes.fetch_sub(ctx_->allocator()->FootprintOf(header_.total_length()),
                         std::memory_order_relaxed);
  ctx_->FreeSegment(addr_);
}

bool DmSegment::Get(const LookupKey& key, std::string* value,
                    Status* s) const {
  if (!index_.KeyMayMatch(key.user_key())) return false;
  return GetUnfiltered(key, value, s);
}

bool DmSegment::GetUnfiltered(const LookupKey& key, std::string* value,
                              Status* s) const {
  const int i = index_.FindFence(key.internal_key());
  if (i < 0) return false;
  const auto& fences = index_.fences();
  // When the next range starts with the same user key, the answer may be
  // its first entry: fetch both ranges together.
  const bool with_next =
      static_cast<size_t>(i) + 1 < fences.size() &&
      ExtractUserKey(fences[i + 1].first_key) == key.user_key();
  CountRemoteGets(1);
  return index_.layout() == SegmentLayout::kArenaCopy
             ? GetFromEntries(i, with_next, key, value, s)
             : GetFromRange(i, with_next, key, value, s);
}

bool DmSegment::SearchTargetFor(const LookupKey& key,
                                SearchTarget* target) const {
  const int i = index_.FindFence(key.internal_key());
  if (i < 0) return false;
  const auto& fences = index_.fences();
  target->segment = addr_.offset();
  target->image_length = header_.image_length;
  target->order_offset = header_.order_offset();
  target->layout = index_.layout();
  target->num_fences = 1;
  for (size_t f = i; f < fences.size() && f <= static_cast<size_t>(i) + 1;
       f++) {
    if (f > static_cast<size_t>(i) &&
        ExtractUserKey(fences[f].first_key) != key.user_key()) {
      break;
    }
    SegmentIndex::Fence& to = target->fences[f - i];
    to.offset = fences[f].offset;
    to.length = fences[f].length;
    to.first_node = fences[f].first_node;
    to.checksum = fences[f].checksum;
    target->num_fences = static_cast<uint8_t>(f - i + 1);
  }
  return true;
}

bool DmSegment::ReadEntry(uint32_t offset, uint32_t length, uint32_t checksum,
                          const LookupKey& key, std::string* value,
                          Status* s) const {
  if (length == 0 || uint64_t{offset} + length > header_.image_length) {
    *s = Status::Corruption("DM segment", "entry outside the image");
    return true;
  }
  std::unique_ptr<char[]> buf(new char[length]);
  Status rs = ctx_->fabric()->Read(ImageAddr(offset), buf.get(), length);
  CountRemoteGetBytes(length);
  if (!rs.ok()) {
    *s = rs;
    return true;
  }
  Slice ikey, v;
  if (Checksum32(buf.get(), length, offset) != checksum ||
      DecodeSegmentEntry(buf.get(), buf.get() + length, &ikey, &v) !=
          buf.get() + length ||
      ExtractUserKey(ikey) != key.user_key()) {
    *s = Status::Corruption("DM segment", "entry at image offset " +
                                              std::to_string(offset) +
                                              " does not match its checksum");
    return true;
  }
  if ((ExtractTag(ikey) >> 8) > key.sequence()) {
    *s = Status::Corruption("DM segment", "entry newer than its lookup");
    return true;
  }
  switch (key.EntryType(ExtractTag(ikey))) {
    case kTypeValue:
      value->assign(v.data(), v.size());
      *s = Status::OK();
      return true;
    case kTypeDeletion:
      *s = Status::NotFound(Slice());
      return true;
  }
  *s = Status::Corruption("DM segment", "entry of unknown value type");
  return true;
}

namespace {

// A read buffer on the stack for the usual lookup, on the heap for a long
// one.
class LookupBuffer {
 public:
  explicit LookupBuffer(size_t n) {
    if (n > sizeof(stack_)) {
      heap_.reset(new char[n]);
      data_ = heap_.get();
    }
  }
  LookupBuffer(const LookupBuffer&) = delete;
  LookupBuffer& operator=(const LookupBuffer&) = delete;
  char* data() { return data_; }

 private:
  char stack_[4096];
  std::unique_ptr<char[]> heap_;
  char* data_ = stack_;
};

}  // namespace

bool DmSegment::GetFromRange(int i, bool with_next, const LookupKey& key,
                             std::string* value, Status* s) const {
  const auto& fences = index_.fences();
  const SegmentIndex::Fence& fence = fences[i];
  const size_t len = fence.length + (with_next ? fences[i + 1].length : 0);
  LookupBuffer buf(len);
  // One batch, one round trip.
  fabric::WorkRequest reads[2] = {
      fabric::WorkRequest::Read(ImageAddr(fence.offset), buf.data(),
                                fence.length),
      {}};
  size_t n = 1;
  if (with_next) {
    reads[n++] = fabric::WorkRequest::Read(ImageAddr(fences[i + 1].offset),
                                           buf.data() + fence.length,
                                           fences[i + 1].length);
  }
  Status rs = ctx_->fabric()->Execute(std::span<fabric::WorkRequest>(reads, n));
  CountRemoteGetBytes(len);
  if (!rs.ok()) {
    *s = rs;
    return true;
  }
  RangeLookup r = GetFromFencedRange(fence, buf.data(), key, value, s);
  if (r == RangeLookup::kPastRange && with_next) {
    r = GetFromFencedRange(fences[i + 1], buf.data() + fence.length, key,
                           value, s);
  }
  return r == RangeLookup::kDecided;
}

bool DmSegment::GetFromEntries(int i, bool with_next, const LookupKey& key,
                               std::string* value, Status* s) const {
  const auto& fences = index_.fences();
  const uint32_t n =
      fences[i].length + (with_next ? fences[i + 1].length : 0);
  constexpr uint32_t kMaxEntries = 2 * kFenceInterval;
  if (n > kMaxEntries) {  // the index is built here; cannot happen
    *s = Status::Corruption("DM segment", "oversized fence");
    return true;
  }
  // Round trip 1: the ranges' order records, one contiguous read.
  char order[kMaxEntries * kOrderRecordSize];
  Status rs = ctx_->fabric()->Read(OrderAddr(fences[i].offset), order,
                                   n * kOrderRecordSize);
  CountRemoteGetBytes(n * kOrderRecordSize);
  if (!rs.ok()) {
    *s = rs;
    return true;
  }
  ArenaPointLookup lookup;
  rs = lookup.Plan(index_, i, with_next, order, header_.image_length,
                   key.user_key());
  if (!rs.ok()) {
    *s = rs;
    return true;
  }
  // Round trip 2: the entries whose hints match the key's (usually one,
  // none when the key is not here), one batch, laid one after another.
  LookupBuffer buf(lookup.bytes());
  fabric::WorkRequest reads[kMaxEntries];
  size_t pos = 0;
  for (size_t k = 0; k < lookup.num_entries(); k++) {
    const OrderRecord& r = lookup.entry(k);
    reads[k] = fabric::WorkRequest::Read(ImageAddr(r.offset), buf.data() + pos,
                                         r.length);
    pos += r.length;
  }
  if (lookup.num_entries() > 0) {
    rs = ctx_->fabric()->Execute(
        std::span<fabric::WorkRequest>(reads, lookup.num_entries()));
    CountRemoteGetBytes(pos);
    if (!rs.ok()) {
      *s = rs;
      return true;
    }
  }
  return lookup.Decide(buf.data(), key, value, s) == RangeLookup::kDecided;
}

namespace {

// A DM segment's part of a MultiGet (see MemTableBatchLookup). Sorted
// image: one round, every key's range (or two); arena copy: two rounds,
// every key's order records, then every key's entries.
class DmBatchLookup final : public MemTableBatchLookup {
 public:
  DmBatchLookup(std::shared_ptr<const DmSegment> segment,
                const std::vector<const LookupKey*>& keys,
                const std::vector<char>& skip)
      : seg_(std::move(segment)), keys_(keys) {
    const auto& fences = seg_->index().fences();
    for (size_t k = 0; k < keys.size(); k++) {
      if (skip[k] || !seg_->index().KeyMayMatch(keys[k]->user_key())) continue;
      const int i = seg_->index().FindFence(keys[k]->internal_key());
      if (i < 0) continue;
      const bool with_next =
          static_cast<size_t>(i) + 1 < fences.size() &&
          ExtractUserKey(fences[i + 1].first_key) == keys[k]->user_key();
      wants_.push_back({k, i, with_next});
    }
    stage_ = wants_.empty() ? Stage::kDone
             : seg_->index().layout() == SegmentLayout::kSortedImage
                 ? Stage::kRanges
                 : Stage::kOrder;
    if (!wants_.empty()) seg_->CountRemoteGets(wants_.size());
  }

  bool PostRound() override {
    reads_.clear();
    switch (stage_) {
      case Stage::kRanges: PlanRanges(); break;
      case Stage::kOrder: PlanOrder(); break;
      case Stage::kEntries: PlanEntries(); break;
      case Stage::kDone: return false;
    }
    if (!status_.ok()) return false;
    if (reads_.empty()) {  // the records ruled out every key: nothing to read
      stage_ = Stage::kDone;
      return false;
    }
    status_ = seg_->fabric()->Post(std::span<fabric::WorkRequest>(reads_),
                                   &completion_);
    posted_ = status_.ok();
    return posted_;
  }

  void WaitRound() override {
    if (!posted_) return;
    posted_ = false;
    status_ =
        seg_->fabric()->Wait(&completion_, seg_->fabric()->default_timeout());
    if (!status_.ok()) {
      stage_ = Stage::kDone;
      return;
    }
    switch (stage_) {
      case Stage::kRanges: stage_ = Stage::kDone; break;
      case Stage::kOrder: DecodeOrder(); break;
      case Stage::kEntries: stage_ = Stage::kDone; break;
      case Stage::kDone: break;
    }
  }

  void Finish(std::vector<std::string>* values, std::vector<Status>* statuses,
              std::vector<char>* decided) override {
    const auto& fences = seg_->index().fences();
    for (const Want& w : wants_) {
      if ((*decided)[w.k]) continue;  // a newer memtable had it
      std::string* value = &(*values)[w.k];
      Status* s = &(*statuses)[w.k];
      if (!status_.ok() || stage_ != Stage::kDone) {
        *s = status_.ok() ? Status::Aborted("MultiGet", "rounds not run")
                          : status_;
        (*decided)[w.k] = 1;
        continue;
      }
      const SegmentIndex::Fence& fence = fences[w.fence];
      const LookupKey& key = *keys_[w.k];
      RangeLookup r;
      if (seg_->index().layout() == SegmentLayout::kSortedImage) {
        const char* range = buf_.get() + w.first;
        r = GetFromFencedRange(fence, range, key, value, s);
        if (r == RangeLookup::kPastRange && w.with_next) {
          r = GetFromFencedRange(fences[w.fence + 1], range + fence.length,
                                 key, value, s);
        }
      } else {
        const size_t j = &w - wants_.data();
        if (!plan_status_[j].ok()) {
          *s = plan_status_[j];
          (*decided)[w.k] = 1;
          continue;
        }
        r = plans_[j].Decide(buf_.get() + starts_[j], key, value, s);
      }
      if (r == RangeLookup::kDecided) (*decided)[w.k] = 1;
    }
  }

 private:
  enum class Stage { kRanges, kOrder, kEntries, kDone };
  struct Want {
    size_t k;
    int fence;
    bool with_next;
    uint32_t first = 0;  // its first byte (sorted) or entry (arena) below
  };

  void PlanRanges() {
    const auto& fences = seg_->index().fences();
    size_t len = 0;
    for (Want& w : wants_) {
      w.first = static_cast<uint32_t>(len);
      len += fences[w.fence].length +
             (w.with_next ? fences[w.fence + 1].length : 0);
    }
    buf_.reset(new char[len]);
    for (const Want& w : wants_) {
      size_t pos = w.first;
      for (int f = w.fence; f <= w.fence + (w.with_next ? 1 : 0); f++) {
        reads_.push_back(fabric::WorkRequest::Read(
            seg_->ImageAddr(fences[f].offset), buf_.get() + pos,
            fences[f].length));
        pos += fences[f].length;
      }
    }
    seg_->CountRemoteGetBytes(len);
  }

  void PlanOrder() {
    const auto& fences = seg_->index().fences();
    uint32_t n = 0;
    for (Want& w : wants_) {
      w.first = n;
      n += fences[w.fence].length +
           (w.with_next ? fences[w.fence + 1].length : 0);
    }
    order_.assign(static_cast<size_t>(n) * kOrderRecordSize, '\0');
    for (const Want& w : wants_) {
      const uint32_t count = fences[w.fence].length +
                             (w.with_next ? fences[w.fence + 1].length : 0);
      reads_.push_back(fabric::WorkRequest::Read(
          seg_->OrderAddr(fences[w.fence].offset),
          order_.data() + size_t{w.first} * kOrderRecordSize,
          size_t{count} * kOrderRecordSize));
    }
  }

  // Plans each key's entry reads from its verified records. A key whose
  // records are damaged gets Corruption; the others go on.
  void DecodeOrder() {
    plans_.resize(wants_.size());
    plan_status_.resize(wants_.size());
    starts_.assign(wants_.size() + 1, 0);
    for (size_t j = 0; j < wants_.size(); j++) {
      const Want& w = wants_[j];
      plan_status_[j] = plans_[j].Plan(
          seg_->index(), w.fence, w.with_next,
          order_.data() + size_t{w.first} * kOrderRecordSize,
          seg_->header().image_length, keys_[w.k]->user_key());
      starts_[j + 1] =
          starts_[j] + (plan_status_[j].ok() ? plans_[j].bytes() : 0);
    }
    stage_ = Stage::kEntries;
  }

  void PlanEntries() {
    buf_.reset(new char[starts_.back()]);
    for (size_t j = 0; j < wants_.size(); j++) {
      if (!plan_status_[j].ok()) continue;
      size_t pos = starts_[j];
      for (size_t e = 0; e < plans_[j].num_entries(); e++) {
        const OrderRecord& r = plans_[j].entry(e);
        reads_.push_back(fabric::WorkRequest::Read(
            seg_->ImageAddr(r.offset), buf_.get() + pos, r.length));
        pos += r.length;
      }
    }
    seg_->CountRemoteGetBytes(starts_.back() + order_.size());
  }

  const std::shared_ptr<const DmSegment> seg_;
  const std::vector<const LookupKey*>& keys_;
  std::vector<Want> wants_;
  Stage stage_;
  Status status_;
  fabric::Completion completion_;
  bool posted_ = false;
  std::vector<fabric::WorkRequest> reads_;
  std::unique_ptr<char[]> buf_;
  // Arena copy: the order records, then each key's plan and where its
  // entries start in buf_.
  std::string order_;
  std::vector<ArenaPointLookup> plans_;
  std::vector<Status> plan_status_;
  std::vector<size_t> starts_;
};

}  // namespace

std::unique_ptr<MemTableBatchLookup> DmSegment::NewBatchLookup(
    const std::vector<const LookupKey*>& keys, std::vector<char> skip) {
  return std::make_unique<DmBatchLookup>(shared_from_this(), keys, skip);
}

void DmSegment::MultiGet(const std::vector<const LookupKey*>& keys,
                         std::vector<std::string>* values,
                         std::vector<Status>* statuses,
                         std::vector<char>* decided) const {
  DmBatchLookup lookup(shared_from_this(), keys, *decided);
  while (lookup.PostRound()) lookup.WaitRound();
  lookup.Finish(values, statuses, decided);
}

Status DmSegment::ReadFences(size_t first, size_t count,
                             std::unique_ptr<char[]>* bytes,
                             std::vector<SegmentEntry>* entries) const {
  FenceRead read(this, first, count);
  std::vector<fabric::WorkRequest> reads;
  while (true) {
    reads.clear();
    if (!read.PlanRound(&reads)) break;
    read.RoundDone(ctx_->fabric()->Execute(std::span<fabric::WorkRequest>(reads)));
  }
  return read.Finish(bytes, entries);
}

namespace {

const InternalKeyComparator kCmp;

// Iterates a segment in DM, a window of fenced ranges at a time (see
// DmSegment::NewIterator), within optional bounds (NewBoundedIterator).
// Holds the segment, so its DM is not freed.
class DmSegmentIterator final : public Iterator {
 public:
  DmSegmentIterator(std::shared_ptr<const DmSegment> segment,
                    const Slice* lower_bound, const Slice* upper_bound)
      : segment_(std::move(segment)),
        fences_(segment_->index().fences().size()),
        lower_bound_(lower_bound),
        upper_bound_(upper_bound) {}

  bool Valid() const override { return pos_ < entries_.size(); }
  void SeekToFirst() override {
    readahead_ = 1;
    if (fences_ == 0 || StartsPastUpper(0)) return Invalidate();
    Load(0, 1);
    pos_ = 0;
  }
  void SeekToLast() override {
    readahead_ = 1;
    if (fences_ == 0 || WhollyBelowLower()) return Invalidate();
    if (upper_bound_ == nullptr) {
      Load(fences_ - 1, 1);
      pos_ = entries_.empty() ? 0 : entries_.size() - 1;
      return;
    }
    // The last entry before the bound: in the range that holds the bound's
    // first possible entry, or the last entry of the range before it.
    std::string bound;
    AppendInternalKey(&bound,
                      ParsedInternalKey(*upper_bound_, kMaxSequenceNumber,
                                        kValueTypeForSeek));
    const int i = segment_->index().FindFence(bound);
    if (i < 0 || StartsPastUpper(static_cast<size_t>(i))) {
      // Every entry is at or past the bound.
      return Invalidate();
    }
    Load(static_cast<size_t>(i), 1);
    pos_ = 0;
    while (pos_ < entries_.size() &&
           kCmp.Compare(entries_[pos_].internal_key, bound) < 0) {
      pos_++;
    }
    if (!status_.ok()) return;
    if (pos_ == 0) return StepBack();
    pos_--;
  }
  void Seek(const Slice& target) override {
    readahead_ = 1;
    if (ExtractUserKey(target).compare(segment_->largest_user_key()) > 0) {
      return Invalidate();  // every entry lies before the target: no read
    }
    const int i = segment_->index().FindFence(target);
    const size_t fence = i < 0 ? 0 : static_cast<size_t>(i);
    if (fence >= fences_ || StartsPastUpper(fence)) return Invalidate();
    Load(fence, 1);
    pos_ = 0;
    while (pos_ < entries_.size() &&
           kCmp.Compare(entries_[pos_].internal_key, target) < 0) {
      pos_++;
    }
    // Past the range: the answer is the next range's first entry.
    if (pos_ == entries_.size() && status_.ok()) LoadNext();
  }
  void Next() override {
    if (++pos_ == entries_.size()) LoadNext();
  }
  void Prev() override {
    if (pos_ > 0) {
      pos_--;
      return;
    }
    StepBack();
  }
  Slice key() const override { return entries_[pos_].internal_key; }
  Slice value() const override { return entries_[pos_].value; }
  Status status() const override { return status_; }

 private:
  void Invalidate() {
    entries_.clear();
    pos_ = 0;
  }
  // True if fence i, and every fence after it, starts at or past the upper
  // bound.
  bool StartsPastUpper(size_t i) const {
    return segment_->FencesBefore(upper_bound_, i, 1) == 0;
  }
  bool WhollyBelowLower() const {
    return lower_bound_ != nullptr &&
           Slice(segment_->largest_user_key()).compare(*lower_bound_) < 0;
  }
  // True if every entry before fence i lies below the lower bound: the
  // entries of fence i - 1 are at most fence i's first key, whose user key
  // is below the bound.
  bool BeforeIsBelowLower(size_t i) const {
    return lower_bound_ != nullptr &&
           ExtractUserKey(segment_->index().fences()[i].first_key)
                   .compare(*lower_bound_) < 0;
  }
  void LoadNext() {
    const size_t next = first_ + count_;
    if (next >= fences_) return Invalidate();
    readahead_ = std::min(readahead_ * 2, DmSegment::kMaxReadaheadFences);
    // The window ends before the first fence past the bound.
    const size_t count = segment_->FencesBefore(
        upper_bound_, next, std::min(readahead_, fences_ - next));
    if (count == 0) return Invalidate();
    Load(next, count);
    pos_ = 0;
  }
  // Moves to the last entry of the fences before the window.
  void StepBack() {
    if (first_ == 0 || BeforeIsBelowLower(first_)) return Invalidate();
    readahead_ = std::min(readahead_ * 2, DmSegment::kMaxReadaheadFences);
    size_t start = first_ - std::min(readahead_, first_);
    // The window starts after the fences wholly below the bound.
    while (start + 1 < first_ && BeforeIsBelowLower(start + 1)) start++;
    Load(start, first_ - start);
    pos_ = entries_.empty() ? 0 : entries_.size() - 1;
  }
  // Replaces the window with fences [first, first + count).
  void Load(size_t first, size_t count) {
    entries_.clear();
    pos_ = 0;
    if (!status_.ok() || first >= fences_) return;
    first_ = first;
    count_ = count;
    Status s = segment_->ReadFences(first, count, &bytes_, &entries_);
    if (!s.ok()) {
      status_ = s;
      entries_.clear();
    }
  }

  const std::shared_ptr<const DmSegment> segment_;
  const size_t fences_;
  const Slice* const lower_bound_;  // user keys; nullptr: unbounded
  const Slice* const upper_bound_;
  size_t first_ = 0;  // the window: fences [first_, first_ + count_)
  size_t count_ = 0;
  size_t readahead_ = 1;
  std::unique_ptr<char[]> bytes_;
  std::vector<SegmentEntry> entries_;
  size_t pos_ = 0;  // == entries_.size(): not valid
  Status status_;
};

}  // namespace

Iterator* DmSegment::NewIterator() {
  return new DmSegmentIterator(shared_from_this(), nullptr, nullptr);
}

Iterator* DmSegment::NewBoundedIterator(const Slice* lower_bound,
                                        const Slice* upper_bound) {
  return new DmSegmentIterator(shared_from_this(), lower_bound, upper_bound);
}

size_t DmSegment::FencesBefore(const Slice* upper_bound, size_t first,
                               size_t count) const {
  if (upper_bound == nullptr) return count;
  const auto& fences = index_.fences();
  for (size_t i = first; i < first + count; i++) {
    if (ExtractUserKey(fences[i].first_key).compare(*upper_bound) >= 0) {
      return i - first;
    }
  }
  return count;
}

Iterator* DmSegment::NewFullScanIterator() {
  SegmentHeader header;
  std::shared_ptr<char[]> bytes;
  Status s = ReadSegment(ctx_->fabric(), location(), &header, &bytes);
  if (!s.ok()) return NewErrorIterator(s);
  CountReadBack(header.total_length());
  const char* image = bytes.get() + SegmentHeader::kEncodedLength;
  return NewSkipListIterator(image, header.image_length, std::move(bytes));
}

Status CountHeldSegments(fabric::Fabric* fabric, fabric::DmAllocator* allocator,
                         std::map<uint16_t, HeldSegments>* held) {
  held->clear();
  std::vector<fabric::RunInfo> runs;
  Status s = allocator->ListRuns(&runs);
  if (!s.ok()) return s;
  constexpr size_t kBatch = 256;  // headers read per round trip
  constexpr size_t kLen = SegmentHeader::kEncodedLength;
  std::unique_ptr<char[]> buf(new char[kBatch * kLen]);
  std::vector<fabric::WorkRequest> reads;
  for (size_t first = 0; first < runs.size(); first += kBatch) {
    const size_t n = std::min(kBatch, runs.size() - first);
    reads.clear();
    for (size_t i = 0; i < n; i++) {
      reads.push_back(fabric::WorkRequest::Read(runs[first + i].addr,
                                                buf.get() + i * kLen, kLen));
    }
    s = fabric->Execute(std::span<fabric::WorkRequest>(reads));
    if (!s.ok()) return s;
    for (size_t i = 0; i < n; i++) {
      SegmentHeader header;
      if (!header.DecodeFrom(Slice(buf.get() + i * kLen, kLen)).ok() ||
          header.total_length() > runs[first + i].bytes) {
        continue;  // another kind of allocation (or one being written)
      }
      HeldSegments& h = (*held)[runs[first + i].owner];
      h.count++;
      h.bytes += header.total_length();
    }
  }
  return Status::OK();
}

}  // namespace o3lsm
