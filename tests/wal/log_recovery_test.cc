// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// How log::Reader ends a damaged log: torn tails, zero tails, corruption in
// the middle, stale fragments of another log, and a fuzz loop.

#include <algorithm>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "lsm/wal/log_format.h"
#include "lsm/wal/log_reader.h"
#include "tests/testutil.h"
#include "tests/wal/log_test_util.h"
#include "util/coding.h"
#include "util/random.h"

namespace o3lsm::log {

namespace {

using test::EndStateName;
using test::Fragment;
using test::ReadBack;
using test::ReadLog;
using test::WriteLog;
using test::WrittenLog;
using EndState = Reader::EndState;

std::vector<std::string> Prefix(const std::vector<std::string>& v, size_t n) {
  return std::vector<std::string>(v.begin(), v.begin() + n);
}

std::vector<std::string> SmallRecords(int n, size_t size) {
  std::vector<std::string> records;
  for (int i = 0; i < n; ++i) {
    records.push_back(std::string(size, static_cast<char>('a' + i % 26)));
  }
  return records;
}

// What reading a prefix of a good log must give: every record that ends
// before the cut; a clean end if only zeros (padding) follow it.
void ExpectCutReadsBack(const WrittenLog& log, size_t cut) {
  const std::string contents = log.contents.substr(0, cut);
  size_t complete = 0;
  while (complete < log.ends.size() && log.ends[complete] <= cut) ++complete;
  const uint64_t last_good = complete == 0 ? 0 : log.ends[complete - 1];
  bool only_zeros = true;
  for (size_t i = last_good; i < cut; ++i) only_zeros &= contents[i] == 0;

  ReadBack back = ReadLog(contents, 7);
  ASSERT_EQ(Prefix(log.records, complete), back.records) << "cut " << cut;
  EXPECT_EQ(last_good, back.last_good_offset) << "cut " << cut;
  if (only_zeros) {
    EXPECT_EQ(EndState::kCleanEof, back.end_state)
        << "cut " << cut << ": " << back.status.ToString();
    EXPECT_OK(back.status);
    EXPECT_EQ(0, back.reports);
  } else {
    EXPECT_EQ(EndState::kTornTail, back.end_state)
        << "cut " << cut << ": " << EndStateName(back.end_state) << " "
        << back.status.ToString();
    EXPECT_TRUE(back.status.IsCorruption());
    EXPECT_EQ(1, back.reports);
    EXPECT_EQ(cut - last_good, back.dropped);
  }
}

// Reads log with one byte changed and expects corruption reported at
// fragment_offset, after `records_before` good records.
void ExpectCorruptionAt(const WrittenLog& log, std::string contents,
                        uint64_t fragment_offset, size_t records_before,
                        uint64_t last_good) {
  ReadBack back = ReadLog(contents, 7, "db/000007.log");
  EXPECT_EQ(Prefix(log.records, records_before), back.records);
  EXPECT_EQ(EndState::kCorruption, back.end_state)
      << EndStateName(back.end_state) << " " << back.status.ToString();
  ASSERT_TRUE(back.status.IsCorruption());
  const std::string msg = back.status.ToString();
  EXPECT_EQ(0u, msg.find("Corruption: db/000007.log: ")) << msg;
  EXPECT_NE(std::string::npos,
            msg.find(" at offset " + std::to_string(fragment_offset) + ";"))
      << msg;
  EXPECT_EQ(last_good, back.last_good_offset);
  EXPECT_EQ(1, back.reports);
}

}  // namespace

TEST(LogRecovery, TruncatedAtEveryOffsetOfTheLastRecords) {
  WrittenLog log = WriteLog(
      {"first", std::string(3000, 'x'), "", "y", std::string(900, 'z')}, 7);
  for (size_t cut = log.starts[1]; cut <= log.contents.size(); ++cut) {
    ExpectCutReadsBack(log, cut);
  }
}

TEST(LogRecovery, TruncatedInsideBlockSpanningRecords) {
  // The last record spans three blocks and the one before it ends in the
  // padding zone; cut at every header byte and block edge, and at a stride
  // elsewhere.
  WrittenLog log = WriteLog({std::string(kBlockSize - 2 * kHeaderSize + 3, 'p'),
                             std::string(2 * kBlockSize + 500, 'q')},
                            7);
  for (size_t cut = 0; cut <= log.contents.size(); ++cut) {
    const size_t in_block = cut % kBlockSize;
    if (in_block < 2 * kHeaderSize || in_block > kBlockSize - 2 * kHeaderSize ||
        cut % 101 == 0 || cut + 2 * kHeaderSize > log.contents.size()) {
      ExpectCutReadsBack(log, cut);
    }
  }
}

TEST(LogRecovery, ZeroFilledTailIsACleanEnd) {
  WrittenLog log = WriteLog(SmallRecords(10, 100), 7);
  for (size_t zeros : {size_t{1}, kHeaderSize - 1, kHeaderSize, size_t{5000},
                       3 * kBlockSize}) {
    ReadBack back = ReadLog(log.contents + std::string(zeros, '\0'), 7);
    EXPECT_EQ(log.records, back.records);
    EXPECT_EQ(EndState::kCleanEof, back.end_state) << zeros;
    EXPECT_OK(back.status);
    EXPECT_EQ(log.contents.size(), back.last_good_offset);
    EXPECT_EQ(0, back.reports);
  }
}

TEST(LogRecovery, ZerosAfterAPartialRecordAreATornTail) {
  WrittenLog log = WriteLog({"a", std::string(2 * kBlockSize, 'b')}, 7);
  // The first block (with the kFirst fragment) made it; the rest is zeros.
  std::string contents = log.contents.substr(0, kBlockSize);
  contents.append(log.contents.size() - kBlockSize, '\0');
  ReadBack back = ReadLog(contents, 7);
  EXPECT_EQ(Prefix(log.records, 1), back.records);
  EXPECT_EQ(EndState::kTornTail, back.end_state);
  EXPECT_EQ(log.ends[0], back.last_good_offset);
}

TEST(LogRecovery, GarbageTailIsATornTail) {
  WrittenLog log = WriteLog(SmallRecords(10, 100), 7);
  Random64 rnd(21);
  ReadBack back =
      ReadLog(log.contents + ::o3lsm::test::RandomBytes(&rnd, 3000, false), 7);
  EXPECT_EQ(log.records, back.records);
  EXPECT_EQ(EndState::kTornTail, back.end_state);
  EXPECT_EQ(log.contents.size(), back.last_good_offset);
  EXPECT_NE(std::string::npos,
            back.status.ToString().find("offset " +
                                        std::to_string(log.contents.size())))
      << back.status.ToString();
}

TEST(LogRecovery, LaterPagesOfATornRecordDoNotMakeItCorruption) {
  // A crash may persist a multi-block record's later pages and lose an
  // earlier one: its kMiddle/kLast fragments follow the hole, but no record
  // starts after it, so this is still a torn tail.
  WrittenLog log = WriteLog({"a", std::string(3 * kBlockSize, 'b')}, 7);
  std::string contents = log.contents;
  std::fill(contents.begin() + kBlockSize, contents.begin() + 2 * kBlockSize,
            '\0');
  ReadBack back = ReadLog(contents, 7);
  EXPECT_EQ(Prefix(log.records, 1), back.records);
  EXPECT_EQ(EndState::kTornTail, back.end_state) << back.status.ToString();
  EXPECT_EQ(log.ends[0], back.last_good_offset);
  EXPECT_EQ(1, back.reports);
  EXPECT_EQ(contents.size() - log.ends[0], back.dropped);
}

TEST(LogRecovery, FlippedPayloadByteFollowedByRecordsIsCorruption) {
  WrittenLog log = WriteLog(SmallRecords(20, 100), 7);
  std::string contents = log.contents;
  contents[log.starts[3] + kHeaderSize + 50] ^= 0x01;
  ExpectCorruptionAt(log, contents, log.starts[3], 3, log.ends[2]);
  ReadBack back = ReadLog(contents, 7);
  EXPECT_NE(std::string::npos,
            back.status.ToString().find("a valid record follows at offset " +
                                        std::to_string(log.starts[4])))
      << back.status.ToString();
  EXPECT_EQ(log.starts[4] - log.ends[2], back.dropped);
}

TEST(LogRecovery, FlippedHeaderBytesAreCorruption) {
  // A damaged length field hides where the next fragment starts; the reader
  // still finds the records after it in the same block.
  WrittenLog log = WriteLog(SmallRecords(20, 100), 7);
  for (size_t i = 0; i < kHeaderSize; ++i) {
    for (int bit : {0x01, 0x80}) {
      std::string contents = log.contents;
      contents[log.starts[3] + i] ^= static_cast<char>(bit);
      SCOPED_TRACE("header byte " + std::to_string(i));
      ExpectCorruptionAt(log, contents, log.starts[3], 3, log.ends[2]);
    }
  }
}

TEST(LogRecovery, CorruptionInAMiddleFragmentNamesThatFragment) {
  WrittenLog log =
      WriteLog({"a", std::string(3 * kBlockSize, 'b'), "c", "d"}, 7);
  std::string contents = log.contents;
  contents[2 * kBlockSize + 77] ^= 0x10;  // in the second kMiddle fragment
  ExpectCorruptionAt(log, contents, 2 * kBlockSize, 1, log.ends[0]);
}

TEST(LogRecovery, ZeroedBlockInTheMiddleIsCorruption) {
  WrittenLog log = WriteLog(SmallRecords(150, 1000), 7);
  std::string contents = log.contents;
  std::fill(contents.begin() + kBlockSize, contents.begin() + 2 * kBlockSize,
            '\0');
  // The record spanning blocks 0 and 1 is lost with the block.
  const int spanning = log.RecordAt(kBlockSize - 1);
  ASSERT_GE(spanning, 0);
  ExpectCorruptionAt(log, contents, kBlockSize, spanning,
                     log.ends[spanning - 1]);
}

TEST(LogRecovery, FragmentWithoutFirstIsCorruption) {
  for (RecordType type : {kMiddleType, kLastType}) {
    std::string contents = Fragment(kFullType, "a", 7);
    const uint64_t orphan = contents.size();
    contents += Fragment(type, "b", 7);
    contents += Fragment(kFullType, "c", 7);
    ReadBack back = ReadLog(contents, 7);
    EXPECT_EQ(std::vector<std::string>{"a"}, back.records);
    EXPECT_EQ(EndState::kCorruption, back.end_state);
    EXPECT_NE(std::string::npos, back.status.ToString().find(
                                     "without a first fragment at offset " +
                                     std::to_string(orphan)))
        << back.status.ToString();
    EXPECT_EQ(orphan, back.last_good_offset);
  }
}

TEST(LogRecovery, RecordCutShortByANewRecordIsCorruption) {
  std::string contents = Fragment(kFullType, "a", 7);
  const uint64_t first = contents.size();
  contents += Fragment(kFirstType, "b", 7);
  const uint64_t next = contents.size();
  contents += Fragment(kFullType, "c", 7);
  ReadBack back = ReadLog(contents, 7);
  EXPECT_EQ(std::vector<std::string>{"a"}, back.records);
  EXPECT_EQ(EndState::kCorruption, back.end_state);
  EXPECT_NE(std::string::npos,
            back.status.ToString().find(
                "record at offset " + std::to_string(first) +
                " lacks its last fragment; a record starts at offset " +
                std::to_string(next)))
      << back.status.ToString();
  EXPECT_EQ(first, back.last_good_offset);
}

TEST(LogRecovery, UnknownFragmentTypeIsBad) {
  std::string contents = Fragment(kFullType, "a", 7);
  contents += Fragment(static_cast<RecordType>(9), "b", 7);
  ReadBack back = ReadLog(contents, 7);
  EXPECT_EQ(std::vector<std::string>{"a"}, back.records);
  EXPECT_EQ(EndState::kTornTail, back.end_state);
  contents += Fragment(kFullType, "c", 7);
  back = ReadLog(contents, 7);
  EXPECT_EQ(EndState::kCorruption, back.end_state);
  EXPECT_NE(std::string::npos,
            back.status.ToString().find("unknown fragment type at offset 12"))
      << back.status.ToString();
}

TEST(LogRecovery, OtherLogNumberEndsTheLog) {
  // A reused file: log 8's records over log 7's, fragment boundaries aligned.
  WrittenLog old_log = WriteLog(SmallRecords(10, 100), 7);
  WrittenLog new_log = WriteLog(SmallRecords(4, 100), 8);
  const std::string reused =
      new_log.contents + old_log.contents.substr(new_log.contents.size());
  ReadBack back = ReadLog(reused, 8);
  EXPECT_EQ(new_log.records, back.records);
  EXPECT_EQ(EndState::kCleanEof, back.end_state) << back.status.ToString();
  EXPECT_EQ(new_log.contents.size(), back.last_good_offset);
  EXPECT_EQ(0, back.reports);

  // Reading the whole of log 7 with the wrong number yields nothing.
  back = ReadLog(old_log.contents, 8);
  EXPECT_TRUE(back.records.empty());
  EXPECT_EQ(EndState::kCleanEof, back.end_state);
  EXPECT_EQ(0u, back.last_good_offset);

  // Log 7's records after log 8's bytes: a hole in log 7.
  back = ReadLog(reused, 7);
  EXPECT_TRUE(back.records.empty());
  EXPECT_EQ(EndState::kCorruption, back.end_state);
  EXPECT_NE(std::string::npos,
            back.status.ToString().find("intact fragment of log 8 at offset 0"))
      << back.status.ToString();
}

TEST(LogRecovery, StaleFragmentInsideARecordIsATornTail) {
  // Overwrite: log 8 ends with a kFirst whose continuation is log 7's.
  std::string log8 = Fragment(kFullType, "a", 8);
  log8 += Fragment(kFirstType,
                   std::string(kBlockSize - 2 * kHeaderSize - 1, 'f'), 8);
  ASSERT_EQ(kBlockSize, log8.size());
  log8 += Fragment(kLastType, "tail of 7", 7);
  ReadBack back = ReadLog(log8, 8);
  EXPECT_EQ(std::vector<std::string>{"a"}, back.records);
  EXPECT_EQ(EndState::kTornTail, back.end_state);
  EXPECT_EQ(kHeaderSize + 1, back.last_good_offset);
}

TEST(LogRecovery, ReusedFileEndingMidFragmentReadsAsTornTail) {
  // The writer never reuses files; if one is reused, the old log's bytes
  // right after the new log's end are not a fragment boundary, and the log
  // reads as torn there (documented in docs/wal_format.md).
  WrittenLog old_log = WriteLog(SmallRecords(10, 100), 7);
  WrittenLog new_log = WriteLog(SmallRecords(3, 60), 8);
  const std::string reused =
      new_log.contents + old_log.contents.substr(new_log.contents.size());
  ReadBack back = ReadLog(reused, 8);
  EXPECT_EQ(new_log.records, back.records);
  EXPECT_EQ(EndState::kTornTail, back.end_state);
  EXPECT_EQ(new_log.contents.size(), back.last_good_offset);
}

TEST(LogRecovery, RecordsAreNeverReturnedPastAHole) {
  // The first fragment verifies only under its own log number: changing the
  // stored number to ours does not make another log's fragment ours.
  std::string foreign = Fragment(kFullType, "other", 9);
  EncodeFixed32(&foreign[kLogNumberOffset], 7);
  std::string contents = Fragment(kFullType, "mine", 7) + foreign +
                         Fragment(kFullType, "after", 7);
  ReadBack back = ReadLog(contents, 7);
  EXPECT_EQ(std::vector<std::string>{"mine"}, back.records);
  EXPECT_EQ(EndState::kCorruption, back.end_state);
}

}  // namespace o3lsm::log
