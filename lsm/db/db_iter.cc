// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/db_iter.h"

#include <memory>
#include <string>

#include "util/stop_watch.h"

namespace o3lsm {

namespace {

// Positions:
//   moving forward  the internal iterator sits on the entry being returned;
//   moving backward it sits before every entry of the returned key, whose
//                   key and value are copied into saved_key_/saved_value_.
class DBIter final : public Iterator {
 public:
  DBIter(Iterator* iter, SequenceNumber s, const Slice* lower,
         const Slice* upper, RangeTombstoneSetRef range_tombstones,
         SeekSampling sampling)
      : iter_(iter),
        sequence_(s),
        lower_(lower),
        upper_(upper),
        range_tombstones_(range_tombstones != nullptr &&
                                  !range_tombstones->empty()
                              ? std::move(range_tombstones)
                              : nullptr),
        sampling_(std::move(sampling)) {}

  bool Valid() const override { return valid_; }

  Slice key() const override {
    return direction_ == kForward ? ExtractUserKey(iter_->key())
                                  : Slice(saved_key_);
  }
  Slice value() const override {
    return direction_ == kForward ? iter_->value() : Slice(saved_value_);
  }
  Status status() const override {
    return status_.ok() ? iter_->status() : status_;
  }

  void Next() override;
  void Prev() override;
  void Seek(const Slice& target) override;
  void SeekForPrev(const Slice& target) override;
  void SeekToFirst() override;
  void SeekToLast() override;

 private:
  enum Direction { kForward, kReverse };

  // Moves forward to the first visible entry not hidden by a tombstone or a
  // newer version of skip_key (when skipping).
  void FindNextUserEntry(bool skipping, std::string* skip_key);
  // Moves backward, collecting the newest visible version of the previous
  // user key into saved_key_/saved_value_.
  void FindPrevUserEntry();
  // Parses the internal iterator's key; a version a range tombstone hides
  // comes back as a deletion.
  bool ParseKey(ParsedInternalKey* key);
  bool PastUpper(const Slice& user_key) const {
    return upper_ != nullptr && user_key.compare(*upper_) >= 0;
  }
  bool BeforeLower(const Slice& user_key) const {
    return lower_ != nullptr && user_key.compare(*lower_) < 0;
  }
  // Positions the internal iterator on the last entry before every entry
  // of user_key (or invalid), then collects the key before it.
  void SeekBefore(const Slice& user_key);
  // Seeks the internal iterator to internal_key, steps back one entry (to
  // the last entry if nothing is at or after it) and collects the user key
  // there.
  void StepBackFrom(const Slice& internal_key);
  void SampleSeek(const Slice& target) const {
    if (sampling_.sampler != nullptr) {
      sampling_.sampler->Sample(sampling_, target);
    }
  }

  std::unique_ptr<Iterator> iter_;
  const SequenceNumber sequence_;
  const Slice* const lower_;  // user keys; nullptr: unbounded
  const Slice* const upper_;
  const RangeTombstoneSetRef range_tombstones_;  // null: none
  const SeekSampling sampling_;
  Status status_;
  std::string saved_key_;
  std::string saved_value_;
  Direction direction_ = kForward;
  bool valid_ = false;
};

bool DBIter::ParseKey(ParsedInternalKey* key) {
  if (!ParseInternalKey(iter_->key(), key)) {
    status_ = Status::Corruption("iterator", "malformed internal key");
    return false;
  }
  if (range_tombstones_ != nullptr && key->sequence <= sequence_ &&
      key->sequence <
          range_tombstones_->CoveringSequence(key->user_key, sequence_)) {
    key->type = kTypeDeletion;
  }
  return true;
}

void DBIter::FindNextUserEntry(bool skipping, std::string* skip_key) {
  // Loop until we hit an acceptable entry to yield.
  direction_ = kForward;
  for (; iter_->Valid(); iter_->Next()) {
    ParsedInternalKey ikey;
    if (!ParseKey(&ikey)) break;
    if (PastUpper(ikey.user_key)) break;
    // Newer than our snapshot, or (turning from a backward walk that ended
    // at the lower bound) before the bound.
    if (ikey.sequence > sequence_ || BeforeLower(ikey.user_key)) continue;
    if (ikey.type == kTypeDeletion) {
      // Hide every older version of this key.
      skip_key->assign(ikey.user_key.data(), ikey.user_key.size());
      skipping = true;
    } else if (!skipping || ikey.user_key.compare(*skip_key) > 0) {
      valid_ = true;
      saved_key_.clear();
      return;
    }
  }
  saved_key_.clear();
  valid_ = false;
}

void DBIter::FindPrevUserEntry() {
  ValueType value_type = kTypeDeletion;
  for (; iter_->Valid(); iter_->Prev()) {
    ParsedInternalKey ikey;
    if (!ParseKey(&ikey)) break;
    if (BeforeLower(ikey.user_key)) break;
    // A SeekToLast that found nothing at or past the upper bound starts
    // past it.
    if (ikey.sequence > sequence_ || PastUpper(ikey.user_key)) continue;
    if (value_type != kTypeDeletion &&
        ikey.user_key.compare(saved_key_) < 0) {
      // A visible, live entry for saved_key_ is collected and we have moved
      // on to an older key.
      break;
    }
    value_type = ikey.type;
    if (value_type == kTypeDeletion) {
      saved_key_.clear();
      saved_value_.clear();
    } else {
      saved_key_.assign(ikey.user_key.data(), ikey.user_key.size());
      saved_value_.assign(iter_->value().data(), iter_->value().size());
    }
  }
  if (!iter_->Valid() && !iter_->status().ok()) {
    // Stopped by an error, perhaps before the newest version of saved_key_:
    // what was collected may be stale.
    value_type = kTypeDeletion;
  }
  if (value_type == kTypeDeletion) {
    // End of iteration (or an error).
    valid_ = false;
    saved_key_.clear();
    saved_value_.clear();
    direction_ = kForward;
  } else {
    valid_ = true;
  }
}

void DBIter::Next() {
  if (direction_ == kReverse) {
    direction_ = kForward;
    // iter_ is before every entry of saved_key_; move it into them, then
    // skip them below.
    if (!iter_->Valid()) {
      if (lower_ != nullptr) {
        std::string first;
        AppendInternalKey(&first, ParsedInternalKey(*lower_, kMaxSequenceNumber,
                                                    kValueTypeForSeek));
        iter_->Seek(first);
      } else {
        iter_->SeekToFirst();
      }
    } else {
      iter_->Next();
    }
    if (!iter_->Valid()) {
      valid_ = false;
      saved_key_.clear();
      return;
    }
    // saved_key_ already holds the key to skip past.
  } else {
    // Skip the rest of the current key's versions.
    const Slice k = ExtractUserKey(iter_->key());
    saved_key_.assign(k.data(), k.size());
    iter_->Next();
    if (!iter_->Valid()) {
      valid_ = false;
      saved_key_.clear();
      return;
    }
  }
  FindNextUserEntry(true, &saved_key_);
}

void DBIter::Prev() {
  if (direction_ == kForward) {
    // iter_ is on the current entry; scan back until the key changes, and
    // FindPrevUserEntry collects the previous key.
    const Slice k = ExtractUserKey(iter_->key());
    saved_key_.assign(k.data(), k.size());
    while (true) {
      iter_->Prev();
      if (!iter_->Valid()) {
        valid_ = false;
        saved_key_.clear();
        saved_value_.clear();
        return;
      }
      if (ExtractUserKey(iter_->key()).compare(saved_key_) < 0) break;
    }
    direction_ = kReverse;
  }
  FindPrevUserEntry();
}

void DBIter::Seek(const Slice& target) {
  SampleSeek(target);
  direction_ = kForward;
  saved_value_.clear();
  saved_key_.clear();
  if (PastUpper(target)) {
    valid_ = false;
    return;
  }
  const Slice& from = BeforeLower(target) ? *lower_ : target;
  AppendInternalKey(&saved_key_,
                    ParsedInternalKey(from, sequence_, kValueTypeForSeek));
  iter_->Seek(saved_key_);
  if (iter_->Valid()) {
    FindNextUserEntry(false, &saved_key_);
  } else {
    valid_ = false;
  }
}

void DBIter::SeekForPrev(const Slice& target) {
  SampleSeek(target);
  if (BeforeLower(target)) {
    direction_ = kForward;
    valid_ = false;
    saved_key_.clear();
    saved_value_.clear();
    return;
  }
  if (PastUpper(target)) {
    SeekBefore(*upper_);
    return;
  }
  // (target, 0, deletion) sorts after every other version of target: seek
  // there and step back. Stepping back over that one entry, if it exists,
  // loses nothing: it is target's oldest version, a deletion.
  std::string last;
  AppendInternalKey(&last, ParsedInternalKey(target, 0, kTypeDeletion));
  StepBackFrom(last);
}

void DBIter::SeekBefore(const Slice& user_key) {
  std::string first;
  AppendInternalKey(&first, ParsedInternalKey(user_key, kMaxSequenceNumber,
                                               kValueTypeForSeek));
  StepBackFrom(first);
}

void DBIter::StepBackFrom(const Slice& internal_key) {
  direction_ = kReverse;
  saved_value_.clear();
  saved_key_.clear();
  iter_->Seek(internal_key);
  if (iter_->Valid()) {
    iter_->Prev();
  } else if (iter_->status().ok()) {
    iter_->SeekToLast();
  }
  FindPrevUserEntry();
}

void DBIter::SeekToFirst() {
  if (lower_ != nullptr) {
    Seek(*lower_);
    return;
  }
  direction_ = kForward;
  saved_value_.clear();
  iter_->SeekToFirst();
  if (iter_->Valid()) {
    FindNextUserEntry(false, &saved_key_);
  } else {
    valid_ = false;
  }
}

void DBIter::SeekToLast() {
  if (upper_ != nullptr) {
    SeekBefore(*upper_);
    return;
  }
  direction_ = kReverse;
  saved_value_.clear();
  iter_->SeekToLast();
  FindPrevUserEntry();
}

// Counts the moves of a DBIter into statistics. A wrapper, so that an
// iterator of a database without statistics pays nothing.
class CountingIter final : public Iterator {
 public:
  CountingIter(Iterator* iter, Env* env, Statistics* statistics)
      : iter_(iter), env_(env), statistics_(statistics) {}

  bool Valid() const override { return iter_->Valid(); }
  Slice key() const override { return iter_->key(); }
  Slice value() const override { return iter_->value(); }
  Status status() const override { return iter_->status(); }

  void Next() override {
    iter_->Next();
    Count(kNumberDbNext, kNumberDbNextFound);
  }
  void Prev() override {
    iter_->Prev();
    Count(kNumberDbPrev, kNumberDbPrevFound);
  }
  void Seek(const Slice& target) override {
    StopWatch timer(env_, statistics_, kDbSeek);
    iter_->Seek(target);
    Count(kNumberDbSeek, kNumberDbSeekFound);
  }
  void SeekForPrev(const Slice& target) override {
    StopWatch timer(env_, statistics_, kDbSeek);
    iter_->SeekForPrev(target);
    Count(kNumberDbSeek, kNumberDbSeekFound);
  }
  void SeekToFirst() override {
    StopWatch timer(env_, statistics_, kDbSeek);
    iter_->SeekToFirst();
    Count(kNumberDbSeek, kNumberDbSeekFound);
  }
  void SeekToLast() override {
    StopWatch timer(env_, statistics_, kDbSeek);
    iter_->SeekToLast();
    Count(kNumberDbSeek, kNumberDbSeekFound);
  }

 private:
  void Count(Tickers move, Tickers found) {
    statistics_->recordTick(move);
    if (iter_->Valid()) {
      statistics_->recordTick(found);
      statistics_->recordTick(kIterBytesRead,
                              iter_->key().size() + iter_->value().size());
    }
  }

  const std::unique_ptr<Iterator> iter_;
  Env* const env_;
  Statistics* const statistics_;
};

}  // namespace

Iterator* NewDBIterator(Iterator* internal_iter, SequenceNumber sequence,
                        const Slice* lower_bound, const Slice* upper_bound,
                        RangeTombstoneSetRef range_tombstones, Env* env,
                        Statistics* statistics, SeekSampling sampling) {
  Iterator* iter = new DBIter(internal_iter, sequence, lower_bound, upper_bound,
                              std::move(range_tombstones), std::move(sampling));
  if (statistics == nullptr) return iter;
  return new CountingIter(iter, env, statistics);
}

}  // namespace o3lsm
