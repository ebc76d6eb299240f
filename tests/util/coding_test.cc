// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "util/coding.h"

#include <gtest/gtest.h>

#include <vector>

namespace o3lsm {

TEST(Coding, Fixed32And64RoundTrip) {
  std::string s;
  for (uint32_t v = 0; v < 100000; v += 37) PutFixed32(&s, v);
  PutFixed64(&s, 0xdeadbeefcafef00dull);
  Slice in(s);
  for (uint32_t v = 0; v < 100000; v += 37) {
    uint32_t got;
    ASSERT_TRUE(GetFixed32(&in, &got));
    ASSERT_EQ(v, got);
  }
  uint64_t got64;
  ASSERT_TRUE(GetFixed64(&in, &got64));
  EXPECT_EQ(0xdeadbeefcafef00dull, got64);
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(GetFixed32(&in, nullptr));
}

TEST(Coding, Varint64RoundTripAtEveryPowerOfTwo) {
  std::vector<uint64_t> values = {0, 100, ~0ull, ~0ull - 1};
  for (uint32_t k = 0; k < 64; k++) {
    const uint64_t power = 1ull << k;
    values.push_back(power);
    values.push_back(power - 1);
    values.push_back(power + 1);
  }
  std::string s;
  for (uint64_t v : values) PutVarint64(&s, v);
  Slice in(s);
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    ASSERT_EQ(v, got);
    EXPECT_EQ(VarintLength(v), VarintLength(got));
  }
  EXPECT_TRUE(in.empty());
}

TEST(Coding, Varint32RejectsOverflowAndTruncation) {
  std::string overflow("\x81\x82\x83\x84\x85\x11");
  uint32_t v;
  EXPECT_EQ(nullptr, GetVarint32Ptr(overflow.data(),
                                    overflow.data() + overflow.size(), &v));
  std::string s;
  PutVarint32(&s, 1u << 31);
  for (size_t len = 0; len + 1 < s.size(); len++) {
    EXPECT_EQ(nullptr, GetVarint32Ptr(s.data(), s.data() + len, &v));
  }
  EXPECT_NE(nullptr, GetVarint32Ptr(s.data(), s.data() + s.size(), &v));
  EXPECT_EQ(1u << 31, v);
}

TEST(Coding, Varint64RejectsOverflow) {
  std::string s(10, '\xff');
  s.push_back('\x01');
  uint64_t v;
  EXPECT_EQ(nullptr, GetVarint64Ptr(s.data(), s.data() + s.size(), &v));
}

TEST(Coding, LengthPrefixedSlice) {
  std::string s;
  PutLengthPrefixedSlice(&s, Slice(""));
  PutLengthPrefixedSlice(&s, Slice("foo"));
  PutLengthPrefixedSlice(&s, Slice(std::string(200, 'x')));
  Slice in(s), v;
  ASSERT_TRUE(GetLengthPrefixedSlice(&in, &v));
  EXPECT_EQ("", v.ToString());
  ASSERT_TRUE(GetLengthPrefixedSlice(&in, &v));
  EXPECT_EQ("foo", v.ToString());
  ASSERT_TRUE(GetLengthPrefixedSlice(&in, &v));
  EXPECT_EQ(std::string(200, 'x'), v.ToString());
  EXPECT_FALSE(GetLengthPrefixedSlice(&in, &v));
  // A length that runs past the end is rejected.
  std::string bad;
  PutVarint32(&bad, 10);
  bad.append("abc");
  Slice bad_in(bad);
  EXPECT_FALSE(GetLengthPrefixedSlice(&bad_in, &v));
}

}  // namespace o3lsm
