// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The generic two-level iterator over plain sorted vectors: empty runs
// skipped in both directions, errors from either level, run reuse.

#include "lsm/table/two_level_iterator.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>
#include <utility>
#include <vector>

#include "tests/testutil.h"

namespace o3lsm {

namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// Bytewise-ordered entries; optionally fails with an error once it is
// positioned past entry fail_at.
class VectorIterator final : public Iterator {
 public:
  explicit VectorIterator(Entries entries) : entries_(std::move(entries)) {}
  bool Valid() const override { return pos_ < entries_.size(); }
  void SeekToFirst() override { pos_ = 0; }
  void SeekToLast() override {
    pos_ = entries_.empty() ? entries_.size() : entries_.size() - 1;
  }
  void Seek(const Slice& target) override {
    pos_ = std::lower_bound(entries_.begin(), entries_.end(), target,
                            [](const auto& e, const Slice& t) {
                              return Slice(e.first).compare(t) < 0;
                            }) -
           entries_.begin();
  }
  void Next() override { pos_++; }
  void Prev() override { pos_ = pos_ == 0 ? entries_.size() : pos_ - 1; }
  Slice key() const override { return entries_[pos_].first; }
  Slice value() const override { return entries_[pos_].second; }
  Status status() const override { return Status::OK(); }

 private:
  Entries entries_;
  size_t pos_ = 0;
};

// Runs of entries, indexed by their last key (a valid separator).
struct Runs {
  std::vector<Entries> runs;
  std::vector<int> failing;  // runs whose block_function reports an error
  int opened = 0;

  Iterator* NewIterator() {
    Entries index;
    std::string last;
    for (size_t i = 0; i < runs.size(); i++) {
      if (!runs[i].empty()) last = runs[i].back().first;
      // An empty run gets the previous run's separator: still ordered.
      index.emplace_back(last + std::string(i, '\x00'), std::to_string(i));
    }
    return NewTwoLevelIterator(
        new VectorIterator(index), [this](const Slice& v) -> Iterator* {
          opened++;
          const int i = std::stoi(v.ToString());
          if (std::find(failing.begin(), failing.end(), i) != failing.end()) {
            return NewErrorIterator(
                Status::Corruption("run " + std::to_string(i), "damaged"));
          }
          return new VectorIterator(runs[i]);
        });
  }
};

std::vector<std::string> Forward(Iterator* it) {
  std::vector<std::string> keys;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    keys.push_back(it->key().ToString());
  }
  return keys;
}

std::vector<std::string> Backward(Iterator* it) {
  std::vector<std::string> keys;
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    keys.push_back(it->key().ToString());
  }
  return keys;
}

}  // namespace

TEST(TwoLevelIterator, SkipsEmptyRunsInBothDirections) {
  Runs r;
  r.runs = {{}, {{"a", "1"}, {"b", "2"}}, {}, {}, {{"c", "3"}}, {}};
  std::unique_ptr<Iterator> it(r.NewIterator());
  EXPECT_EQ((std::vector<std::string>{"a", "b", "c"}), Forward(it.get()));
  EXPECT_EQ((std::vector<std::string>{"c", "b", "a"}), Backward(it.get()));
  it->Seek("bb");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("c", it->key().ToString());
  EXPECT_EQ("3", it->value().ToString());
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("b", it->key().ToString());
  it->Seek("0");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("a", it->key().ToString());
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->Seek("d");
  EXPECT_FALSE(it->Valid());
  EXPECT_OK(it->status());
}

TEST(TwoLevelIterator, OnlyEmptyRuns) {
  Runs r;
  r.runs = {{}, {}, {}};
  std::unique_ptr<Iterator> it(r.NewIterator());
  EXPECT_TRUE(Forward(it.get()).empty());
  EXPECT_TRUE(Backward(it.get()).empty());
  EXPECT_OK(it->status());
  Runs none;
  std::unique_ptr<Iterator> empty(none.NewIterator());
  EXPECT_TRUE(Forward(empty.get()).empty());
  EXPECT_OK(empty->status());
}

TEST(TwoLevelIterator, RunErrorStopsIterationAndSticks) {
  Runs r;
  r.runs = {{{"a", "1"}}, {{"b", "2"}}, {{"c", "3"}}};
  r.failing = {1};
  std::unique_ptr<Iterator> it(r.NewIterator());
  EXPECT_EQ((std::vector<std::string>{"a"}), Forward(it.get()));
  EXPECT_TRUE(it->status().IsCorruption());
  EXPECT_NE(std::string::npos, it->status().ToString().find("run 1"));
  // Sticky: positioning elsewhere does not hide the error.
  it->Seek("c");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());

  std::unique_ptr<Iterator> back(r.NewIterator());
  EXPECT_EQ((std::vector<std::string>{"c"}), Backward(back.get()));
  EXPECT_TRUE(back->status().IsCorruption());
}

TEST(TwoLevelIterator, IndexErrorIsReported) {
  auto* index = NewErrorIterator(Status::Corruption("index", "bad"));
  std::unique_ptr<Iterator> it(NewTwoLevelIterator(
      index, [](const Slice&) -> Iterator* { return NewEmptyIterator(); }));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

TEST(TwoLevelIterator, ReusesTheOpenRun) {
  Runs r;
  r.runs = {{{"a", "1"}, {"b", "2"}, {"c", "3"}}, {{"d", "4"}}};
  std::unique_ptr<Iterator> it(r.NewIterator());
  it->Seek("a");
  it->Seek("b");
  it->Seek("c");
  EXPECT_EQ(1, r.opened);
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("d", it->key().ToString());
  EXPECT_EQ(2, r.opened);
}

}  // namespace o3lsm
