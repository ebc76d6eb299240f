// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Round trips through log::Writer and log::Reader, and the Writer's promises
// (one Append per record, no sync, sticky errors, block layout).

#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "lsm/wal/log_format.h"
#include "lsm/wal/log_reader.h"
#include "lsm/wal/log_writer.h"
#include "tests/testutil.h"
#include "tests/wal/log_test_util.h"
#include "util/coding.h"
#include "util/random.h"

namespace o3lsm::log {

namespace {

using test::ReadLog;
using test::StringSink;
using test::StringSource;
using test::WriteLog;

void ExpectCleanRoundTrip(const std::vector<std::string>& records) {
  test::WrittenLog log = WriteLog(records, 7);
  test::ReadBack back = ReadLog(log.contents, 7);
  ASSERT_EQ(records.size(), back.records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(records[i], back.records[i]) << "record " << i;
  }
  EXPECT_EQ(Reader::EndState::kCleanEof, back.end_state)
      << test::EndStateName(back.end_state) << " " << back.status.ToString();
  EXPECT_OK(back.status);
  EXPECT_EQ(log.contents.size(), back.last_good_offset);
  EXPECT_EQ(0, back.reports);
}

std::string BigString(const std::string& partial, size_t n) {
  std::string result;
  while (result.size() < n) result += partial;
  result.resize(n);
  return result;
}

}  // namespace

TEST(LogWriter, EmptyFileReadsAsCleanEnd) {
  test::ReadBack back = ReadLog(std::string(), 7);
  EXPECT_TRUE(back.records.empty());
  EXPECT_EQ(Reader::EndState::kCleanEof, back.end_state);
  EXPECT_OK(back.status);
  EXPECT_EQ(0u, back.last_good_offset);
}

TEST(LogWriter, EmptyRecordIsAHeaderOnlyFragment) {
  test::WrittenLog log = WriteLog({""}, 7);
  EXPECT_EQ(kHeaderSize, log.contents.size());
  EXPECT_EQ(kFullType, log.contents[kTypeOffset]);
  ExpectCleanRoundTrip({""});
  ExpectCleanRoundTrip({"", "", "a", ""});
}

TEST(LogWriter, SmallRecordsRoundTrip) {
  ExpectCleanRoundTrip({"foo", "bar", "", "xxxx"});
}

TEST(LogWriter, HeaderLayout) {
  test::WrittenLog log = WriteLog({"hello"}, 0x1122334455667788ull);
  ASSERT_EQ(kHeaderSize + 5, log.contents.size());
  const char* h = log.contents.data();
  EXPECT_EQ(5u, DecodeFixed16(h + kLengthOffset));
  EXPECT_EQ(kFullType, h[kTypeOffset]);
  EXPECT_EQ(0x55667788u, DecodeFixed32(h + kLogNumberOffset));
  EXPECT_EQ(Checksum32(h + kLengthOffset, 7 + 5, 0x55667788u),
            DecodeFixed32(h + kChecksumOffset));
  EXPECT_EQ("hello", log.contents.substr(kHeaderSize));
}

TEST(LogWriter, RecordsOfBlockSizesRoundTrip) {
  for (size_t n :
       {kMaxFragmentPayload - 1, kMaxFragmentPayload, kMaxFragmentPayload + 1,
        kBlockSize - 1, kBlockSize, kBlockSize + 1, 2 * kMaxFragmentPayload,
        3 * kBlockSize + 17}) {
    SCOPED_TRACE(n);
    ExpectCleanRoundTrip({BigString("abc", n)});
    ExpectCleanRoundTrip({"x", BigString("def", n), "y", BigString("g", n)});
  }
}

TEST(LogWriter, ExactlyOneBlockPerMaxFragment) {
  test::WrittenLog log = WriteLog({BigString("a", kMaxFragmentPayload)}, 7);
  EXPECT_EQ(kBlockSize, log.contents.size());
  EXPECT_EQ(kFullType, log.contents[kTypeOffset]);
  // The next record starts at the next block.
  log = WriteLog({BigString("a", kMaxFragmentPayload), "b"}, 7);
  EXPECT_EQ(kBlockSize, log.starts[1]);
}

TEST(LogWriter, BlockSpanningRecordUsesFirstMiddleLast) {
  test::WrittenLog log = WriteLog({BigString("m", 2 * kBlockSize + 100)}, 7);
  // Two full blocks, then the last fragment carries the 100 bytes plus the
  // two headers' worth that the full blocks could not.
  ASSERT_EQ(2 * kBlockSize + kHeaderSize + 100 + 2 * kHeaderSize,
            log.contents.size());
  EXPECT_EQ(kFirstType, log.contents[kTypeOffset]);
  EXPECT_EQ(kMiddleType, log.contents[kBlockSize + kTypeOffset]);
  EXPECT_EQ(kLastType, log.contents[2 * kBlockSize + kTypeOffset]);
}

TEST(LogWriter, PadsBlockEndShorterThanAHeader) {
  // Leave kHeaderSize - 1 bytes in the first block.
  const size_t first = kBlockSize - 2 * kHeaderSize + 1;
  test::WrittenLog log = WriteLog({BigString("p", first), "next"}, 7);
  EXPECT_EQ(kBlockSize - kHeaderSize + 1, log.ends[0]);
  EXPECT_EQ(kBlockSize, log.starts[1]);
  EXPECT_EQ(std::string(kHeaderSize - 1, '\0'),
            log.contents.substr(log.ends[0], kHeaderSize - 1));
  EXPECT_EQ(kFullType, log.contents[kBlockSize + kTypeOffset]);
  ExpectCleanRoundTrip({BigString("p", first), "next"});
}

TEST(LogWriter, ExactlyAHeaderLeftStartsWithAnEmptyFirstFragment) {
  const size_t first = kBlockSize - 2 * kHeaderSize;
  test::WrittenLog log = WriteLog({BigString("p", first), "next"}, 7);
  EXPECT_EQ(kBlockSize - kHeaderSize, log.starts[1]);
  EXPECT_EQ(kFirstType, log.contents[log.starts[1] + kTypeOffset]);
  EXPECT_EQ(0u, DecodeFixed16(&log.contents[log.starts[1] + kLengthOffset]));
  EXPECT_EQ(kLastType, log.contents[kBlockSize + kTypeOffset]);
  ExpectCleanRoundTrip({BigString("p", first), "next", ""});
}

TEST(LogWriter, MultiMegabyteRecordRoundTrips) {
  Random64 rnd(11);
  ExpectCleanRoundTrip(
      {"head", ::o3lsm::test::RandomBytes(&rnd, 5 << 20, false), "tail"});
}

TEST(LogWriter, ManyRecordsRoundTrip) {
  Random64 rnd(12);
  std::vector<std::string> records;
  for (int i = 0; i < 20000; ++i) {
    const size_t n =
        rnd.OneIn(50) ? rnd.Uniform(3 * kBlockSize) : rnd.Uniform(200);
    records.push_back(::o3lsm::test::RandomBytes(&rnd, n, false));
  }
  ExpectCleanRoundTrip(records);
}

TEST(LogWriter, OneAppendPerRecordAndNoSync) {
  std::string contents;
  auto sink = std::make_unique<StringSink>(&contents);
  StringSink* sink_ptr = sink.get();
  Writer writer(std::move(sink), 7);
  Random64 rnd(13);
  int records = 0;
  for (size_t n : {size_t{0}, size_t{10}, kBlockSize - 40, kBlockSize * 2,
                   size_t{3} << 20, size_t{5}}) {
    ASSERT_OK(writer.AddRecord(::o3lsm::test::RandomBytes(&rnd, n, false)));
    ++records;
    EXPECT_EQ(records, sink_ptr->appends);
    EXPECT_EQ(contents.size(), writer.FileSize());
  }
  EXPECT_EQ(0, sink_ptr->syncs);
  ASSERT_OK(writer.Sync());
  EXPECT_EQ(1, sink_ptr->syncs);
  ASSERT_OK(writer.Flush());
  ASSERT_OK(writer.Close());
  EXPECT_EQ(sink_ptr, writer.file());
  EXPECT_EQ(7u, writer.log_number());
}

TEST(LogWriter, FailedAppendIsSticky) {
  std::string contents;
  auto sink = std::make_unique<StringSink>(&contents);
  StringSink* sink_ptr = sink.get();
  Writer writer(std::move(sink), 7);
  ASSERT_OK(writer.AddRecord("ok"));
  const uint64_t size = writer.FileSize();
  sink_ptr->fail_appends = true;
  EXPECT_TRUE(writer.AddRecord("lost").IsIOError());
  sink_ptr->fail_appends = false;
  EXPECT_TRUE(writer.AddRecord("after").IsIOError());
  EXPECT_TRUE(writer.Sync().IsIOError());
  EXPECT_TRUE(writer.Flush().IsIOError());
  EXPECT_TRUE(writer.Close().IsIOError());
  EXPECT_EQ(0, sink_ptr->syncs);
  EXPECT_EQ(size, writer.FileSize());
}

TEST(LogWriter, ContinuesAnExistingLog) {
  // Reopening after every possible number of records, at odd block offsets.
  Random64 rnd(14);
  std::vector<std::string> records;
  for (int i = 0; i < 12; ++i) {
    records.push_back(
        ::o3lsm::test::RandomBytes(&rnd, rnd.Uniform(20000), false));
  }
  for (size_t split = 0; split <= records.size(); ++split) {
    std::string contents;
    {
      Writer w(std::make_unique<StringSink>(&contents), 9);
      for (size_t i = 0; i < split; ++i) ASSERT_OK(w.AddRecord(records[i]));
    }
    Writer w(std::make_unique<StringSink>(&contents), 9, contents.size());
    for (size_t i = split; i < records.size(); ++i) {
      ASSERT_OK(w.AddRecord(records[i]));
    }
    EXPECT_EQ(contents.size(), w.FileSize());
    test::ReadBack back = ReadLog(contents, 9);
    EXPECT_EQ(records, back.records) << "split " << split;
    EXPECT_EQ(Reader::EndState::kCleanEof, back.end_state);
  }
}

TEST(LogReader, ShortReadsAreNotEndOfFile) {
  Random64 rnd(15);
  std::vector<std::string> records;
  for (int i = 0; i < 300; ++i) {
    const size_t n =
        rnd.OneIn(10) ? rnd.Uniform(2 * kBlockSize) : rnd.Uniform(500);
    records.push_back(::o3lsm::test::RandomBytes(&rnd, n, false));
  }
  test::WrittenLog log = WriteLog(records, 7);
  struct Mode {
    size_t max_chunk;
    bool random;
    bool own_storage;
  };
  for (Mode m :
       {Mode{1, false, false}, Mode{7, false, true}, Mode{1000, true, false},
        Mode{kBlockSize - 1, true, true}, Mode{0, false, true}}) {
    SCOPED_TRACE(m.max_chunk);
    test::ReadBack back =
        ReadLog(std::make_unique<StringSource>(log.contents, m.max_chunk,
                                               m.random, m.own_storage),
                7);
    EXPECT_EQ(records, back.records);
    EXPECT_EQ(Reader::EndState::kCleanEof, back.end_state);
    EXPECT_EQ(log.contents.size(), back.last_good_offset);
  }
}

TEST(LogReader, ReadErrorIsReportedNotTruncated) {
  test::WrittenLog log = WriteLog({"a", "b"}, 7);
  auto source = std::make_unique<StringSource>(log.contents);
  source->fail_reads = true;
  test::ReadBack back = ReadLog(std::move(source), 7, "wal/000007.log");
  EXPECT_TRUE(back.records.empty());
  EXPECT_EQ(Reader::EndState::kIOError, back.end_state);
  EXPECT_TRUE(back.status.IsIOError());
  EXPECT_NE(std::string::npos,
            back.status.ToString().find("wal/000007.log: read at offset 0"))
      << back.status.ToString();
  EXPECT_EQ(0, back.reports);
}

TEST(LogReader, RealFileRoundTrip) {
  ::o3lsm::test::ScratchDir dir("log");
  Env* env = Env::Default();
  const std::string fname = dir.Child("000005.log");
  Random64 rnd(16);
  std::vector<std::string> records;
  {
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(env->NewWritableFile(fname, &file));
    Writer writer(std::move(file), 5);
    for (int i = 0; i < 200; ++i) {
      records.push_back(
          ::o3lsm::test::RandomBytes(&rnd, rnd.Uniform(3000), false));
      ASSERT_OK(writer.AddRecord(records.back()));
    }
    ASSERT_OK(writer.Sync());
    ASSERT_OK(writer.Close());
  }
  std::unique_ptr<SequentialFile> file;
  ASSERT_OK(env->NewSequentialFile(fname, &file));
  test::ReadBack back = ReadLog(std::move(file), 5, fname);
  EXPECT_EQ(records, back.records);
  EXPECT_EQ(Reader::EndState::kCleanEof, back.end_state);
  uint64_t size = 0;
  ASSERT_OK(env->GetFileSize(fname, &size));
  EXPECT_EQ(size, back.last_good_offset);
}

}  // namespace o3lsm::log
