// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include <gtest/gtest.h>
#include <set>
#include <string>

#include "tests/testutil.h"
#include "tools/bench/db_options.h"
#include "tools/bench/key_generator.h"
#include "tools/bench/value_generator.h"

namespace o3lsm::bench {
namespace {

std::string Key(uint64_t v, int size) {
  std::string k(static_cast<size_t>(size), '\xff');
  GenerateKeyFromInt(v, size, k.data());
  return k;
}

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

// The expected bytes were read back with `ldb scan --key_hex` from databases
// that RocksDB 7.8's db_bench filled with --benchmarks=fillseq.
TEST(GenerateKeyFromInt, MatchesDbBenchByteForByte) {
  EXPECT_EQ(
      Bytes({0, 0, 0, 0, 0, 0, 0, 1, '0', '0', '0', '0', '0', '0', '0', '0'}),
      Key(1, 16));
  EXPECT_EQ(Bytes({0, 0, 0, 0, 0, 0, 0, 2, '0', '0'}), Key(2, 10));
  EXPECT_EQ(Bytes({0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}),
            Key(0x0123456789abcdefull, 8));
  EXPECT_EQ(Bytes({0, 0, 0, 0, 0, 0x0f, 0x42, 0x3f}) + std::string(12, '0'),
            Key(999999, 20));
  EXPECT_EQ(Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) +
                std::string(16, '0'),
            Key(~uint64_t{0}, 24));
}

TEST(GenerateKeyFromInt, ShortKeysKeepTheLowBytes) {
  // db_bench writes the low key_size bytes, most significant first.
  EXPECT_EQ(Bytes({0, 0, 0, 2}), Key(2, 4));
  EXPECT_EQ(Bytes({0x89, 0xab, 0xcd, 0xef}), Key(0x0123456789abcdefull, 4));
  EXPECT_EQ(Bytes({0xef}), Key(0x0123456789abcdefull, 1));
  EXPECT_EQ(Bytes({0x01, 0x00}), Key(0x10100, 2));
}

TEST(GenerateKeyFromInt, OrderFollowsNumbers) {
  for (int size : {8, 16, 20, 24}) {
    std::string prev = Key(0, size);
    for (uint64_t v : {1ull, 255ull, 256ull, 65535ull, 1ull << 40}) {
      const std::string k = Key(v, size);
      EXPECT_LT(prev, k) << size << " " << v;
      prev = k;
    }
  }
}

TEST(KeyBuffer, ReusesItsStorage) {
  KeyBuffer buf(16);
  const Slice a = buf.Make(7);
  const char* data = a.data();
  EXPECT_EQ(Key(7, 16), a.ToString());
  const Slice b = buf.Make(8);
  EXPECT_EQ(data, b.data());
  EXPECT_EQ(Key(8, 16), b.ToString());
}

TEST(ValueSource, PiecesRepeatToTheCompressionRatio) {
  ValueSource source(0.5, 100, 301);
  const std::string& d = source.data();
  ASSERT_GE(d.size(), 1u << 20);
  // Each 100-byte piece is 50 random printable bytes, then the same again.
  for (size_t piece = 0; piece + 100 <= d.size(); piece += 100) {
    ASSERT_EQ(d.substr(piece, 50), d.substr(piece + 50, 50)) << piece;
  }
  std::set<char> distinct(d.begin(), d.begin() + 1000);
  EXPECT_GT(distinct.size(), 40u);
  for (char c : d) ASSERT_TRUE(c >= ' ' && c < 127);
  // Same seed, same bytes: runs write identical values.
  EXPECT_EQ(d, ValueSource(0.5, 100, 301).data());
}

TEST(ValueSource, CursorWrapsAndServesLargeValues) {
  ValueSource big(1.0, 300000, 1);
  ASSERT_GE(big.data().size(), 1u << 20);
  ValueCursor c(&big);
  size_t total = 0;
  for (int i = 0; i < 10; i++) {
    const Slice v = c.Next(300000);
    ASSERT_EQ(300000u, v.size());
    ASSERT_GE(v.data(), big.data().data());
    ASSERT_LE(v.data() + v.size(), big.data().data() + big.data().size());
    total += v.size();
  }
  EXPECT_EQ(3000000u, total);
}

TEST(DbSettings, MapsDbBenchFlags) {
  BenchFlags f;
  DbSettings s;
  ASSERT_OK(MakeDbSettings(f, &s));
  EXPECT_EQ(CompressionType::kSnappy, s.options.compression);  // db_bench's
  EXPECT_EQ("Snappy", s.compression_name);
  EXPECT_TRUE(s.warnings.empty());
  EXPECT_EQ(8u << 20, s.options.block_cache_size);
  EXPECT_EQ(Options().bloom_bits_per_key, s.options.bloom_bits_per_key);
  EXPECT_EQ(1, s.options.max_background_flushes);
  EXPECT_EQ(1, s.options.max_background_compactions);
  EXPECT_TRUE(s.options.create_if_missing);

  f.compression_type = "zstd";
  f.bloom_bits = 0;
  f.max_background_jobs = 8;
  f.use_existing_db = true;
  f.sync = true;
  f.disable_wal = true;
  ASSERT_OK(MakeDbSettings(f, &s));
  EXPECT_EQ(CompressionType::kZstd, s.options.compression);
  EXPECT_TRUE(s.warnings.empty());
  EXPECT_EQ(0, s.options.bloom_bits_per_key);
  EXPECT_EQ(2, s.options.max_background_flushes);
  EXPECT_EQ(6, s.options.max_background_compactions);
  EXPECT_FALSE(s.options.create_if_missing);
  EXPECT_TRUE(s.write_options.sync);
  EXPECT_TRUE(s.write_options.disable_wal);

  f.compression_type = "LZ4";
  ASSERT_OK(MakeDbSettings(f, &s));
  EXPECT_EQ(CompressionType::kLz4, s.options.compression);
  f.compression_type = "zlib";  // RocksDB's, not o3lsm's: none, warned
  ASSERT_OK(MakeDbSettings(f, &s));
  EXPECT_EQ(CompressionType::kNone, s.options.compression);
  ASSERT_EQ(1u, s.warnings.size());
  EXPECT_NE(std::string::npos, s.warnings[0].find("zlib"));
  f.compression_type = "brotli";
  EXPECT_TRUE(MakeDbSettings(f, &s).IsInvalidArgument());
}

}  // namespace
}  // namespace o3lsm::bench
