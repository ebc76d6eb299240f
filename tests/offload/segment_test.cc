// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include <algorithm>
#include <cstring>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <vector>

#include "interconnect/dm_allocator.h"
#include "interconnect/fabric.h"
#include "lsm/memtable/skiplist.h"
#include "lsm/db/merging_iterator.h"
#include "lsm/offload/dm_scan.h"
#include "lsm/offload/dm_segment.h"
#include "lsm/offload/segment_format.h"
#include "lsm/offload/segment_image.h"
#include "tests/testutil.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

std::string Key(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// A memtable with many versions of some keys (so that versions straddle
// fences), deletions, and empty and long values.
MemTableRef MakeMemTable(int keys, SequenceNumber* last_seq) {
  auto mem = std::make_shared<MemTable>(1, 64 << 20, 80 << 20);
  Random64 rnd(99);
  SequenceNumber seq = 0;
  for (int i = 0; i < keys; i++) {
    const int versions =
        (i % 50 == 7) ? 40 : 1 + static_cast<int>(rnd.Uniform(3));
    for (int v = 0; v < versions; v++) {
      ++seq;
      if (rnd.OneIn(6)) {
        EXPECT_TRUE(mem->Add(seq, kTypeDeletion, Key(i), ""));
      } else {
        const size_t len = rnd.OneIn(40) ? 3000 : rnd.Uniform(100);
        EXPECT_TRUE(mem->Add(seq, kTypeValue, Key(i),
                             test::RandomBytes(&rnd, len, false)));
      }
    }
  }
  *last_seq = seq;
  return mem;
}

// Keys that tie on their first 8 bytes, keys shorter than 8 bytes, keys
// that are prefixes of others, and zero and 0xff bytes where a short key's
// hint is padded, with versions and deletions: where key hints tie, or
// padding could mislead them.
std::vector<std::string> TrickyKeys() {
  std::vector<std::string> keys;
  for (int i = 0; i < 300; i++) keys.push_back("samepfx-" + Key(i));
  for (int i = 0; i < 100; i++) {
    keys.push_back(std::string(1, static_cast<char>('a' + i % 26)) +
                   std::to_string(i));
    keys.push_back(std::string("ab\0", 3) + std::to_string(i));
    keys.push_back(std::string("ab\xff", 3) + std::to_string(i));
    keys.push_back("ab" + std::string(i % 7, '\0'));
  }
  keys.push_back("ab");
  keys.push_back(std::string("ab\0", 3));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// A memtable of keys, each with versions (a few keys with many, straddling
// fences) and some deletions; *last: the newest sequence.
MemTableRef MakeMemTableOf(const std::vector<std::string>& keys, uint64_t seed,
                           SequenceNumber first_seq, SequenceNumber* last) {
  auto mem = std::make_shared<MemTable>(1, 8 << 20, 16 << 20);
  Random64 rnd(seed);
  SequenceNumber seq = first_seq;
  for (size_t i = 0; i < keys.size(); i++) {
    if (rnd.OneIn(3)) continue;  // not in this memtable
    const int versions = i % 97 == 5 ? 40 : 1 + static_cast<int>(rnd.Uniform(3));
    for (int v = 0; v < versions; v++) {
      ++seq;
      if (rnd.OneIn(5)) {
        EXPECT_TRUE(mem->Add(seq, kTypeDeletion, keys[i], ""));
      } else {
        EXPECT_TRUE(mem->Add(seq, kTypeValue, keys[i],
                             "v" + std::to_string(seq)));
      }
    }
  }
  *last = seq;
  return mem;
}

// Compares r's answers with the memtable's for every key at several
// snapshot sequences (and for absent keys).
void ExpectSameAnswers(const MemTableRef& mem, const MemTableReader& r,
                       int keys, SequenceNumber last_seq) {
  Random64 rnd(7);
  for (int i = -1; i <= keys; i++) {
    for (int round = 0; round < 4; round++) {
      const SequenceNumber snap =
          round == 0 ? last_seq : 1 + rnd.Uniform(last_seq);
      LookupKey lkey(Key(i), snap);
      std::string v1, v2;
      Status s1, s2;
      const bool d1 = mem->Get(lkey, &v1, &s1);
      const bool d2 = r.Get(lkey, &v2, &s2);
      ASSERT_EQ(d1, d2) << "key " << i << " at " << snap;
      if (d1) {
        ASSERT_EQ(s1.ToString(), s2.ToString()) << i;
        if (s1.ok()) {
          ASSERT_EQ(v1, v2) << i;
        }
      }
    }
  }
}

// Looks keys [0, keys) up in a damaged copy r of mem: each answer is mem's
// or Corruption (counted in *corrupt), never a wrong value.
void ExpectRightOrCorrupt(const MemTableRef& mem, const MemTableReader& r,
                          int keys, SequenceNumber last, int* corrupt) {
  for (int i = 0; i < keys; i++) {
    std::string v1, v2;
    Status s1, s2;
    LookupKey lkey(Key(i), last);
    const bool d1 = mem->Get(lkey, &v1, &s1);
    const bool d2 = r.Get(lkey, &v2, &s2);
    if (d2 && s2.IsCorruption()) {
      ++*corrupt;
      continue;
    }
    ASSERT_EQ(d1, d2) << i;
    if (d1 && s1.ok()) {
      ASSERT_EQ(v1, v2) << i;  // never a wrong value
    }
  }
}

// Looks keys up in the fenced ranges of an image held locally, as
// DmSegment does through the fabric: a sorted image's range in place, an
// arena copy's entries gathered through its order block.
class LocalRanges final : public MemTableReader {
 public:
  explicit LocalRanges(const SegmentImage* img) : img_(img) {}
  bool Get(const LookupKey& key, std::string* value, Status* s) const override {
    if (!img_->index.KeyMayMatch(key.user_key())) return false;
    const int i = img_->index.FindFence(key.internal_key());
    const auto& fences = img_->index.fences();
    RangeLookup r = Lookup(fences[i], key, value, s);
    if (r == RangeLookup::kPastRange &&
        static_cast<size_t>(i) + 1 < fences.size()) {
      r = Lookup(fences[i + 1], key, value, s);
    }
    return r == RangeLookup::kDecided;
  }
  Iterator* NewIterator() override { return nullptr; }

  // Gathers an arena copy's fence entries one after another, as the batch
  // of reads does, with the fence's verified records.
  std::string Gather(const SegmentIndex::Fence& f,
                     std::vector<OrderRecord>* records) const {
    records->resize(f.length);
    EXPECT_OK(DecodeFenceRecords(
        f, img_->order.data() + f.offset * kOrderRecordSize, img_->size,
        records->data()));
    std::string entries;
    for (const OrderRecord& r : *records) {
      entries.append(img_->bytes + r.offset, r.length);
    }
    return entries;
  }

 private:
  RangeLookup Lookup(const SegmentIndex::Fence& f, const LookupKey& key,
                     std::string* value, Status* s) const {
    if (img_->layout == SegmentLayout::kSortedImage) {
      return GetFromFencedRange(f, img_->bytes + f.offset, key, value, s);
    }
    std::vector<OrderRecord> records;
    const std::string entries = Gather(f, &records);
    return GetFromFencedEntries(f, records.data(), 0, f.length,
                                entries.data(), key, value, s);
  }

  const SegmentImage* img_;
};

// What every image of MakeMemTable(keys) says of itself, its entries
// counted by the caller's walk; its index is small next to the data.
void ExpectImageSummary(const SegmentImage& image, uint64_t entries, int keys,
                        SequenceNumber last) {
  EXPECT_EQ(image.entries, entries);
  EXPECT_EQ(Key(0), image.smallest_user_key);
  EXPECT_EQ(Key(keys - 1), image.largest_user_key);
  EXPECT_EQ(1u, image.smallest_seq);
  EXPECT_EQ(last, image.largest_seq);
  EXPECT_EQ((entries + kFenceInterval - 1) / kFenceInterval,
            image.index.fences().size());
  EXPECT_LT(image.index.MemoryUsage(), image.size / 8);
}

std::unique_ptr<fabric::Fabric> OpenPool(uint64_t size) {
  fabric::FabricOptions o;
  o.uri = "emulated:";
  o.create_if_missing = true;
  o.size = size;
  std::unique_ptr<fabric::Fabric> f;
  EXPECT_OK(fabric::OpenFabric(o, &f));
  return f;
}

std::shared_ptr<DmContext> OpenContext(uint64_t size = 64 << 20) {
  auto f = OpenPool(size);
  std::unique_ptr<fabric::DmAllocator> a;
  EXPECT_OK(fabric::DmAllocator::Open(f.get(), 1, &a));
  return std::make_shared<DmContext>(std::move(f), std::move(a));
}

// The segment's bytes in the pool, as the memory node sees them (and a
// test damages them in place).
char* SegmentBytes(const DmContext& ctx, const DmSegment& seg) {
  const SegmentLocation where = seg.location();
  return static_cast<char*>(ctx.fabric()->LocalView(where.addr, where.length));
}

}  // namespace

TEST(SegmentImage, IsASortedPerfectSkipListWithTheSameEntries) {
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(3000, &last);
  SegmentImage image;
  ASSERT_OK(
      BuildSegmentImage(mem.get(), SegmentLayout::kSortedImage, 10, &image));
  EXPECT_LT(image.size, mem->MemoryUsage() * 11 / 10);
  SkipList list(image.bytes, image.size);
  ASSERT_TRUE(list.HeaderValid());
  SkipList::Iterator it(&list);
  std::unique_ptr<Iterator> orig(mem->NewIterator());
  uint64_t n = 0;
  uint32_t prev_offset = 0;
  for (it.SeekToFirst(), orig->SeekToFirst(); orig->Valid();
       it.Next(), orig->Next(), n++) {
    ASSERT_TRUE(it.Valid());
    ASSERT_EQ(orig->key().ToString(), it.key().ToString());
    ASSERT_EQ(orig->value().ToString(), it.value().ToString());
    // Nodes lie in key order.
    const uint32_t off =
        static_cast<uint32_t>(it.key().data() - image.data.get());
    ASSERT_GT(off, prev_offset);
    prev_offset = off;
  }
  EXPECT_FALSE(it.Valid());
  ExpectImageSummary(image, n, 3000, last);
  // Searchable in place: seeks land where the memtable's do.
  for (int i = 0; i < 3000; i += 37) {
    const std::string target =
        InternalKey(Key(i), last, kValueTypeForSeek).Encode().ToString();
    it.Seek(target);
    orig->Seek(target);
    ASSERT_TRUE(it.Valid());
    ASSERT_EQ(orig->key().ToString(), it.key().ToString());
  }
}

TEST(SegmentImage, FencedRangesAnswerLikeTheMemTable) {
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(1500, &last);
  for (SegmentLayout layout :
       {SegmentLayout::kSortedImage, SegmentLayout::kArenaCopy}) {
    SegmentImage image;
    ASSERT_OK(BuildSegmentImage(mem.get(), layout, 10, &image));
    LocalRanges reader(&image);
    ExpectSameAnswers(mem, reader, 1500, last);
  }
}

TEST(SegmentImage, DamagedRangeIsCorruptionNotAWrongAnswer) {
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(200, &last);
  SegmentImage image;
  ASSERT_OK(
      BuildSegmentImage(mem.get(), SegmentLayout::kSortedImage, 10, &image));
  const auto& f = image.index.fences()[3];
  std::string range(image.data.get() + f.offset, f.length);
  range[range.size() / 2] ^= 0x40;
  LookupKey lkey(Key(50), last);
  std::string v;
  Status s;
  EXPECT_EQ(RangeLookup::kDecided,
            GetFromFencedRange(f, range.data(), lkey, &v, &s));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(SegmentImage, ArenaCopyIsTheArenaItselfWithAnOrderBlock) {
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(3000, &last);
  SegmentImage image;
  ASSERT_OK(
      BuildSegmentImage(mem.get(), SegmentLayout::kArenaCopy, 10, &image));
  // The used bytes of the arena, not a copy, not the capacity.
  EXPECT_EQ(mem->image(), image.bytes);
  EXPECT_EQ(mem->image_size(), image.size);
  EXPECT_EQ(nullptr, image.data);
  EXPECT_EQ(mem->num_entries(), image.entries);
  ASSERT_EQ(image.entries * kOrderRecordSize, image.order.size());
  // The order block walks the entries in key order.
  std::unique_ptr<Iterator> it(mem->NewIterator());
  uint64_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
    OrderRecord r;
    ASSERT_OK(DecodeOrderRecord(image.order.data() + i * kOrderRecordSize,
                                image.size, &r));
    Slice entry(image.bytes + r.offset, r.length);
    Slice ikey, value;
    ASSERT_TRUE(GetLengthPrefixedSlice(&entry, &ikey));
    ASSERT_TRUE(GetLengthPrefixedSlice(&entry, &value));
    ASSERT_TRUE(entry.empty());
    ASSERT_EQ(it->key().ToString(), ikey.ToString());
    ASSERT_EQ(it->value().ToString(), value.ToString());
  }
  ExpectImageSummary(image, i, 3000, last);
  // A record that leaves the image is Corruption.
  std::string bad = image.order.substr(0, kOrderRecordSize);
  EncodeFixed32(bad.data(), static_cast<uint32_t>(image.size) - 4);
  OrderRecord r;
  EXPECT_TRUE(DecodeOrderRecord(bad.data(), image.size, &r).IsCorruption());
}

TEST(SegmentImage, DamagedArenaEntryIsCorruptionNotAWrongAnswer) {
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(1500, &last);
  SegmentImage image;
  ASSERT_OK(
      BuildSegmentImage(mem.get(), SegmentLayout::kArenaCopy, 10, &image));
  LocalRanges reader(&image);
  const auto& f = image.index.fences()[3];
  std::vector<OrderRecord> records;
  std::string entries = reader.Gather(f, &records);
  entries[entries.size() / 2] ^= 0x40;
  LookupKey lkey(Key(50), last);
  std::string v;
  Status s;
  EXPECT_EQ(RangeLookup::kDecided,
            GetFromFencedEntries(f, records.data(), 0, f.length,
                                 entries.data(), lkey, &v, &s));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  // A damaged record is caught by the fence's checksum before it directs
  // any read.
  std::string order = image.order.substr(f.offset * kOrderRecordSize,
                                         f.length * kOrderRecordSize);
  order[kOrderRecordSize + 13] ^= 0x01;  // the second entry's key hint
  EXPECT_TRUE(DecodeFenceRecords(f, order.data(), image.size, records.data())
                  .IsCorruption());
}

TEST(SegmentImage, FindFenceAgreesWithALinearSearch) {
  // Where the prefixes the search compares first do not decide.
  const std::vector<std::string> keys = TrickyKeys();
  auto mem = std::make_shared<MemTable>(1, 8 << 20, 16 << 20);
  SequenceNumber seq = 0;
  for (const std::string& k : keys) {
    ASSERT_TRUE(mem->Add(++seq, kTypeValue, k, "v"));
    ASSERT_TRUE(mem->Add(++seq, kTypeValue, k, "w"));  // versions straddle
  }
  for (SegmentLayout layout :
       {SegmentLayout::kSortedImage, SegmentLayout::kArenaCopy}) {
    SegmentImage image;
    ASSERT_OK(BuildSegmentImage(mem.get(), layout, 10, &image));
    const auto& fences = image.index.fences();
    ASSERT_GT(fences.size(), 10u);
    const InternalKeyComparator cmp;
    std::vector<std::string> probes = keys;
    probes.push_back("");
    probes.push_back("a");
    probes.push_back("samepfx");
    probes.push_back("samepfx-zzz");
    probes.push_back(std::string(12, '\xff'));
    for (const std::string& k : probes) {
      for (SequenceNumber at : {SequenceNumber{1}, seq / 2, seq}) {
        const LookupKey lkey(k, at);
        int expect = 0;  // the last fence whose first key is <= the key
        for (size_t i = 0; i < fences.size(); i++) {
          if (cmp.Compare(fences[i].first_key, lkey.internal_key()) <= 0) {
            expect = static_cast<int>(i);
          }
        }
        EXPECT_EQ(expect, image.index.FindFence(lkey.internal_key()))
            << "key " << k << " at " << at;
      }
    }
  }
}

TEST(SegmentImage, KeyHintsOrderKeysThatShareTheirPrefix) {
  std::vector<std::string> keys = TrickyKeys();
  for (size_t at : {size_t{0}, size_t{1}, size_t{2}, size_t{3}}) {
    for (size_t i = 0; i + 1 < keys.size(); i++) {
      const Slice a(keys[i]);
      const Slice b(keys[i + 1]);
      if (a.size() < at || b.size() < at || memcmp(a.data(), b.data(), at)) {
        continue;  // the hint only speaks for keys that share `at` bytes
      }
      EXPECT_LE(KeyHint(a, at), KeyHint(b, at)) << i;  // a < b
      // The bound a hint gives is never past a key with that hint.
      const std::string bound = KeyHintLowerBound(a, at, KeyHint(a, at));
      EXPECT_LE(Slice(bound).compare(a), 0) << i << " at " << at;
    }
  }
}

// A point lookup that reads only the entries whose hints tie with its
// key's (ArenaPointLookup) answers like the memtable, and reads an entry
// only where the key's versions are.
TEST(SegmentImage, ArenaPointLookupReadsOnlyItsKeysEntries) {
  const std::vector<std::string> keys = TrickyKeys();
  SequenceNumber last;
  MemTableRef mem = MakeMemTableOf(keys, 21, 0, &last);
  SegmentImage image;
  ASSERT_OK(BuildSegmentImage(mem.get(), SegmentLayout::kArenaCopy, 10, &image));
  const auto& fences = image.index.fences();
  std::vector<std::string> probes = keys;
  for (const char* p : {"", "a", "ab\x01", "samepfx", "samepfx-zzz", "zz"}) {
    probes.push_back(p);
  }
  Random64 rnd(4);
  size_t read = 0;
  size_t lookups = 0;
  for (const std::string& k : probes) {
    for (int round = 0; round < 3; round++) {
      const SequenceNumber snap = round == 0 ? last : 1 + rnd.Uniform(last);
      const LookupKey lkey(k, snap);
      std::string v1, v2;
      Status s1, s2;
      const bool d1 = mem->Get(lkey, &v1, &s1);
      const int i = image.index.FindFence(lkey.internal_key());
      const bool with_next =
          static_cast<size_t>(i) + 1 < fences.size() &&
          ExtractUserKey(fences[i + 1].first_key) == Slice(k);
      ArenaPointLookup lookup;
      ASSERT_OK(lookup.Plan(image.index, i, with_next,
                            image.order.data() +
                                size_t{fences[i].offset} * kOrderRecordSize,
                            image.size, k));
      std::string entries;
      for (size_t e = 0; e < lookup.num_entries(); e++) {
        entries.append(image.bytes + lookup.entry(e).offset,
                       lookup.entry(e).length);
      }
      ASSERT_EQ(entries.size(), lookup.bytes());
      const bool d2 = lookup.Decide(entries.data(), lkey, &v2, &s2) ==
                      RangeLookup::kDecided;
      ASSERT_EQ(d1, d2) << "key " << EscapeForDebug(k) << " at " << snap;
      if (d1) {
        ASSERT_EQ(s1.ToString(), s2.ToString()) << EscapeForDebug(k);
        if (s1.ok()) {
          ASSERT_EQ(v1, v2) << EscapeForDebug(k);
        }
      }
      read += lookup.num_entries();
      lookups++;
    }
  }
  // Against the 16 entries of a whole range: the key's own versions (a few
  // keys have 40), and some entries of other keys whose hints tie.
  EXPECT_LT(read, 4 * lookups) << read << " entries for " << lookups;
}

TEST(SegmentImage, EntryOfUnknownTypeIsCorruptionNamingItsRange) {
  // Bytes no writer makes (the builder refuses such an entry) but whose
  // checksums match: an entry whose tag holds no known value type.
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(200, &last);
  const LookupKey lkey(Key(50), last);
  auto retype = [](std::string* bytes) {
    const size_t at = bytes->find(Key(50));
    ASSERT_NE(std::string::npos, at);
    (*bytes)[at + Key(50).size()] = 0x7;  // the tag's low byte: the type
  };
  for (SegmentLayout layout :
       {SegmentLayout::kSortedImage, SegmentLayout::kArenaCopy}) {
    SegmentImage image;
    ASSERT_OK(BuildSegmentImage(mem.get(), layout, 10, &image));
    SegmentIndex::Fence f =
        image.index.fences()[image.index.FindFence(lkey.internal_key())];
    std::string v;
    Status s;
    std::string where;
    if (layout == SegmentLayout::kSortedImage) {
      std::string range(image.data.get() + f.offset, f.length);
      ASSERT_NO_FATAL_FAILURE(retype(&range));
      f.checksum = Checksum32(range.data(), range.size(), f.offset);
      EXPECT_EQ(RangeLookup::kDecided,
                GetFromFencedRange(f, range.data(), lkey, &v, &s));
      where = "at image offset " + std::to_string(f.offset);
    } else {
      std::vector<OrderRecord> records;
      std::string entries = LocalRanges(&image).Gather(f, &records);
      ASSERT_NO_FATAL_FAILURE(retype(&entries));
      for (size_t k = 0, at = 0; k < records.size();
           at += records[k].length, k++) {
        records[k].checksum = EntryChecksum(entries.data() + at,
                                            records[k].length,
                                            records[k].offset);
      }
      EXPECT_EQ(RangeLookup::kDecided,
                GetFromFencedEntries(f, records.data(), 0, f.length,
                                     entries.data(), lkey, &v, &s));
      where = "at entry " + std::to_string(f.offset);
    }
    ASSERT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find("unknown value type"))
        << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find(where)) << s.ToString();
  }
}

TEST(SegmentHeader, RoundTripAndValidation) {
  SegmentHeader h;
  h.segment_id = 7;
  h.owner = 3;
  h.generation = 9;
  h.shard = 2;
  h.router_generation = 4;
  h.smallest_seq = 10;
  h.largest_seq = 20;
  h.entries = 11;
  h.image_length = 1000;
  h.image_checksum = 0xabcdef;
  h.keys_length = 12;
  char buf[SegmentHeader::kEncodedLength];
  h.EncodeTo(buf);
  SegmentHeader d;
  ASSERT_OK(d.DecodeFrom(Slice(buf, sizeof(buf))));
  EXPECT_EQ(7u, d.segment_id);
  EXPECT_EQ(1140u, d.total_length());
  for (size_t i = 0; i < sizeof(buf); i++) {
    char bad[sizeof(buf)];
    memcpy(bad, buf, sizeof(buf));
    bad[i] ^= 1;
    EXPECT_TRUE(d.DecodeFrom(Slice(bad, sizeof(bad))).IsCorruption()) << i;
  }
  EXPECT_TRUE(d.DecodeFrom(Slice(buf, 10)).IsCorruption());

  // An arena copy carries an order block of one record per entry.
  h.layout = SegmentLayout::kArenaCopy;
  h.order_length = 11 * kOrderRecordSize;
  h.order_checksum = 0x1234;
  h.EncodeTo(buf);
  ASSERT_OK(d.DecodeFrom(Slice(buf, sizeof(buf))));
  EXPECT_EQ(SegmentLayout::kArenaCopy, d.layout);
  EXPECT_EQ(0x1234u, d.order_checksum);
  EXPECT_EQ(1140u + 11 * kOrderRecordSize, d.total_length());
  EXPECT_EQ(1140u, d.order_offset());
  h.order_length = 10 * kOrderRecordSize;  // disagrees with entries
  h.EncodeTo(buf);
  EXPECT_TRUE(d.DecodeFrom(Slice(buf, sizeof(buf))).IsCorruption());
  h.layout = SegmentLayout::kSortedImage;  // a sorted image has none
  h.order_length = 11 * kOrderRecordSize;
  h.EncodeTo(buf);
  EXPECT_TRUE(d.DecodeFrom(Slice(buf, sizeof(buf))).IsCorruption());
  h.layout = static_cast<SegmentLayout>(7);
  h.order_length = 0;
  h.order_checksum = 0;
  h.EncodeTo(buf);
  EXPECT_TRUE(d.DecodeFrom(Slice(buf, sizeof(buf))).IsCorruption());
}

class DmSegmentTest : public ::testing::TestWithParam<SegmentLayout> {};

INSTANTIATE_TEST_SUITE_P(
    Layouts, DmSegmentTest,
    ::testing::Values(SegmentLayout::kArenaCopy, SegmentLayout::kSortedImage),
    [](const ::testing::TestParamInfo<SegmentLayout>& info) {
      return std::string(SegmentLayoutName(info.param));
    });

TEST_P(DmSegmentTest, MovedSegmentAnswersLikeTheMemTableWithOneSidedReads) {
  auto ctx = OpenContext();
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(2000, &last);
  DmSegmentRef seg;
  ASSERT_OK(DmSegment::Create(ctx, mem.get(), {1, 2}, {10, GetParam()}, &seg));
  EXPECT_EQ(1u, ctx->counters().segments_moved.load());
  EXPECT_EQ(seg->header().total_length(), ctx->counters().bytes_moved.load());
  ExpectSameAnswers(mem, *seg, 2000, last);
  // Reads of a fenced range or two per lookup that passed the bloom filter.
  const uint64_t gets = ctx->counters().remote_gets.load();
  EXPECT_GT(gets, 0u);
  EXPECT_LT(ctx->counters().remote_get_bytes.load() / gets, 16u * 1024);
  EXPECT_EQ(GetParam(), seg->header().layout);
  if (GetParam() == SegmentLayout::kArenaCopy) {
    // The arena's used bytes moved as they are, plus the order block.
    EXPECT_EQ(mem->image_size(), seg->header().image_length);
    EXPECT_EQ(mem->num_entries() * kOrderRecordSize,
              seg->header().order_length);
  }

  // The memory node searches the segment in place with the same SkipList
  // code, whatever the layout.
  const char* p = SegmentBytes(*ctx, *seg);
  ASSERT_NE(nullptr, p);
  SkipList in_place(p + SegmentHeader::kEncodedLength,
                    seg->header().image_length);
  ASSERT_TRUE(in_place.HeaderValid());
  SkipList::Iterator found(&in_place);
  std::unique_ptr<Iterator> expect(mem->NewIterator());
  for (int i = 0; i < 2000; i += 41) {
    const std::string target =
        InternalKey(Key(i), last, kValueTypeForSeek).Encode().ToString();
    found.Seek(target);
    expect->Seek(target);
    ASSERT_TRUE(found.Valid());
    ASSERT_EQ(expect->key().ToString(), found.key().ToString());
    ASSERT_EQ(expect->value().ToString(), found.value().ToString());
  }

  // Both iterators (ranges at a time, and the whole image read back) see
  // every entry.
  for (bool full : {false, true}) {
    std::unique_ptr<Iterator> a(full ? seg->NewFullScanIterator()
                                     : seg->NewIterator());
    std::unique_ptr<Iterator> b(mem->NewIterator());
    a->SeekToFirst();
    for (b->SeekToFirst(); b->Valid(); b->Next(), a->Next()) {
      ASSERT_TRUE(a->Valid());
      ASSERT_EQ(b->key().ToString(), a->key().ToString());
      ASSERT_EQ(b->value().ToString(), a->value().ToString());
    }
    EXPECT_FALSE(a->Valid());
    EXPECT_OK(a->status());
  }
}

// An iterator over a segment in DM reads the fenced ranges it needs, not
// the segment: seeks, steps both ways across ranges, and ends agree with
// the memtable's iterator.
TEST_P(DmSegmentTest, IteratorReadsRangesNotTheSegment) {
  auto ctx = OpenContext();
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(3000, &last);
  DmSegmentRef seg;
  ASSERT_OK(DmSegment::Create(ctx, mem.get(), {0, 1}, {10, GetParam()}, &seg));
  std::unique_ptr<Iterator> a(seg->NewIterator());
  std::unique_ptr<Iterator> b(mem->NewIterator());
  auto same = [&](const char* what, int i) {
    ASSERT_EQ(b->Valid(), a->Valid()) << what << " " << i;
    if (b->Valid()) {
      ASSERT_EQ(b->key().ToString(), a->key().ToString()) << what << " " << i;
      ASSERT_EQ(b->value().ToString(), a->value().ToString()) << what << i;
    }
  };
  // A seek reads about one range: a few KiB of a segment of hundreds.
  const std::string mid =
      InternalKey(Key(1500), last, kValueTypeForSeek).Encode().ToString();
  a->Seek(mid);
  b->Seek(mid);
  ASSERT_NO_FATAL_FAILURE(same("seek", 1500));
  EXPECT_LT(ctx->counters().bytes_read_back.load(), 32u * 1024);
  EXPECT_GT(seg->header().total_length(), 256u * 1024);
  Random64 rnd(3);
  for (int i = -1; i <= 3000; i += 1 + static_cast<int>(rnd.Uniform(90))) {
    const std::string target =
        InternalKey(Key(i), i % 3 == 0 ? last : 1 + rnd.Uniform(last),
                    kValueTypeForSeek)
            .Encode()
            .ToString();
    a->Seek(target);
    b->Seek(target);
    ASSERT_NO_FATAL_FAILURE(same("seek", i));
    // Steps forward then back over range boundaries.
    const int steps = static_cast<int>(rnd.Uniform(40));
    for (int k = 0; k < steps && b->Valid(); k++) {
      a->Next();
      b->Next();
      ASSERT_NO_FATAL_FAILURE(same("next", i));
    }
    for (int k = 0; k < steps && b->Valid(); k++) {
      a->Prev();
      b->Prev();
      ASSERT_NO_FATAL_FAILURE(same("prev", i));
    }
  }
  a->SeekToLast();
  b->SeekToLast();
  for (int k = 0; k < 100 && b->Valid(); k++) {
    ASSERT_NO_FATAL_FAILURE(same("backward", k));
    a->Prev();
    b->Prev();
  }
  a->SeekToFirst();
  b->SeekToFirst();
  ASSERT_NO_FATAL_FAILURE(same("first", 0));
  a->Prev();  // before the first entry
  EXPECT_FALSE(a->Valid());
  EXPECT_OK(a->status());
}

TEST_P(DmSegmentTest, SegmentIsFreedWhenTheLastHolderLetsGo) {
  auto ctx = OpenContext();
  fabric::AllocatorStats before, during, after;
  ASSERT_OK(ctx->allocator()->GetStats(&before));
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(500, &last);
  DmSegmentRef seg;
  ASSERT_OK(DmSegment::Create(ctx, mem.get(), {0, 1}, {10, GetParam()}, &seg));
  ASSERT_OK(ctx->allocator()->GetStats(&during));
  EXPECT_LT(during.free_chunks, before.free_chunks);
  // An iterator reading ranges from DM holds the segment: nobody reads
  // freed DM.
  std::unique_ptr<Iterator> ranges(seg->NewIterator());
  // One that read the image back holds only its local copy.
  std::unique_ptr<Iterator> copy(seg->NewFullScanIterator());
  seg.reset();
  ASSERT_OK(ctx->allocator()->GetStats(&after));
  EXPECT_EQ(during.free_chunks, after.free_chunks);
  ranges->SeekToFirst();
  EXPECT_TRUE(ranges->Valid());
  ranges.reset();
  ASSERT_OK(ctx->allocator()->GetStats(&after));
  EXPECT_EQ(before.free_chunks, after.free_chunks);
  EXPECT_EQ(0u, ctx->counters().live_bytes.load());
  copy->SeekToFirst();
  EXPECT_TRUE(copy->Valid());
}

// Every way through a damaged segment ends in Corruption, never in a
// wrong entry.
static void ExpectScanStopsAtCorruption(const MemTableRef& mem, DmSegment* seg) {
  std::unique_ptr<Iterator> full(seg->NewFullScanIterator());
  EXPECT_TRUE(full->status().IsCorruption()) << full->status().ToString();
  std::unique_ptr<Iterator> it(seg->NewIterator());
  std::unique_ptr<Iterator> expect(mem->NewIterator());
  expect->SeekToFirst();
  for (it->SeekToFirst(); it->Valid(); it->Next(), expect->Next()) {
    ASSERT_TRUE(expect->Valid());
    ASSERT_EQ(expect->key().ToString(), it->key().ToString());
    ASSERT_EQ(expect->value().ToString(), it->value().ToString());
  }
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
}

TEST_P(DmSegmentTest, DamageInDmIsReportedByReadsAndIterators) {
  auto ctx = OpenContext();
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(800, &last);
  DmSegmentRef seg;
  ASSERT_OK(DmSegment::Create(ctx, mem.get(), {0, 1}, {10, GetParam()}, &seg));
  // Flip a byte in the middle of the image, in place, and one in every
  // version of Key(400): a lookup of it must meet the damage (an arena
  // copy's lookup reads only the entries that can hold its key, so the
  // middle byte alone may lie where no lookup at `last` looks).
  char* p = SegmentBytes(*ctx, *seg);
  ASSERT_NE(nullptr, p);
  char* image = p + SegmentHeader::kEncodedLength;
  const size_t n = seg->header().image_length;
  image[n / 2] ^= 0x20;
  const std::string k400 = Key(400);
  int flipped = 0;
  for (char* at = std::search(image, image + n, k400.begin(), k400.end());
       at != image + n;
       at = std::search(at + 1, image + n, k400.begin(), k400.end())) {
    at[k400.size() - 1] ^= 0x01;
    flipped++;
  }
  ASSERT_GT(flipped, 0);
  int corrupt = 0;
  ASSERT_NO_FATAL_FAILURE(ExpectRightOrCorrupt(mem, *seg, 800, last, &corrupt));
  EXPECT_GT(corrupt, 0);
  ExpectScanStopsAtCorruption(mem, seg.get());
}

// Segments of the tricky keys, overlapping, merged by one iterator: every
// way of moving answers like the memtables merged, and a seek of an arena
// copy reads a record block and a few entries per segment, not its range.
TEST_P(DmSegmentTest, MergedIteratorOverTrickyKeysAnswersLikeTheMemTables) {
  auto ctx = OpenContext();
  const std::vector<std::string> keys = TrickyKeys();
  std::vector<MemTableRef> mems;
  std::vector<DmSegmentRef> segs;
  SequenceNumber last = 0;
  for (uint64_t seed = 1; seed <= 4; seed++) {
    mems.push_back(MakeMemTableOf(keys, seed, last, &last));
    DmSegmentRef seg;
    ASSERT_OK(DmSegment::Create(ctx, mems.back().get(), {0, 1},
                                {10, GetParam()}, &seg));
    segs.push_back(seg);
  }
  std::vector<Iterator*> children;
  for (const MemTableRef& m : mems) children.push_back(m->NewIterator());
  std::unique_ptr<Iterator> expect(NewMergingIterator(std::move(children)));
  std::unique_ptr<Iterator> it(NewDmSegmentsIterator(segs));
  auto same = [&](const std::string& what) {
    ASSERT_EQ(expect->Valid(), it->Valid()) << what;
    ASSERT_OK(it->status());
    if (expect->Valid()) {
      ASSERT_EQ(expect->key().ToString(), it->key().ToString()) << what;
      ASSERT_EQ(expect->value().ToString(), it->value().ToString()) << what;
    }
  };
  std::vector<std::string> probes = keys;
  for (const char* p : {"", "a", "ab\x01", "samepfx", "samepfx-zzz", "zz"}) {
    probes.push_back(p);
  }
  Random64 rnd(17);
  const uint64_t before = ctx->counters().bytes_read_back.load();
  for (const std::string& k : probes) {
    const SequenceNumber snap = rnd.OneIn(2) ? last : 1 + rnd.Uniform(last);
    const std::string target =
        InternalKey(k, snap, kValueTypeForSeek).Encode().ToString();
    expect->Seek(target);
    it->Seek(target);
    ASSERT_NO_FATAL_FAILURE(same("seek " + EscapeForDebug(k)));
  }
  const uint64_t per_seek =
      (ctx->counters().bytes_read_back.load() - before) / probes.size();
  if (GetParam() == SegmentLayout::kArenaCopy) {
    // Four segments: their target ranges' records (256 bytes each) and an
    // entry or two of ~30 bytes, where whole ranges would be ~2 KB.
    EXPECT_LT(per_seek, 1600u);
  }
  for (int round = 0; round < 200; round++) {
    const std::string& k = probes[rnd.Uniform(probes.size())];
    const SequenceNumber snap = 1 + rnd.Uniform(last);
    const std::string target =
        InternalKey(k, snap, kValueTypeForSeek).Encode().ToString();
    expect->Seek(target);
    it->Seek(target);
    ASSERT_NO_FATAL_FAILURE(same("seek"));
    const int steps = static_cast<int>(rnd.Uniform(60));
    for (int i = 0; i < steps && expect->Valid(); i++) {
      expect->Next();
      it->Next();
      ASSERT_NO_FATAL_FAILURE(same("next"));
    }
    for (int i = 0; i < 3 && expect->Valid(); i++) {
      expect->Prev();
      it->Prev();
      ASSERT_NO_FATAL_FAILURE(same("prev"));
    }
  }
  expect->SeekToFirst();
  it->SeekToFirst();
  while (expect->Valid()) {
    ASSERT_NO_FATAL_FAILURE(same("scan"));
    expect->Next();
    it->Next();
  }
  ASSERT_NO_FATAL_FAILURE(same("end"));
}

TEST(DmSegmentArenaCopy, DamagedOrderBlockIsCorruptionNotAWrongAnswer) {
  auto ctx = OpenContext();
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(800, &last);
  DmSegmentRef seg;
  ASSERT_OK(DmSegment::Create(ctx, mem.get(), {0, 1},
                              {10, SegmentLayout::kArenaCopy}, &seg));
  char* p = SegmentBytes(*ctx, *seg);
  ASSERT_NE(nullptr, p);
  // Swap two records (the entries' bytes stay intact) and send a third out
  // of the image.
  char* order = p + seg->header().order_offset();
  std::swap_ranges(order + 20 * kOrderRecordSize, order + 21 * kOrderRecordSize,
                   order + 21 * kOrderRecordSize);
  EncodeFixed32(order + 200 * kOrderRecordSize, seg->header().image_length);
  int corrupt = 0;
  ASSERT_NO_FATAL_FAILURE(ExpectRightOrCorrupt(mem, *seg, 800, last, &corrupt));
  EXPECT_GE(corrupt, 2);
  ExpectScanStopsAtCorruption(mem, seg.get());
}

TEST_P(DmSegmentTest, FullPoolIsNoSpace) {
  auto ctx = OpenContext(8 << 20);
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(20000, &last);  // larger than the heap
  DmSegmentRef seg;
  Status s = DmSegment::Create(ctx, mem.get(), {0, 1}, {10, GetParam()}, &seg);
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  EXPECT_EQ(nullptr, seg);
}

TEST_P(DmSegmentTest, ReadSegmentRejectsWrongLengthAndForeignBytes) {
  auto ctx = OpenContext();
  SequenceNumber last;
  MemTableRef mem = MakeMemTable(100, &last);
  DmSegmentRef seg;
  ASSERT_OK(DmSegment::Create(ctx, mem.get(), {0, 1}, {10, GetParam()}, &seg));
  SegmentHeader h;
  std::shared_ptr<char[]> bytes;
  SegmentLocation where = seg->location();
  ASSERT_OK(ReadSegment(ctx->fabric(), where, &h, &bytes));
  where.length -= 1;
  EXPECT_TRUE(ReadSegment(ctx->fabric(), where, &h, &bytes).IsCorruption());
  where.length = 5;
  EXPECT_TRUE(ReadSegment(ctx->fabric(), where, &h, &bytes).IsCorruption());
}

}  // namespace o3lsm
