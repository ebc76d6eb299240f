// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Damaged SST files: flipped bytes in every region, truncations, foreign
// files and hand-made files with bad handles. The promise under test: a
// Corruption status naming the file (and offset), never a crash, never a
// wrong entry.

#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "lsm/cache/cache.h"
#include "lsm/table/block_builder.h"
#include "lsm/table/format.h"
#include "lsm/table/table.h"
#include "lsm/table/table_properties.h"
#include "tests/table/table_test_util.h"
#include "tests/testutil.h"
#include "util/coding.h"
#include "util/random.h"

namespace o3lsm {

namespace {

using test::IKey;
using test::Model;

constexpr char kFname[] = "/db/000007.sst";

using test::StatusContains;

class TableCorruption : public ::testing::Test {
 protected:
  TableCorruption() {
    Random64 rnd(2024);
    for (int i = 0; i < 1500; i++) {
      model_[IKey("key" + std::to_string(100000 + i), 1 + rnd.Uniform(50))] =
          test::RandomBytes(&rnd, rnd.Uniform(60), true);
    }
    TableProperties props;
    EXPECT_OK(test::BuildTable(Env::Default(), dir_.Child("t.sst"), options_,
                               model_, &props));
    data_size_ = props.data_size;
    EXPECT_OK(ReadFileToString(Env::Default(), dir_.Child("t.sst"), &good_));
    Footer f;
    EXPECT_OK(
        f.DecodeFrom(Slice(good_.data() + good_.size() - Footer::kEncodedLength,
                           Footer::kEncodedLength),
                     good_.size() - Footer::kEncodedLength, kFname));
    footer_ = f;
  }

  Status Open(const std::string& contents, std::unique_ptr<Table>* table,
              const TableOptions& options) {
    return test::OpenTableFromString(options, kFname, contents,
                                     /*mapped=*/false, table);
  }

  // Opens contents and reads everything: a full scan and a lookup of every
  // key. Every entry seen must be the model's; errors must be Corruption
  // naming the file. Returns whether any error was seen.
  bool ReadAll(const std::string& contents, const TableOptions& options) {
    std::unique_ptr<Table> table;
    Status s = Open(contents, &table, options);
    if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_TRUE(StatusContains(s, kFname)) << s.ToString();
      return true;
    }
    bool error = false;
    std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
    auto m = model_.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      EXPECT_TRUE(m != model_.end());
      if (m == model_.end()) break;
      EXPECT_EQ(m->first, it->key().ToString());
      EXPECT_EQ(m->second, it->value().ToString());
    }
    if (!it->status().ok()) {
      error = true;
      EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
      EXPECT_TRUE(StatusContains(it->status(), kFname))
          << it->status().ToString();
    } else {
      EXPECT_TRUE(m == model_.end());
    }
    for (const auto& [k, v] : model_) {
      bool called = false;
      std::string found_key, found_value;
      s = table->InternalGet(ReadOptions(), k,
                             [&](const Slice& fk, const Slice& fv) {
                               called = true;
                               found_key = fk.ToString();
                               found_value = fv.ToString();
                               return true;
                             });
      if (!s.ok()) {
        error = true;
        EXPECT_TRUE(s.IsCorruption()) << s.ToString();
        EXPECT_TRUE(StatusContains(s, kFname)) << s.ToString();
        continue;
      }
      // A damaged filter may only hide a key if it was caught at Open; a
      // lookup that succeeds must see the right entry.
      EXPECT_TRUE(called);
      EXPECT_EQ(k, found_key);
      EXPECT_EQ(v, found_value);
    }
    return error;
  }

  test::ScratchDir dir_;
  TableOptions options_;
  Model model_;
  std::string good_;
  uint64_t data_size_ = 0;  // data blocks end here; padding follows
  Footer footer_;
};

}  // namespace

TEST_F(TableCorruption, IntactFileReadsCleanly) {
  EXPECT_FALSE(ReadAll(good_, options_));
  EXPECT_GT(footer_.metadata_start, 10000u);  // several data blocks
}

TEST_F(TableCorruption, FlippedDataBytesAreCaught) {
  auto cache = NewLRUCache(1 << 20);
  for (bool cached : {false, true}) {
    TableOptions options = options_;
    options.block_cache = cached ? cache.get() : nullptr;
    // A spread of positions over the whole data region, trailers included.
    for (uint64_t pos = 0; pos < footer_.metadata_start; pos += 997) {
      std::string bad = good_;
      bad[pos] ^= 0x20;
      // Padding before the metadata carries no data and no checksum.
      const bool padding = pos >= data_size_;
      EXPECT_TRUE(ReadAll(bad, options) || padding) << "byte " << pos;
    }
  }
}

TEST_F(TableCorruption, DataBlockErrorNamesFileAndOffset) {
  std::string bad = good_;
  bad[10] ^= 0x01;  // inside the first data block (offset 0)
  std::unique_ptr<Table> table;
  ASSERT_OK(Open(bad, &table, options_));
  Status s = table->InternalGet(ReadOptions(), model_.begin()->first,
                                [](const Slice&, const Slice&) {
                                  ADD_FAILURE() << "damaged block was read";
                                  return true;
                                });
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_TRUE(StatusContains(
      s, std::string(kFname) + ": block checksum mismatch at offset 0"))
      << s.ToString();
  std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(
      StatusContains(it->status(), "block checksum mismatch at offset 0"));
}

TEST_F(TableCorruption, EveryFlippedMetadataByteFailsOpen) {
  const uint64_t end = good_.size();
  for (uint64_t pos = footer_.metadata_start; pos < end; pos++) {
    std::string bad = good_;
    bad[pos] ^= 0x04;
    std::unique_ptr<Table> table;
    Status s = Open(bad, &table, options_);
    ASSERT_TRUE(s.IsCorruption()) << "byte " << pos << ": " << s.ToString();
    ASSERT_TRUE(StatusContains(s, kFname)) << s.ToString();
    ASSERT_TRUE(StatusContains(s, "offset")) << s.ToString();
  }
}

TEST_F(TableCorruption, MetadataErrorsSayWhichBlock) {
  struct Case {
    uint64_t pos;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {footer_.filter.offset + 3, "filter block checksum mismatch at offset " +
                                      std::to_string(footer_.filter.offset)},
      {footer_.properties.offset + 3,
       "properties block checksum mismatch at offset " +
           std::to_string(footer_.properties.offset)},
      {footer_.index.offset + 3, "index block checksum mismatch at offset " +
                                     std::to_string(footer_.index.offset)},
      {good_.size() - 40, "footer checksum mismatch at offset " +
                              std::to_string(good_.size() - 72)},
      {good_.size() - 3, "not an o3lsm SST file"},
  };
  for (const Case& c : cases) {
    std::string bad = good_;
    bad[c.pos] ^= 0x01;
    std::unique_ptr<Table> table;
    Status s = Open(bad, &table, options_);
    EXPECT_TRUE(StatusContains(s, c.expect)) << s.ToString();
  }
}

TEST_F(TableCorruption, TruncatedFilesFailOpen) {
  for (size_t len = 0; len < good_.size(); len += (len < 200 ? 1 : 331)) {
    std::unique_ptr<Table> table;
    Status s = Open(good_.substr(0, len), &table, options_);
    ASSERT_TRUE(s.IsCorruption()) << len << ": " << s.ToString();
    if (len < Footer::kEncodedLength) {
      EXPECT_TRUE(StatusContains(s, "file too short")) << s.ToString();
    } else {
      EXPECT_TRUE(StatusContains(s, "not an o3lsm SST file")) << s.ToString();
    }
  }
  // Cutting only the footer's last byte.
  std::unique_ptr<Table> table;
  EXPECT_TRUE(
      Open(good_.substr(0, good_.size() - 1), &table, options_).IsCorruption());
}

TEST_F(TableCorruption, FileShorterThanRecordedSize) {
  // The file size recorded elsewhere (a MANIFEST) exceeds the file's.
  std::unique_ptr<Table> table;
  Status s =
      Table::Open(options_, kFname,
                  std::make_unique<test::StringFile>(good_, /*mapped=*/false),
                  good_.size() + 100, &table);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_TRUE(StatusContains(s, "file too short")) << s.ToString();
}

TEST_F(TableCorruption, ForeignFilesAreNotSstFiles) {
  test::ScratchDir dir;
  const std::vector<std::string> foreign = {
      "",
      "hello",
      std::string(1000, 'x'),
      std::string(100000, '\0'),
      "# a text file\nthat is long enough to hold a footer, but is not one.\n"
      "more lines, more lines, more lines.\n",
  };
  for (const std::string& contents : foreign) {
    const std::string fname = dir.Child("foreign");
    ASSERT_OK(WriteStringToFile(Env::Default(), contents, fname, false));
    std::unique_ptr<Table> table;
    Status s = test::OpenTableFile(Env::Default(), options_, fname, &table);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_TRUE(StatusContains(s, fname)) << s.ToString();
    EXPECT_TRUE(StatusContains(s, "not an o3lsm SST file") ||
                StatusContains(s, "file too short"))
        << s.ToString();
  }
}

namespace {

// A hand-made SST: one data block with two entries, then the properties,
// an index whose single entry has value *index_value (the data block's true
// handle if index_value is null), and the footer.
std::string HandMadeTable(const std::string* index_value) {
  std::string file;
  auto append_block = [&file](const Slice& contents) {
    return test::AppendBlockWithTrailer(&file, contents,
                                        CompressionType::kNone);
  };
  BlockBuilder data(16);
  data.Add(IKey("a", 1), "va");
  data.Add(IKey("b", 1), "vb");
  std::string data_handle;
  append_block(data.Finish()).EncodeTo(&data_handle);
  Footer footer;
  footer.metadata_start = file.size();
  std::string props;
  EncodeTableProperties(TableProperties(), &props);
  footer.properties = append_block(props);
  BlockBuilder index(1);
  index.Add(IKey("b", 1), index_value != nullptr ? *index_value : data_handle);
  footer.index = append_block(index.Finish());
  footer.EncodeTo(file.size(), &file);
  return file;
}

}  // namespace

TEST(TableHandMade, GoodHandMadeTableReads) {
  const std::string file = HandMadeTable(nullptr);
  std::unique_ptr<Table> table;
  ASSERT_OK(
      test::OpenTableFromString(TableOptions(), kFname, file, true, &table));
  std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
  EXPECT_EQ(2u, test::ScanAll(it.get()).size());
  EXPECT_OK(it->status());
}

TEST(TableHandMade, DataHandlesOutsideTheDataRegionAreCorruption) {
  std::vector<std::pair<std::string, std::string>> cases;
  std::string h;
  BlockHandle(0, 5000).EncodeTo(&h);
  cases.emplace_back(h, "runs past the data region");
  h.clear();
  BlockHandle(1u << 30, 10).EncodeTo(&h);
  cases.emplace_back(h, "runs past the data region");
  cases.emplace_back("\xff\xff", "bad data block handle");
  cases.emplace_back("", "bad data block handle");
  for (const auto& [value, expect] : cases) {
    std::unique_ptr<Table> table;
    ASSERT_OK(test::OpenTableFromString(TableOptions(), kFname,
                                        HandMadeTable(&value), false, &table));
    Status s = table->InternalGet(ReadOptions(), IKey("a", 5),
                                  [](const Slice&, const Slice&) {
                                    ADD_FAILURE();
                                    return true;
                                  });
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_TRUE(StatusContains(s, expect)) << s.ToString();
    EXPECT_TRUE(StatusContains(s, kFname)) << s.ToString();
    std::unique_ptr<Iterator> it(table->NewIterator(ReadOptions()));
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid());
    EXPECT_TRUE(StatusContains(it->status(), expect))
        << it->status().ToString();
  }
}

TEST(TableHandMade, CompressedMetadataIsRejected) {
  std::string file = HandMadeTable(nullptr);
  Footer f;
  ASSERT_OK(f.DecodeFrom(Slice(file.data() + file.size() - 72, 72),
                         file.size() - 72, "x"));
  // Mark the index block zstd-compressed, with a matching checksum.
  char* trailer = file.data() + f.index.offset + f.index.size;
  trailer[0] = static_cast<char>(CompressionType::kZstd);
  EncodeFixed32(trailer + 1, BlockChecksum(file.data() + f.index.offset,
                                           f.index.size, f.index.offset));
  std::unique_ptr<Table> table;
  Status s =
      test::OpenTableFromString(TableOptions(), kFname, file, false, &table);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_TRUE(StatusContains(s, "metadata is never compressed"))
      << s.ToString();
}

TEST(TableHandMade, LargeMetadataRegionIsCheckedToo) {
  // Over 64 KiB of metadata (two reads at Open): damage in the part beyond
  // the first read is caught as well.
  Model model;
  for (int i = 0; i < 60000; i++) {
    model[IKey("k" + std::to_string(1000000 + i), 1)] = "v";
  }
  test::ScratchDir dir;
  const std::string fname = dir.Child("big.sst");
  ASSERT_OK(test::BuildTable(Env::Default(), fname, TableOptions(), model));
  std::string good;
  ASSERT_OK(ReadFileToString(Env::Default(), fname, &good));
  Footer f;
  ASSERT_OK(f.DecodeFrom(Slice(good.data() + good.size() - 72, 72),
                         good.size() - 72, "x"));
  ASSERT_LT(f.metadata_start + 64 * 1024, good.size());
  for (bool mapped : {false, true}) {
    std::unique_ptr<Table> table;
    ASSERT_OK(test::OpenTableFromString(TableOptions(), kFname, good, mapped,
                                        &table));
    std::string bad = good;
    bad[f.metadata_start + 100] ^= 0x01;  // early in the filter
    Status s =
        test::OpenTableFromString(TableOptions(), kFname, bad, mapped, &table);
    EXPECT_TRUE(StatusContains(s, "filter block checksum mismatch"))
        << s.ToString();
  }
}

}  // namespace o3lsm
