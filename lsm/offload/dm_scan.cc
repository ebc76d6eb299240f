// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/dm_scan.h"

#include <algorithm>

#include "lsm/db/merging_iterator.h"

namespace o3lsm {

namespace {

const InternalKeyComparator kCmp;

// Entries past the target's hint run that a seek reads of an arena copy's
// range: the first is the segment's answer; the second saves the round
// trip for the rest of the range when the scan takes one more step there.
// (The issue-15 check, 10 and 100 nexts, three rounds each: 1 past gave
// 10,185 / 3,298 seeks/s, 2 past 11,894 / 3,983, 4 past 7,373 / 4,063.)
constexpr uint32_t kSeekEntriesPast = 2;

}  // namespace

FenceRead::FenceRead(const DmSegment* segment, size_t first, size_t count,
                     const Slice* seek_target)
    : segment_(segment),
      first_(first),
      count_(count),
      seek_target_(seek_target),
      stage_(segment->index().layout() == SegmentLayout::kSortedImage
                 ? Stage::kRanges
                 : Stage::kOrder) {}

FenceRead::FenceRead(const DmSegment* segment, size_t fence,
                     std::vector<OrderRecord> records, uint32_t from)
    : segment_(segment),
      first_(fence),
      count_(1),
      seek_target_(nullptr),
      stage_(Stage::kEntries),
      records_(std::move(records)),
      begin_(from),
      end_(static_cast<uint32_t>(records_.size())) {
  AllocateWindow();
}

bool FenceRead::InWindow(size_t e) const {
  const uint32_t first_len = segment_->index().fences()[first_].length;
  return e >= begin_ && (e >= first_len || e < end_);
}

void FenceRead::AllocateWindow() {
  size_t len = 0;
  for (size_t e = begin_; e < records_.size(); e++) {
    if (InWindow(e)) len += records_[e].length;
  }
  bytes_.reset(new char[len]);
  stage_ = len == 0 ? Stage::kDone : Stage::kEntries;
}

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
      // The window's entries, laid one after another.
      size_t pos = 0;
      for (size_t e = begin_; e < records_.size(); e++) {
        if (!InWindow(e)) continue;
        reads->push_back(fabric::WorkRequest::Read(
            segment_->ImageAddr(records_[e].offset), bytes_.get() + pos,
            records_[e].length));
        pos += records_[e].length;
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
  // Verify every range's records before any of them directs a read.
  const auto& fences = segment_->index().fences();
  records_.resize(order_.size() / kOrderRecordSize);
  for (size_t i = first_, e = 0; i < first_ + count_; i++) {
    status_ = DecodeFenceRecords(fences[i], order_.data() + e * kOrderRecordSize,
                                 segment_->header().image_length,
                                 records_.data() + e);
    if (!status_.ok()) {
      stage_ = Stage::kDone;
      return;
    }
    e += fences[i].length;
  }
  const uint32_t first_len = fences[first_].length;
  begin_ = 0;
  end_ = first_len;
  if (seek_target_ != nullptr) {
    // Entries before the target's hint sort before it; of those from it,
    // read through the second whose hint is past the target's.
    const Slice user_key = ExtractUserKey(*seek_target_);
    uint32_t through;
    HintRun(records_.data(), first_len,
            KeyHint(user_key, segment_->index().HintOffset(first_)), &begin_,
            &through);
    end_ = std::min(through + kSeekEntriesPast, first_len);
  }
  AllocateWindow();
}

Status FenceRead::Finish(std::unique_ptr<char[]>* bytes,
                         std::vector<SegmentEntry>* entries) {
  if (!status_.ok()) return status_;
  if (stage_ != Stage::kDone) {
    return Status::Aborted("DM segment", "fenced ranges not read");
  }
  const auto& fences = segment_->index().fences();
  size_t pos = 0;
  size_t entry = 0;  // records_ index of fence i's first entry
  for (size_t i = first_; i < first_ + count_; i++) {
    Status s;
    if (segment_->index().layout() == SegmentLayout::kSortedImage) {
      s = DecodeFencedRange(fences[i], bytes_.get() + pos, entries);
      pos += fences[i].length;
    } else {
      const uint32_t from = i == first_ ? begin_ : 0;
      const uint32_t to = i == first_ ? end_ : fences[i].length;
      s = DecodeFencedEntries(fences[i], records_.data() + entry, from,
                              to - from, bytes_.get() + pos, entries);
      for (uint32_t k = from; k < to; k++) pos += records_[entry + k].length;
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
    if (++c->pos == c->entries.size()) Advance(c);
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
    // Arena copy, after a seek read part of fence `first`: its verified
    // records and the first entry not read (rest < records.size()).
    std::vector<OrderRecord> records;
    uint32_t rest = 0;
    // Waiting to be read, ordered by a key no unread entry of the segment
    // sorts before: the first key of fence `first` (the next window's
    // first entry), or with a rest to read, the bound its next entry's
    // hint gives. It is read only if it comes to the top of the heap.
    bool pending = false;
    std::string bound;  // with a rest: that bound, an internal key
    bool partial() const { return rest < records.size(); }
    bool valid() const { return pending || pos < entries.size(); }
    Slice key() const {
      if (!pending) return entries[pos].internal_key;
      return partial() ? Slice(bound)
                       : Slice(segment->index().fences()[first].first_key);
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

  // Reads pending cursors while one is on top. What a cursor reads sorts
  // at or after the key it waited by, so it goes back into the heap.
  void LoadTop() {
    while (!heap_.empty() && heap_.front()->pending) {
      Cursor* c = heap_.front();
      std::pop_heap(heap_.begin(), heap_.end(), Later);
      heap_.pop_back();
      Load({c});
      if (!status_.ok()) {
        heap_.clear();
        return;
      }
      if (!c->valid()) {
        status_ = Status::Corruption("DM segment", "empty fenced range");
        heap_.clear();
        return;
      }
      heap_.push_back(c);
      std::push_heap(heap_.begin(), heap_.end(), Later);
    }
  }

  // Reads what each cursor waits for, all together: the rest of its
  // fence, or window [first, first + count) (with target, a seek's window
  // of one fence, from where the target's hint starts).
  void Load(const std::vector<Cursor*>& cursors,
            const Slice* target = nullptr) {
    std::vector<std::unique_ptr<FenceRead>> reads;
    std::vector<FenceRead*> ptrs;
    for (Cursor* c : cursors) {
      c->entries.clear();
      c->pos = 0;
      if (c->pending && c->partial()) {
        reads.push_back(std::make_unique<FenceRead>(
            c->segment.get(), c->first, std::move(c->records), c->rest));
      } else {
        reads.push_back(std::make_unique<FenceRead>(c->segment.get(), c->first,
                                                    c->count, target));
      }
      c->pending = false;
      c->records.clear();
      c->rest = 0;
      ptrs.push_back(reads.back().get());
    }
    if (ptrs.empty()) return;
    Status s = ReadTogether(cursors.front()->segment->fabric(), ptrs);
    for (size_t i = 0; i < cursors.size() && s.ok(); i++) {
      Cursor* c = cursors[i];
      s = reads[i]->Finish(&c->bytes, &c->entries);
      const auto& fences = c->segment->index().fences();
      if (s.ok() && c->segment->index().layout() == SegmentLayout::kArenaCopy &&
          reads[i]->end() < fences[c->first].length) {
        c->rest = reads[i]->end();
        c->records = reads[i]->TakeRecords();
      }
    }
    if (!s.ok()) {
      status_ = s;
      for (Cursor* c : cursors) c->entries.clear();
    }
  }

  // c's entries are spent: it waits for the rest of its fence, or for its
  // next window (readahead doubling), or is done at its segment's end or
  // the upper bound.
  void Advance(Cursor* c) {
    c->entries.clear();
    c->pos = 0;
    if (c->partial()) {
      const size_t at = c->segment->index().HintOffset(c->first);
      const Slice first_key =
          ExtractUserKey(c->segment->index().fences()[c->first].first_key);
      const std::string user_key =
          KeyHintLowerBound(first_key, at, c->records[c->rest].hint);
      ParsedInternalKey bound;
      bound.user_key = user_key;
      bound.sequence = kMaxSequenceNumber;
      bound.type = kValueTypeForSeek;
      c->bound.clear();
      AppendInternalKey(&c->bound, bound);
      c->pending = true;
      return;
    }
    c->pending = false;
    const size_t next = c->first + c->count;
    if (next >= c->fences) return;
    const size_t readahead =
        std::min(c->readahead * 2, DmSegment::kMaxReadaheadFences);
    // A window ends before the first fence past the bound.
    const size_t count = c->segment->FencesBefore(
        upper_bound_, next, std::min(readahead, c->fences - next));
    if (count == 0) return;
    c->readahead = readahead;
    c->first = next;
    c->count = count;
    c->pending = true;
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
      c.records.clear();
      c.rest = 0;
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
    Load(read, target);
    if (!status_.ok()) return;
    // Past a window's end: the answer is further on.
    for (Cursor* c : read) {
      while (c->pos < c->entries.size() &&
             kCmp.Compare(c->entries[c->pos].internal_key, *target) < 0) {
        c->pos++;
      }
      if (!c->valid()) Advance(c);
    }
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
