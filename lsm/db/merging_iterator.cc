// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/merging_iterator.h"

#include <memory>

#include "lsm/dbformat.h"

namespace o3lsm {

namespace {

const InternalKeyComparator kCmp;

class MergingIterator final : public Iterator {
 public:
  explicit MergingIterator(std::vector<Iterator*> children) {
    children_.reserve(children.size());
    for (Iterator* c : children) children_.emplace_back(c);
    heap_.reserve(children_.size());
  }

  bool Valid() const override { return !heap_.empty(); }

  void SeekToFirst() override {
    for (auto& c : children_) c->SeekToFirst();
    BuildHeap(kForward);
  }

  void SeekToLast() override {
    for (auto& c : children_) c->SeekToLast();
    BuildHeap(kReverse);
  }

  void Seek(const Slice& target) override {
    for (auto& c : children_) c->Seek(target);
    BuildHeap(kForward);
  }

  void Next() override {
    if (direction_ != kForward) {
      // Every other child must move to the first entry after key(): seek it
      // to key() and step over an equal entry.
      const std::string saved = key().ToString();
      Iterator* current = heap_[0];
      for (auto& c : children_) {
        if (c.get() == current) continue;
        c->Seek(saved);
        if (c->Valid() && kCmp.Compare(saved, c->key()) == 0) c->Next();
      }
      // current now holds the smallest key (others are strictly past it),
      // so it is on top; with duplicates an equal child may be instead,
      // which yields the same entry.
      BuildHeap(kForward);
      if (heap_.empty()) return;  // a child failed on the way
    }
    heap_[0]->Next();
    FixTop();
  }

  void Prev() override {
    if (direction_ != kReverse) {
      // Every other child must move to the last entry before key().
      const std::string saved = key().ToString();
      Iterator* current = heap_[0];
      for (auto& c : children_) {
        if (c.get() == current) continue;
        c->Seek(saved);
        if (c->Valid()) {
          c->Prev();  // first entry < saved
        } else if (c->status().ok()) {
          c->SeekToLast();  // every entry < saved
        }  // else: failed; BuildHeap ends the merge with its status
      }
      BuildHeap(kReverse);
      if (heap_.empty()) return;  // a child failed on the way
    }
    heap_[0]->Prev();
    FixTop();
  }

  Slice key() const override { return heap_[0]->key(); }
  Slice value() const override { return heap_[0]->value(); }

  Status status() const override {
    if (!status_.ok()) return status_;
    for (const auto& c : children_) {
      Status s = c->status();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 private:
  enum Direction { kForward, kReverse };

  // True if a should be nearer the top than b in the current direction.
  bool Before(Iterator* a, Iterator* b) const {
    const int r = kCmp.Compare(a->key(), b->key());
    return direction_ == kForward ? r < 0 : r > 0;
  }

  void SiftDown(size_t i) {
    const size_t n = heap_.size();
    Iterator* item = heap_[i];
    while (true) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && Before(heap_[child + 1], heap_[child])) child++;
      if (!Before(heap_[child], item)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = item;
  }

  void Heapify() {
    for (size_t i = heap_.size() / 2; i-- > 0;) SiftDown(i);
  }

  // A child that stopped on an error ends the merge: going on would show
  // older versions from the other children in place of its newer ones, or
  // leave its keys out. The iterator is then !Valid() with that status.
  bool Failed(const Iterator* child) {
    Status s = child->status();
    if (s.ok()) return false;
    if (status_.ok()) status_ = std::move(s);
    heap_.clear();
    return true;
  }

  void BuildHeap(Direction d) {
    direction_ = d;
    heap_.clear();
    for (auto& c : children_) {
      if (c->Valid()) {
        heap_.push_back(c.get());
      } else if (Failed(c.get())) {
        return;
      }
    }
    Heapify();
  }

  // Re-establishes the heap after the top child moved.
  void FixTop() {
    if (!heap_[0]->Valid()) {
      if (Failed(heap_[0])) return;
      heap_[0] = heap_.back();
      heap_.pop_back();
      if (heap_.empty()) return;
    }
    SiftDown(0);
  }

  std::vector<std::unique_ptr<Iterator>> children_;
  std::vector<Iterator*> heap_;
  Direction direction_ = kForward;
  Status status_;  // the first child error; sticky
};

}  // namespace

Iterator* NewMergingIterator(std::vector<Iterator*> children) {
  if (children.empty()) return NewEmptyIterator();
  if (children.size() == 1) return children[0];
  return new MergingIterator(std::move(children));
}

}  // namespace o3lsm
