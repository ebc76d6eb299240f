// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "o3lsm/write_batch.h"

#include <gtest/gtest.h>
#include <string>

#include "lsm/dbformat.h"
#include "lsm/wal/write_batch_internal.h"
#include "tests/testutil.h"
#include "util/coding.h"
#include "util/random.h"

namespace o3lsm {

namespace {

// Renders the updates a batch delivers, in order.
class Recorder : public WriteBatch::Handler {
 public:
  void Put(const Slice& key, const Slice& value) override {
    out_ += "Put(" + key.ToString() + "," + value.ToString() + ")";
  }
  void DeleteRange(const Slice& begin, const Slice& end) override {
    out_ += "DeleteRange(" + begin.ToString() + "," + end.ToString() + ")";
  }
  void Delete(const Slice& key) override {
    out_ += "Delete(" + key.ToString() + ")";
  }
  const std::string& out() const { return out_; }

 private:
  std::string out_;
};

std::string Render(const WriteBatch& batch) {
  Recorder r;
  Status s = batch.Iterate(&r);
  if (!s.ok()) return "error: " + s.ToString();
  return r.out();
}

WriteBatch Sample() {
  WriteBatch b;
  b.Put("foo", "bar");
  b.Delete("box");
  b.Put("baz", "boo");
  b.Put("", "");
  b.Delete("");
  return b;
}

}  // namespace

TEST(WriteBatch, EmptyBatch) {
  WriteBatch b;
  EXPECT_EQ(0u, b.Count());
  EXPECT_EQ(WriteBatchInternal::kHeaderSize, b.ApproximateSize());
  EXPECT_EQ(0u, WriteBatchInternal::Sequence(&b));
  EXPECT_EQ("", Render(b));
}

TEST(WriteBatch, IteratesInInsertionOrder) {
  WriteBatch b = Sample();
  EXPECT_EQ(5u, b.Count());
  EXPECT_EQ("Put(foo,bar)Delete(box)Put(baz,boo)Put(,)Delete()", Render(b));
}

TEST(WriteBatch, ApproximateSizeGrowsWithEachUpdate) {
  WriteBatch b;
  const size_t empty = b.ApproximateSize();
  b.Put("foo", "bar");
  const size_t one = b.ApproximateSize();
  EXPECT_EQ(empty + 1 + 1 + 3 + 1 + 3, one);
  b.Delete("box");
  EXPECT_EQ(one + 1 + 1 + 3, b.ApproximateSize());
  EXPECT_EQ(WriteBatchInternal::ByteSize(&b), b.ApproximateSize());
}

TEST(WriteBatch, ClearDropsUpdatesAndSequence) {
  WriteBatch b = Sample();
  WriteBatchInternal::SetSequence(&b, 77);
  b.Clear();
  EXPECT_EQ(0u, b.Count());
  EXPECT_EQ(0u, WriteBatchInternal::Sequence(&b));
  EXPECT_EQ(WriteBatchInternal::kHeaderSize, b.ApproximateSize());
  EXPECT_EQ("", Render(b));
  b.Put("a", "1");
  EXPECT_EQ("Put(a,1)", Render(b));
}

TEST(WriteBatch, AppendConcatenatesAndKeepsSequence) {
  WriteBatch b1;
  WriteBatch b2;
  WriteBatchInternal::SetSequence(&b1, 200);
  WriteBatchInternal::SetSequence(&b2, 300);
  b1.Append(b2);
  EXPECT_EQ("", Render(b1));
  EXPECT_EQ(200u, WriteBatchInternal::Sequence(&b1));
  b2.Put("a", "va");
  b1.Append(b2);
  EXPECT_EQ("Put(a,va)", Render(b1));
  b2.Clear();
  b2.Put("b", "vb");
  b2.Delete("a");
  b1.Append(b2);
  EXPECT_EQ(3u, b1.Count());
  EXPECT_EQ("Put(a,va)Put(b,vb)Delete(a)", Render(b1));
  EXPECT_EQ(200u, WriteBatchInternal::Sequence(&b1));

  WriteBatch b3;
  WriteBatchInternal::Append(&b3, &b1);
  EXPECT_EQ(Render(b1), Render(b3));
}

TEST(WriteBatch, HeaderFieldsRoundTrip) {
  WriteBatch b = Sample();
  WriteBatchInternal::SetSequence(&b, kMaxSequenceNumber);
  EXPECT_EQ(kMaxSequenceNumber, WriteBatchInternal::Sequence(&b));
  Slice contents = WriteBatchInternal::Contents(&b);
  EXPECT_EQ(kMaxSequenceNumber, DecodeFixed64(contents.data()));
  EXPECT_EQ(5u, DecodeFixed32(contents.data() + 8));
  WriteBatchInternal::SetCount(&b, 9);
  EXPECT_EQ(9u, WriteBatchInternal::Count(&b));
}

TEST(WriteBatch, SetContentsRoundTrip) {
  WriteBatch b = Sample();
  WriteBatchInternal::SetSequence(&b, 1234);
  const std::string contents = WriteBatchInternal::Contents(&b).ToString();
  WriteBatch c;
  c.Put("stale", "x");
  ASSERT_OK(WriteBatchInternal::SetContents(&c, contents));
  EXPECT_EQ(1234u, WriteBatchInternal::Sequence(&c));
  EXPECT_EQ(5u, c.Count());
  EXPECT_EQ(Render(b), Render(c));
  EXPECT_EQ(contents, WriteBatchInternal::Contents(&c).ToString());
}

TEST(WriteBatch, BinaryKeysAndLargeValues) {
  Random64 rnd(7);
  WriteBatch b;
  const std::string key("\0\xff\x80k", 4);
  const std::string value = test::RandomBytes(&rnd, 300000, false);
  b.Put(key, value);
  b.Delete(key);
  struct Check : WriteBatch::Handler {
    std::string key;
    std::string value;
    int deletes = 0;
    void Put(const Slice& k, const Slice& v) override {
      key = k.ToString();
      value = v.ToString();
    }
    void Delete(const Slice& k) override {
      EXPECT_EQ(key, k.ToString());
      ++deletes;
    }
    void DeleteRange(const Slice&, const Slice&) override {
      ADD_FAILURE() << "no range deletion was written";
    }
  } check;
  ASSERT_OK(b.Iterate(&check));
  EXPECT_EQ(key, check.key);
  EXPECT_EQ(value, check.value);
  EXPECT_EQ(1, check.deletes);
}

TEST(WriteBatch, SetContentsRejectsShortHeader) {
  WriteBatch b = Sample();
  const std::string before = WriteBatchInternal::Contents(&b).ToString();
  for (size_t n = 0; n < WriteBatchInternal::kHeaderSize; ++n) {
    Status s = WriteBatchInternal::SetContents(&b, Slice(before.data(), n));
    EXPECT_TRUE(s.IsCorruption()) << n << ": " << s.ToString();
    EXPECT_EQ(before, WriteBatchInternal::Contents(&b).ToString());
  }
}

TEST(WriteBatch, TruncatedAtEveryLengthIsCorruption) {
  WriteBatch b = Sample();
  b.Put("a-longer-key", std::string(200, 'v'));  // two-byte varint lengths
  const std::string full = WriteBatchInternal::Contents(&b).ToString();
  // Cutting at a record boundary leaves a well-formed prefix whose header
  // count is too large: a count mismatch. Anywhere else, a truncated record.
  for (size_t n = WriteBatchInternal::kHeaderSize; n < full.size(); ++n) {
    WriteBatch t;
    ASSERT_OK(WriteBatchInternal::SetContents(&t, Slice(full.data(), n)));
    Recorder r;
    Status s = t.Iterate(&r);
    EXPECT_TRUE(s.IsCorruption()) << "length " << n << ": " << s.ToString();
  }
}

TEST(WriteBatch, UnknownTagIsCorruptionNamingOffset) {
  WriteBatch b;
  b.Put("k", "v");
  b.Delete("k");
  std::string contents = WriteBatchInternal::Contents(&b).ToString();
  const size_t second_tag = WriteBatchInternal::kHeaderSize + 1 + 2 + 2;
  ASSERT_EQ(static_cast<char>(kTypeDeletion), contents[second_tag]);
  for (int tag : {2, 0x7f, 0x80, 0xff}) {
    std::string bad = contents;
    bad[second_tag] = static_cast<char>(tag);
    WriteBatch t;
    ASSERT_OK(WriteBatchInternal::SetContents(&t, bad));
    Recorder r;
    Status s = t.Iterate(&r);
    ASSERT_TRUE(s.IsCorruption()) << tag;
    EXPECT_NE(std::string::npos,
              s.ToString().find("offset " + std::to_string(second_tag)))
        << s.ToString();
    EXPECT_EQ("Put(k,v)", r.out());  // the prefix before the bad record
  }
}

TEST(WriteBatch, CountMismatchIsCorruption) {
  WriteBatch b = Sample();
  for (uint32_t count : {0u, 4u, 6u, 0xffffffffu}) {
    WriteBatch t = b;
    WriteBatchInternal::SetCount(&t, count);
    Recorder r;
    EXPECT_TRUE(t.Iterate(&r).IsCorruption()) << count;
  }
}

TEST(WriteBatch, OverlongVarintLengthIsCorruption) {
  WriteBatch b;
  std::string contents = WriteBatchInternal::Contents(&b).ToString();
  contents.push_back(static_cast<char>(kTypeValue));
  contents.append(5, '\xff');  // a varint32 that never ends
  contents.append("xyz");
  EncodeFixed32(&contents[8], 1);
  ASSERT_OK(WriteBatchInternal::SetContents(&b, contents));
  Recorder r;
  EXPECT_TRUE(b.Iterate(&r).IsCorruption());

  // A length that points past the end.
  WriteBatch c;
  contents = WriteBatchInternal::Contents(&c).ToString();
  contents.push_back(static_cast<char>(kTypeDeletion));
  PutVarint32(&contents, 1000);
  contents.append("short");
  EncodeFixed32(&contents[8], 1);
  ASSERT_OK(WriteBatchInternal::SetContents(&c, contents));
  EXPECT_TRUE(c.Iterate(&r).IsCorruption());
}

TEST(WriteBatch, RandomMutationsNeverCrash) {
  Random64 rnd(301);
  WriteBatch b;
  for (int i = 0; i < 40; ++i) {
    const std::string key = test::RandomBytes(&rnd, rnd.Uniform(20));
    if (rnd.OneIn(3)) {
      b.Delete(key);
    } else {
      b.Put(key, test::RandomBytes(&rnd, rnd.Uniform(300), false));
    }
  }
  const std::string good = WriteBatchInternal::Contents(&b).ToString();
  int corrupt = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bad = good;
    const int edits = 1 + static_cast<int>(rnd.Uniform(4));
    for (int e = 0; e < edits; ++e) {
      const size_t at =
          WriteBatchInternal::kHeaderSize +
          rnd.Uniform(bad.size() - WriteBatchInternal::kHeaderSize);
      bad[at] = static_cast<char>(rnd.Next());
    }
    if (rnd.OneIn(2)) {
      bad.resize(WriteBatchInternal::kHeaderSize +
                 rnd.Uniform(bad.size() - WriteBatchInternal::kHeaderSize));
    }
    WriteBatch t;
    ASSERT_OK(WriteBatchInternal::SetContents(&t, bad));
    Recorder r;
    Status s = t.Iterate(&r);
    if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      ++corrupt;
    }
  }
  EXPECT_GT(corrupt, 1000);
}

}  // namespace o3lsm
