// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/dm_scan.h"

#include <algorithm>

#include "lsm/db/merging_iterator.h"

namespace o3lsm {

namespace {

const InternalKeyComparator kCmp;

}  // namespace

FenceRead::FenceRead(const DmSegment* segment, size_t first, size_t count)
    : segment_(segment),
      first_(first),
      count_(count),
      stage_(segment->index().layout() == SegmentLayout::kSortedImage
                 ? Stage::kRanges
                 : Stage::kOrder) {}

bool FenceRead::PlanRound(std::vector<fabric::WorkRequest>* reads) {
  const auto& fences = segment_->index().fences();
  switch (stage_) {
    case Stage::kRanges: {
      // Every range's bytes, one read each.
      size_t len = 0;
      for (size_t i = first_; i < first_ + count_; i++) len += fences[i].length;
      bytes_.reset(new char[len]);
      size_t pos = 0;
      for (size_t i = first_; i < first_ + count_; i++) {
        reads->push_back(fabric::WorkRequest::Read(
            segment_->ImageAddr(fences[i].offset), bytes_.get() + pos,
            fences[i].length));
        pos += fences[i].length;
      }
      segment_->CountReadBack(len);
      return true;
    }
    case Stage::kOrder: {
      // The ranges' order records: one contiguous read.
      const uint32_t first_entry = fences[first_].offset;
      const uint32_t n = fences[first_ + count_ - 1].offset +
                         fences[first_ + count_ - 1].length - first_entry;
      order_.assign(size_t{n} * kOrderRecordSize, '\0');
      reads->push_back(fabric::WorkRequest::Read(
          segment_->OrderAddr(first_entry), order_.data(), order_.size()));
      segment_->CountReadBack(order_.size());
      return true;
    }
    case Stage::kEntries: {
      // The entries, laid one after another.
      size_t pos = 0;
      for (size_t k = 0; k < lens_.size(); k++) {
        const uint32_t offset = DecodeFixed32(order_.data() + k * kOrderRecordSize);
        reads->push_back(fabric::WorkRequest::Read(
            segment_->ImageAddr(offset), bytes_.get() + pos, lens_[k]));
        pos += lens_[k];
      }
      segment_->CountReadBack(pos);
      return true;
    }
    case Stage::kDone:
      return false;
  }
  return false;
}

void FenceRead::RoundDone(const Status& s) {
  if (!s.ok()) {
    status_ = s;
    stage_ = Stage::kDone;
    return;
  }
  if (stage_ != Stage::kOrder) {
    stage_ = Stage::kDone;
    return;
  }
  const size_t n = order_.size() / kOrderRecordSize;
  lens_.resize(n);
  size_t len = 0;
  for (size_t k = 0; k < n; k++) {
    OrderRecord r;
    status_ = DecodeOrderRecord(order_.data() + k * kOrderRecordSize,
                                segment_->header().image_length, &r);
    if (!status_.ok()) {
      stage_ = Stage::kDone;
      return;
    }
    lens_[k] = r.length;
    len += r.length;
  }
  bytes_.reset(new char[len]);
  stage_ = Stage::kEntries;
}

Status FenceRead::Finish(std::unique_ptr<char[]>* bytes,
                         std::vector<SegmentEntry>* entries) {
  if (!status_.ok()) return status_;
  if (stage_ != Stage::kDone) {
    return Status::Aborted("DM segment", "fenced ranges not read");
  }
  const auto& fences = segment_->index().fences();
  size_t pos = 0;
  size_t entry = 0;
  for (size_t i = first_; i < first_ + count_; i++) {
    Status s;
    if (segment_->index().layout() == SegmentLayout::kSortedImage) {
      s = DecodeFencedRange(fences[i], bytes_.get() + pos, entries);
      pos += fences[i].length;
    } else {
      s = DecodeFencedEntries(fences[i], bytes_.get() + pos,
                              lens_.data() + entry, entries);
      for (uint32_t j = 0; j < fences[i].length; j++) pos += lens_[entry + j];
      entry += fences[i].length;
    }
    if (!s.ok()) return s;
  }
  *bytes = std::move(bytes_);
  return Status::OK();
}

namespace {

// Reads the given fence windows together: every round of every read goes
// out in one batch.
Status ReadTogether(fabric::Fabric* fabric,
                    const std::vector<FenceRead*>& reads) {
  std::vector<fabric::WorkRequest> batch;
  std::vector<FenceRead*> planned;
  while (true) {
    batch.clear();
    planned.clear();
    for (FenceRead* r : reads) {
      if (r->PlanRound(&batch)) planned.push_back(r);
    }
    if (planned.empty()) return Status::OK();
    const Status s = fabric->Execute(std::span<fabric::WorkRequest>(batch));
    for (FenceRead* r : planned) r->RoundDone(s);
  }
}

class DmSegmentsIterator final : public Iterator {
 public:
  DmSegmentsIterator(std::vector<DmSegmentRef> segments,
                     const Slice* lower_bound, const Slice* upper_bound)
      : lower_bound_(lower_bound), upper_bound_(upper_bound) {
    cursors_.resize(segments.size());
    for (size_t i = 0; i < segments.size(); i++) {
      cursors_[i].segment = std::move(segments[i]);
      cursors_[i].fences = cursors_[i].segment->index().fences().size();
    }
  }

  bool Valid() const override {
    if (backward_ != nullptr) return backward_->Valid();
    return status_.ok() && !heap_.empty();
  }
  void SeekToFirst() override { SeekForward(nullptr); }
  void Seek(const Slice& target) override { SeekForward(&target); }
  void SeekToLast() override {
    Backward()->SeekToLast();
  }
  void Next() override {
    if (backward_ != nullptr) {
      backward_->Next();
      return;
    }
    Cursor* c = heap_.front();
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    heap_.pop_back();
    if (++c->pos == c->entries.size()) LoadNext({c});
    if (c->valid()) {
      heap_.push_back(c);
      std::push_heap(heap_.begin(), heap_.end(), Later);
    }
    LoadTop();
  }
  void Prev() override {
    if (backward_ == nullptr) {
      // Turn around: per-segment iterators take it from here. A read that
      // fails on the way leaves them !Valid() with its status: the scan
      // ends there (stepping back from nowhere would be undefined).
      const std::string at = key().ToString();
      Backward()->Seek(at);
      if (!backward_->Valid()) return;
    }
    backward_->Prev();
  }
  Slice key() const override {
    return backward_ != nullptr ? backward_->key() : heap_.front()->key();
  }
  Slice value() const override {
    return backward_ != nullptr ? backward_->value() : heap_.front()->value();
  }
  Status status() const override {
    return backward_ != nullptr ? backward_->status() : status_;
  }

 private:
  struct Cursor {
    DmSegmentRef segment;
    size_t fences = 0;
    size_t first = 0;  // the window: fences [first, first + count)
    size_t count = 0;
    size_t readahead = 1;
    std::unique_ptr<char[]> bytes;
    std::vector<SegmentEntry> entries;
    size_t pos = 0;
    // Positioned on the first entry of fence `first` without reading it:
    // the fence's first key is known here, so the cursor takes its place
    // in the heap and is read only if it comes to the top.
    bool pending = false;
    bool valid() const { return pending || pos < entries.size(); }
    Slice key() const {
      return pending ? Slice(segment->index().fences()[first].first_key)
                     : entries[pos].internal_key;
    }
    Slice value() const { return entries[pos].value; }
  };
  // True if fence i of c's segment, and so every fence after it, starts at
  // or past the upper bound.
  bool FenceIsPastBound(const Cursor& c, size_t i) const {
    return c.segment->FencesBefore(upper_bound_, i, 1) == 0;
  }
  // The heap's order: the smallest key on top.
  static bool Later(const Cursor* a, const Cursor* b) {
    return kCmp.Compare(a->key(), b->key()) > 0;
  }

  Iterator* Backward() {
    if (backward_ == nullptr) {
      std::vector<Iterator*> children;
      for (Cursor& c : cursors_) {
        children.push_back(
            c.segment->NewBoundedIterator(lower_bound_, upper_bound_));
      }
      backward_.reset(NewMergingIterator(std::move(children)));
    }
    return backward_.get();
  }

  // Reads the top cursor's window if it is pending: its first entry is the
  // key it was ordered by, so the heap stays as it is.
  void LoadTop() {
    if (heap_.empty() || !heap_.front()->pending) return;
    Cursor* c = heap_.front();
    LoadWindows({c});
    if (!status_.ok() || !c->valid()) {
      if (status_.ok()) {
        status_ = Status::Corruption("DM segment", "empty fenced range");
      }
      heap_.clear();
    }
  }

  // Loads window [first, first + count) of each cursor, all together.
  void LoadWindows(const std::vector<Cursor*>& cursors) {
    std::vector<std::unique_ptr<FenceRead>> reads;
    std::vector<FenceRead*> ptrs;
    for (Cursor* c : cursors) {
      c->pending = false;
      c->entries.clear();
      c->pos = 0;
      reads.push_back(
          std::make_unique<FenceRead>(c->segment.get(), c->first, c->count));
      ptrs.push_back(reads.back().get());
    }
    if (ptrs.empty()) return;
    Status s = ReadTogether(cursors.front()->segment->fabric(), ptrs);
    for (size_t i = 0; i < cursors.size() && s.ok(); i++) {
      s = reads[i]->Finish(&cursors[i]->bytes, &cursors[i]->entries);
    }
    if (!s.ok()) {
      status_ = s;
      for (Cursor* c : cursors) c->entries.clear();
    }
  }

  // Moves each cursor's window on to its next fences (readahead doubling);
  // a cursor at its segment's end becomes empty.
  void LoadNext(const std::vector<Cursor*>& cursors) {
    std::vector<Cursor*> more;
    for (Cursor* c : cursors) {
      const size_t next = c->first + c->count;
      c->pending = false;
      c->entries.clear();
      c->pos = 0;
      if (next >= c->fences) continue;
      const size_t readahead =
          std::min(c->readahead * 2, DmSegment::kMaxReadaheadFences);
      // A window ends before the first fence past the bound.
      const size_t count = c->segment->FencesBefore(
          upper_bound_, next, std::min(readahead, c->fences - next));
      if (count == 0) continue;
      c->readahead = readahead;
      c->first = next;
      c->count = count;
      more.push_back(c);
    }
    LoadWindows(more);
  }

  void SeekForward(const Slice* target) {
    backward_.reset();
    status_ = Status::OK();
    heap_.clear();
    std::vector<Cursor*> all;   // positioned, read or not
    std::vector<Cursor*> read;  // to read now
    for (Cursor& c : cursors_) {
      c.pending = false;
      c.entries.clear();
      c.pos = 0;
      c.readahead = 1;
      c.count = 1;
      if (c.fences == 0) continue;
      const auto& fences = c.segment->index().fences();
      if (target != nullptr &&
          ExtractUserKey(*target).compare(c.segment->largest_user_key()) >
              0) {
        continue;  // the whole segment lies before the target: no read
      }
      if (target == nullptr || kCmp.Compare(*target, fences[0].first_key) <= 0) {
        // The answer is the segment's first entry, whose key is known
        // here: read it only if the scan gets there.
        if (FenceIsPastBound(c, 0)) continue;
        c.first = 0;
        c.pending = true;
        all.push_back(&c);
        continue;
      }
      const int i = c.segment->index().FindFence(*target);
      c.first = i < 0 ? 0 : static_cast<size_t>(i);
      all.push_back(&c);
      read.push_back(&c);
    }
    LoadWindows(read);
    if (!status_.ok()) return;
    // Past a window's end: the answer is the next range's first entry.
    std::vector<Cursor*> past;
    for (Cursor* c : read) {
      while (c->pos < c->entries.size() &&
             kCmp.Compare(c->entries[c->pos].internal_key, *target) < 0) {
        c->pos++;
      }
      if (!c->valid()) past.push_back(c);
    }
    LoadNext(past);
    if (!status_.ok()) return;
    for (Cursor* c : all) {
      if (c->valid()) heap_.push_back(c);
    }
    std::make_heap(heap_.begin(), heap_.end(), Later);
    LoadTop();
  }

  const Slice* const lower_bound_;  // user keys; nullptr: unbounded
  const Slice* const upper_bound_;
  std::vector<Cursor> cursors_;
  std::vector<Cursor*> heap_;  // the valid cursors, forward mode
  std::unique_ptr<Iterator> backward_;
  Status status_;
};

}  // namespace

Iterator* NewDmSegmentsIterator(std::vector<DmSegmentRef> segments,
                                const Slice* lower_bound,
                                const Slice* upper_bound) {
  return new DmSegmentsIterator(std::move(segments), lower_bound, upper_bound);
}

}  // namespace o3lsm
