// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// BlockHandle, Footer, block compression and ReadBlock: encodings, and
// rejection of damaged, misplaced and truncated bytes with errors that name
// the file and the offset.

#include "lsm/table/format.h"

#include <gtest/gtest.h>
#include <string>

#include "lsm/table/compression.h"
#include "tests/table/table_test_util.h"
#include "tests/testutil.h"
#include "util/coding.h"
#include "util/random.h"

namespace o3lsm {

namespace {

using test::AppendBlockWithTrailer;
using test::StatusContains;

}  // namespace

TEST(BlockHandle, RoundTrip) {
  for (uint64_t offset : {0ull, 1ull, 127ull, 128ull, 1ull << 40}) {
    for (uint64_t size : {0ull, 5ull, 4096ull, 1ull << 33}) {
      std::string enc;
      BlockHandle(offset, size).EncodeTo(&enc);
      EXPECT_LE(enc.size(), BlockHandle::kMaxEncodedLength);
      enc += "rest";
      Slice in(enc);
      BlockHandle h;
      ASSERT_OK(h.DecodeFrom(&in));
      EXPECT_EQ(offset, h.offset);
      EXPECT_EQ(size, h.size);
      EXPECT_EQ("rest", in.ToString());
    }
  }
}

TEST(BlockHandle, RejectsMalformedEncodings) {
  std::string enc;
  BlockHandle(300, 4000).EncodeTo(&enc);
  for (size_t len = 0; len < enc.size(); len++) {
    Slice in(enc.data(), len);
    BlockHandle h;
    EXPECT_TRUE(h.DecodeFrom(&in).IsCorruption()) << "length " << len;
  }
  // An overlong varint (11 continuation bytes).
  std::string overlong(11, '\x80');
  Slice in(overlong);
  BlockHandle h;
  EXPECT_TRUE(h.DecodeFrom(&in).IsCorruption());
  // offset + size overflows.
  std::string overflow;
  BlockHandle(UINT64_MAX - 1, 10).EncodeTo(&overflow);
  in = Slice(overflow);
  EXPECT_TRUE(h.DecodeFrom(&in).IsCorruption());
}

TEST(BlockHandle, FitsIn) {
  EXPECT_TRUE(BlockHandle(0, 10).FitsIn(0, 15));
  EXPECT_FALSE(BlockHandle(0, 10).FitsIn(0, 14));  // no room for the trailer
  EXPECT_FALSE(BlockHandle(5, 0).FitsIn(6, 100));  // starts too early
  EXPECT_FALSE(BlockHandle(UINT64_MAX - 2, 2).FitsIn(0, UINT64_MAX));
  EXPECT_FALSE(BlockHandle(10, UINT64_MAX).FitsIn(0, 100));
}

TEST(Footer, RoundTrip) {
  Footer f;
  f.metadata_start = 4096;
  f.filter = BlockHandle(4096, 100);
  f.properties = BlockHandle(4201, 300);
  f.index = BlockHandle(4506, 50);
  std::string enc;
  const uint64_t footer_offset = 4561;
  f.EncodeTo(footer_offset, &enc);
  ASSERT_EQ(Footer::kEncodedLength, enc.size());
  // The magic number is the file's last 8 bytes and reads "o3lsmSST".
  EXPECT_EQ("o3lsmSST", enc.substr(enc.size() - 8));

  Footer g;
  ASSERT_OK(g.DecodeFrom(enc, footer_offset, "f.sst"));
  EXPECT_EQ(4096u, g.metadata_start);
  EXPECT_EQ(100u, g.filter.size);
  EXPECT_EQ(4201u, g.properties.offset);
  EXPECT_EQ(4506u, g.index.offset);
  EXPECT_EQ(kTableFormatVersion, g.format_version);
}

TEST(Footer, RejectsDamage) {
  Footer f;
  f.metadata_start = 0;
  f.properties = BlockHandle(0, 10);
  f.index = BlockHandle(15, 10);
  const uint64_t footer_offset = 30;
  std::string good;
  f.EncodeTo(footer_offset, &good);
  Footer g;

  // Every flipped bit is caught: by the magic check or by the checksum.
  for (size_t i = 0; i < good.size(); i++) {
    std::string bad = good;
    bad[i] ^= 0x10;
    Status s = g.DecodeFrom(bad, footer_offset, "f.sst");
    ASSERT_TRUE(s.IsCorruption()) << i << ": " << s.ToString();
    EXPECT_TRUE(StatusContains(s, "f.sst"));
  }
  std::string foreign(Footer::kEncodedLength, 'x');
  Status s = g.DecodeFrom(foreign, 100, "x.txt");
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_TRUE(StatusContains(s, "not an o3lsm SST file")) << s.ToString();
  EXPECT_TRUE(StatusContains(s, "offset 164")) << s.ToString();

  // The checksum is bound to the footer's position in the file.
  s = g.DecodeFrom(good, footer_offset + 1, "f.sst");
  EXPECT_TRUE(StatusContains(s, "footer checksum mismatch at offset 31"))
      << s.ToString();

  s = g.DecodeFrom(Slice(good.data(), good.size() - 1), footer_offset, "f");
  EXPECT_TRUE(s.IsCorruption());
}

TEST(Footer, RejectsHandlesOutsideMetadataRegion) {
  auto check = [](Footer f, uint64_t footer_offset, const char* what) {
    std::string enc;
    f.EncodeTo(footer_offset, &enc);
    Footer g;
    Status s = g.DecodeFrom(enc, footer_offset, "f.sst");
    EXPECT_TRUE(s.IsCorruption()) << what;
    EXPECT_TRUE(StatusContains(s, what)) << s.ToString();
  };
  Footer f;
  f.metadata_start = 100;
  f.properties = BlockHandle(100, 10);
  f.index = BlockHandle(115, 10);
  Footer bad = f;
  bad.index = BlockHandle(115, 11);  // trailer runs into the footer
  check(bad, 130, "index");
  bad = f;
  bad.properties = BlockHandle(90, 10);  // before the metadata start
  check(bad, 130, "properties");
  bad = f;
  bad.filter = BlockHandle(200, 10);
  check(bad, 130, "filter");
  bad = f;
  bad.metadata_start = 131;
  check(bad, 130, "metadata start");
}

TEST(Footer, UnknownVersionIsNotSupported) {
  Footer f;
  f.properties = BlockHandle(0, 10);
  f.index = BlockHandle(15, 10);
  for (uint32_t version : {0u, kTableFormatVersion + 1}) {
    f.format_version = version;
    std::string enc;
    f.EncodeTo(30, &enc);
    Footer g;
    Status s = g.DecodeFrom(enc, 30, "f.sst");
    EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
    EXPECT_TRUE(StatusContains(s, "format_version " + std::to_string(version)));
  }
  // Every version this build reads decodes.
  for (uint32_t version = kOldestTableFormatVersion;
       version <= kTableFormatVersion; version++) {
    f.format_version = version;
    std::string enc;
    f.EncodeTo(30, &enc);
    Footer g;
    ASSERT_OK(g.DecodeFrom(enc, 30, "f.sst"));
    EXPECT_EQ(version, g.format_version);
  }
}

TEST(Compression, RoundTripsAndNames) {
  Random64 rnd(5);
  const std::string compressible = std::string(3000, 'a') +
                                   test::RandomBytes(&rnd, 1000, true) +
                                   std::string(3000, 'b');
  for (CompressionType type : {CompressionType::kZstd, CompressionType::kLz4,
                              CompressionType::kSnappy}) {
    BlockCompressor compressor(type, 3);
    std::string out;
    ASSERT_TRUE(compressor.Compress(compressible, &out));
    EXPECT_LT(out.size(), compressible.size() / 2);
    std::unique_ptr<char[]> back;
    size_t n = 0;
    std::string error;
    ASSERT_TRUE(UncompressBlock(type, out, &back, &n, &error)) << error;
    EXPECT_EQ(compressible, std::string(back.get(), n));

    // Damaged compressed bytes are refused, never over-read.
    int refused = 0;
    for (size_t i = 0; i < out.size(); i += 7) {
      std::string bad = out;
      bad[i] ^= 0x5a;
      if (!UncompressBlock(type, bad, &back, &n, &error)) {
        refused++;
      } else {
        EXPECT_LE(n, kMaxUncompressedBlockSize);
      }
    }
    EXPECT_GT(refused, 0);
    for (size_t len = 0; len < out.size(); len += 5) {
      EXPECT_FALSE(
          UncompressBlock(type, Slice(out.data(), len), &back, &n, &error));
    }
  }
  std::unique_ptr<char[]> back;
  size_t n;
  std::string error;
  EXPECT_FALSE(UncompressBlock(static_cast<CompressionType>(9), "abc", &back,
                               &n, &error));
  EXPECT_EQ("unknown compression type 9", error);
  EXPECT_EQ("zstd", CompressionTypeName(CompressionType::kZstd));
  EXPECT_EQ("lz4", CompressionTypeName(CompressionType::kLz4));
  EXPECT_EQ("snappy", CompressionTypeName(CompressionType::kSnappy));
  EXPECT_EQ("none", CompressionTypeName(CompressionType::kNone));
  EXPECT_EQ("unknown(7)", CompressionTypeName(static_cast<CompressionType>(7)));
}

TEST(ReadBlock, ReadsAndVerifiesUncompressedBlocks) {
  for (bool mapped : {false, true}) {
    std::string file = "pad";
    const BlockHandle a =
        AppendBlockWithTrailer(&file, "first block", CompressionType::kNone);
    const BlockHandle b =
        AppendBlockWithTrailer(&file, std::string(40000, 'z'),
                               CompressionType::kNone);  // > stack buffer
    test::StringFile f(file, mapped);
    for (const BlockHandle& h : {a, b}) {
      BlockContents contents;
      ASSERT_OK(ReadBlock(&f, "t.sst", h, true, &contents));
      EXPECT_EQ(file.substr(h.offset, h.size), contents.data.ToString());
      // A mapped file is read in place; a pread copy is owned.
      EXPECT_EQ(!mapped, contents.owns_memory());
    }
  }
}

TEST(ReadBlock, ReadsCompressedBlocks) {
  const std::string raw = std::string(5000, 'q') + "tail";
  for (CompressionType type : {CompressionType::kZstd, CompressionType::kLz4,
                              CompressionType::kSnappy}) {
    BlockCompressor compressor(type, 3);
    std::string stored;
    ASSERT_TRUE(compressor.Compress(raw, &stored));
    std::string file;
    const BlockHandle h = AppendBlockWithTrailer(&file, stored, type);
    for (bool mapped : {false, true}) {
      test::StringFile f(file, mapped);
      BlockContents contents;
      ASSERT_OK(ReadBlock(&f, "t.sst", h, true, &contents));
      EXPECT_EQ(raw, contents.data.ToString());
      EXPECT_TRUE(contents.owns_memory());
    }
  }
}

TEST(ReadBlock, DetectsEveryFlippedByte) {
  std::string file = "0123456789";
  const BlockHandle h =
      AppendBlockWithTrailer(&file, "some block bytes", CompressionType::kNone);
  for (size_t i = h.offset; i < file.size(); i++) {
    std::string bad = file;
    bad[i] ^= 0x01;
    test::StringFile f(bad, false);
    BlockContents contents;
    Status s = ReadBlock(&f, "t.sst", h, true, &contents);
    ASSERT_TRUE(s.IsCorruption()) << "byte " << i;
    EXPECT_TRUE(
        StatusContains(s, "t.sst: block checksum mismatch at offset 10"))
        << s.ToString();
  }
}

TEST(ReadBlock, BlockMovedToAnotherOffsetFailsVerification) {
  std::string file;
  const BlockHandle h =
      AppendBlockWithTrailer(&file, "the same bytes", CompressionType::kNone);
  // The same block, trailer included, copied 3 bytes later.
  std::string moved = "abc" + file;
  test::StringFile f(moved, false);
  BlockContents contents;
  Status s = ReadBlock(&f, "t.sst", BlockHandle(3, h.size), true, &contents);
  EXPECT_TRUE(StatusContains(s, "block checksum mismatch at offset 3"))
      << s.ToString();
  // Without verification the bytes are returned as they are.
  ASSERT_OK(ReadBlock(&f, "t.sst", BlockHandle(3, h.size), false, &contents));
  EXPECT_EQ("the same bytes", contents.data.ToString());
}

TEST(ReadBlock, TruncatedFileIsCorruption) {
  std::string file;
  const BlockHandle h =
      AppendBlockWithTrailer(&file, "block", CompressionType::kNone);
  for (size_t len = 0; len < file.size(); len++) {
    test::StringFile f(file.substr(0, len), false);
    BlockContents contents;
    Status s = ReadBlock(&f, "t.sst", h, true, &contents);
    ASSERT_TRUE(s.IsCorruption());
    EXPECT_TRUE(StatusContains(s, "t.sst: truncated block read at offset 0"))
        << s.ToString();
  }
}

TEST(ReadBlock, HugeHandleIsRejectedBeforeAllocating) {
  test::StringFile f("tiny", false);
  BlockContents contents;
  Status s = ReadBlock(&f, "t.sst", BlockHandle(0, uint64_t{1} << 50), true,
                       &contents);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_TRUE(StatusContains(s, "t.sst"));
}

TEST(ReadBlock, BadCompressedPayloadIsCorruption) {
  std::string file;
  // A valid checksum over bytes that are not zstd data.
  const BlockHandle h =
      AppendBlockWithTrailer(&file, "\x10garbage!", CompressionType::kZstd);
  test::StringFile f(file, false);
  BlockContents contents;
  Status s = ReadBlock(&f, "t.sst", h, true, &contents);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_TRUE(StatusContains(s, "t.sst: block at offset 0: bad zstd data"))
      << s.ToString();
  std::string file2;
  const BlockHandle h2 =
      AppendBlockWithTrailer(&file2, "abc", static_cast<CompressionType>(42));
  test::StringFile f2(file2, false);
  s = ReadBlock(&f2, "t.sst", h2, true, &contents);
  EXPECT_TRUE(StatusContains(s, "unknown compression type 42")) << s.ToString();
}

}  // namespace o3lsm
