// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The properties block: round trip, names from newer writers skipped,
// malformed values refused.

#include "lsm/table/table_properties.h"

#include <gtest/gtest.h>
#include <string>

#include "lsm/table/block_builder.h"
#include "tests/table/table_test_util.h"
#include "tests/testutil.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

TableProperties Sample() {
  TableProperties p;
  p.num_entries = 1000;
  p.num_deletions = 7;
  p.raw_key_size = 24000;
  p.raw_value_size = 1u << 20;
  p.data_size = 900000;
  p.index_size = 3000;
  p.filter_size = 1300;
  p.num_data_blocks = 250;
  p.smallest_seqno = 5;
  p.largest_seqno = (1ull << 56) - 1;
  p.smallest_key = test::IKey("aaa", 5);
  p.largest_key = test::IKey("zzz", 9, kTypeDeletion);
  p.compression = CompressionType::kLz4;
  p.format_version = 1;
  p.creation_time = 1700000000;
  return p;
}

std::string Varint(uint64_t v) {
  std::string s;
  PutVarint64(&s, v);
  return s;
}

}  // namespace

TEST(TableProperties, RoundTrip) {
  const TableProperties want = Sample();
  std::string encoded;
  EncodeTableProperties(want, &encoded);
  TableProperties got;
  ASSERT_OK(DecodeTableProperties(encoded, &got));
  EXPECT_EQ(want.ToString(), got.ToString());
  EXPECT_EQ(want.largest_seqno, got.largest_seqno);
  EXPECT_EQ(want.largest_key, got.largest_key);
  EXPECT_EQ(CompressionType::kLz4, got.compression);
  EXPECT_NE(std::string::npos, got.ToString().find("compression: lz4\n"));
  EXPECT_NE(std::string::npos,
            got.ToString().find("largest_key: 'zzz' @ 9 : 0\n"));
}

TEST(TableProperties, UnknownNamesAreSkipped) {
  BlockBuilder block(1);
  block.Add("o3lsm.aaa.from.the.future", "whatever");
  block.Add("o3lsm.num.entries", Varint(42));
  block.Add("o3lsm.zzz.from.the.future", Varint(1));
  TableProperties got;
  ASSERT_OK(DecodeTableProperties(block.Finish(), &got));
  EXPECT_EQ(42u, got.num_entries);
}

TEST(TableProperties, MalformedValuesAreCorruption) {
  const std::pair<std::string, std::string> bad[] = {
      {"o3lsm.num.entries", ""},               // no varint
      {"o3lsm.num.entries", "\x80"},           // truncated varint
      {"o3lsm.num.entries", Varint(1) + "x"},  // trailing bytes
      {"o3lsm.compression", Varint(300)},      // not a type byte
      {"o3lsm.format.version", Varint(1ull << 40)},
  };
  for (const auto& [name, value] : bad) {
    BlockBuilder block(1);
    block.Add(name, value);
    TableProperties got;
    Status s = DecodeTableProperties(block.Finish(), &got);
    EXPECT_TRUE(s.IsCorruption()) << name;
    EXPECT_TRUE(test::StatusContains(s, name)) << s.ToString();
  }
  TableProperties got;
  EXPECT_TRUE(DecodeTableProperties("garbage", &got).IsCorruption());
}

}  // namespace o3lsm
