// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "o3lsm/iterator.h"

namespace o3lsm {

Iterator::~Iterator() {
  if (first_cleanup_) first_cleanup_();
  for (auto& fn : more_cleanups_) fn();
}

void Iterator::SeekForPrev(const Slice& target) {
  Seek(target);
  if (!Valid()) {
    if (status().ok()) SeekToLast();
  } else if (key().compare(target) > 0) {
    Prev();
  }
}

namespace {

class EmptyIterator final : public Iterator {
 public:
  explicit EmptyIterator(const Status& s) : status_(s) {}
  bool Valid() const override { return false; }
  void Seek(const Slice&) override {}
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Next() override {}
  void Prev() override {}
  Slice key() const override { return Slice(); }
  Slice value() const override { return Slice(); }
  Status status() const override { return status_; }

 private:
  Status status_;
};

}  // namespace

Iterator* NewEmptyIterator() { return new EmptyIterator(Status::OK()); }

Iterator* NewErrorIterator(const Status& s) { return new EmptyIterator(s); }

}  // namespace o3lsm
