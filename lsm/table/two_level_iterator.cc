// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/table/two_level_iterator.h"

#include <cassert>
#include <memory>
#include <string>

#include "lsm/dbformat.h"

namespace o3lsm {

namespace {

class TwoLevelIterator final : public Iterator {
 public:
  TwoLevelIterator(Iterator* index_iter,
                   std::function<Iterator*(const Slice&)> block_function,
                   const Slice* lower_bound, const Slice* upper_bound,
                   RunFirstKeyFunction run_first_key)
      : index_(index_iter),
        block_function_(std::move(block_function)),
        lower_bound_(lower_bound),
        upper_bound_(upper_bound),
        run_first_key_(run_first_key) {}

  bool Valid() const override {
    return status_.ok() && data_ != nullptr && data_->Valid();
  }
  void Seek(const Slice& target) override;
  void SeekToFirst() override;
  void SeekToLast() override;
  void Next() override;
  void Prev() override;
  Slice key() const override {
    assert(Valid());
    return data_->key();
  }
  Slice value() const override {
    assert(Valid());
    return data_->value();
  }
  Status status() const override { return status_; }

 private:
  void SaveError(const Status& s) {
    if (status_.ok() && !s.ok()) status_ = s;
  }
  // Points data_ at the run named by the index's current entry (keeping
  // data_ if it already is that run).
  void InitDataIterator();
  void SetDataIterator(Iterator* iter);
  // Moves over runs that have no entry in the direction of travel. Stops,
  // recording the error, when an iterator fails.
  void SkipEmptyRuns(bool forward);
  // True if the runs past the index's current entry, in the direction of
  // travel, lie wholly outside the bounds (see the header).
  bool RestIsOutOfBounds(bool forward) const;
  // True if the run at the index's current entry starts at or past the
  // upper bound (so it, and every run after it, holds nothing in bounds).
  bool RunStartsPastUpper() const;

  std::unique_ptr<Iterator> index_;
  std::function<Iterator*(const Slice&)> block_function_;
  std::unique_ptr<Iterator> data_;
  std::string data_index_value_;  // the index value data_ was made from
  const Slice* const lower_bound_;  // user keys; nullptr: unbounded
  const Slice* const upper_bound_;
  const RunFirstKeyFunction run_first_key_;  // nullptr: not known
  Status status_;
};

void TwoLevelIterator::SetDataIterator(Iterator* iter) {
  data_.reset(iter);
  if (iter == nullptr) data_index_value_.clear();
}

void TwoLevelIterator::InitDataIterator() {
  if (!index_->Valid()) {
    SaveError(index_->status());
    SetDataIterator(nullptr);
    return;
  }
  const Slice v = index_->value();
  if (data_ != nullptr && v == Slice(data_index_value_)) return;
  SetDataIterator(block_function_(v));
  assert(data_ != nullptr);
  data_index_value_.assign(v.data(), v.size());
}

bool TwoLevelIterator::RestIsOutOfBounds(bool forward) const {
  if (forward) {
    return upper_bound_ != nullptr && index_->key().size() >= 8 &&
           Slice(index_->key().data(), index_->key().size() - 8)
                   .compare(*upper_bound_) >= 0;
  }
  return lower_bound_ != nullptr && index_->key().size() >= 8 &&
         Slice(index_->key().data(), index_->key().size() - 8)
                 .compare(*lower_bound_) < 0;
}

bool TwoLevelIterator::RunStartsPastUpper() const {
  Slice first;
  return upper_bound_ != nullptr && run_first_key_ != nullptr &&
         index_->Valid() && run_first_key_(index_->value(), &first) &&
         first.compare(*upper_bound_) >= 0;
}

void TwoLevelIterator::SkipEmptyRuns(bool forward) {
  while (data_ == nullptr || !data_->Valid()) {
    if (data_ != nullptr && !data_->status().ok()) {
      SaveError(data_->status());
      return;
    }
    if (!index_->Valid()) {
      SaveError(index_->status());
      SetDataIterator(nullptr);
      return;
    }
    if (forward) {
      if (RestIsOutOfBounds(true)) {
        SetDataIterator(nullptr);
        return;
      }
      index_->Next();
      if (RunStartsPastUpper()) {
        SetDataIterator(nullptr);
        return;
      }
    } else {
      index_->Prev();
      if (index_->Valid() && RestIsOutOfBounds(false)) {
        SetDataIterator(nullptr);
        return;
      }
    }
    InitDataIterator();
    if (data_ == nullptr) continue;
    if (forward) {
      data_->SeekToFirst();
    } else {
      data_->SeekToLast();
    }
  }
}

void TwoLevelIterator::Seek(const Slice& target) {
  if (!status_.ok()) return;
  index_->Seek(target);
  if (RunStartsPastUpper()) {
    SetDataIterator(nullptr);
    return;
  }
  InitDataIterator();
  if (data_ != nullptr) data_->Seek(target);
  SkipEmptyRuns(/*forward=*/true);
}

void TwoLevelIterator::SeekToFirst() {
  if (!status_.ok()) return;
  if (lower_bound_ != nullptr) {
    // The first entry at or after the bound: no run before it is opened.
    std::string first;
    AppendInternalKey(&first, ParsedInternalKey(*lower_bound_,
                                                kMaxSequenceNumber,
                                                kValueTypeForSeek));
    Seek(first);
    return;
  }
  index_->SeekToFirst();
  if (RunStartsPastUpper()) {
    SetDataIterator(nullptr);
    return;
  }
  InitDataIterator();
  if (data_ != nullptr) data_->SeekToFirst();
  SkipEmptyRuns(/*forward=*/true);
}

void TwoLevelIterator::SeekToLast() {
  if (!status_.ok()) return;
  if (upper_bound_ == nullptr) {
    index_->SeekToLast();
    InitDataIterator();
    if (data_ != nullptr) data_->SeekToLast();
    SkipEmptyRuns(/*forward=*/false);
    return;
  }
  // The last entry before the bound: the run that holds the bound's first
  // possible entry, stepped back from there; no run after it is opened.
  std::string bound;
  AppendInternalKey(&bound, ParsedInternalKey(*upper_bound_,
                                              kMaxSequenceNumber,
                                              kValueTypeForSeek));
  index_->Seek(bound);
  if (!index_->Valid()) {
    if (!index_->status().ok()) {
      SaveError(index_->status());
      SetDataIterator(nullptr);
      return;
    }
    index_->SeekToLast();
  }
  if (RunStartsPastUpper()) {
    // Nothing of this run is in bounds: the previous run's last entry is
    // the answer, if that run reaches the lower bound.
    index_->Prev();
    if (!index_->Valid() || RestIsOutOfBounds(false)) {
      SaveError(index_->status());
      SetDataIterator(nullptr);
      return;
    }
    InitDataIterator();
    if (data_ != nullptr) data_->SeekToLast();
    SkipEmptyRuns(/*forward=*/false);
    return;
  }
  InitDataIterator();
  if (data_ != nullptr) {
    data_->Seek(bound);
    if (data_->Valid()) {
      data_->Prev();
    } else if (data_->status().ok()) {
      data_->SeekToLast();
    }
  }
  SkipEmptyRuns(/*forward=*/false);
}

void TwoLevelIterator::Next() {
  assert(Valid());
  data_->Next();
  SkipEmptyRuns(/*forward=*/true);
}

void TwoLevelIterator::Prev() {
  assert(Valid());
  data_->Prev();
  SkipEmptyRuns(/*forward=*/false);
}

}  // namespace

Iterator* NewTwoLevelIterator(
    Iterator* index_iter,
    std::function<Iterator*(const Slice& index_value)> block_function,
    const Slice* lower_bound, const Slice* upper_bound,
    RunFirstKeyFunction run_first_key) {
  return new TwoLevelIterator(index_iter, std::move(block_function),
                              lower_bound, upper_bound, run_first_key);
}

}  // namespace o3lsm
