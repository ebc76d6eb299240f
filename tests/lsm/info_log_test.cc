// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The database's LOG: the line format (timestamp, thread, level), the level
// filter, rolling over by size with a bound on old files, and the periodic
// stats dump (which Close stops at once).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "o3lsm/db.h"
#include "o3lsm/env.h"
#include "o3lsm/options.h"

#include "lsm/db/auto_roll_logger.h"
#include "lsm/version/filename.h"
#include "tests/testutil.h"

namespace o3lsm {
namespace {

std::string ReadLog(const std::string& path) {
  std::string data;
  EXPECT_OK(ReadFileToString(Env::Default(), path, &data));
  return data;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Old LOG files of dir (LOG.old.*), LOG itself not counted.
std::vector<std::string> OldLogs(const std::string& dir) {
  std::vector<std::string> children, old;
  EXPECT_OK(Env::Default()->GetChildren(dir, &children));
  for (const std::string& c : children) {
    if (c.rfind("LOG.old", 0) == 0) old.push_back(c);
  }
  return old;
}

const std::regex kLineStart(
    R"(^\d{4}/\d{2}/\d{2}-\d{2}:\d{2}:\d{2}\.\d{6} \d+ \[(DEBUG|INFO|WARN|ERROR|FATAL|HEADER)\] )");

TEST(InfoLog, EveryLineHasTimestampThreadAndLevel) {
  test::ScratchDir dir;
  Options options;
  options.create_if_missing = true;
  {
    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(options, dir.path(), &db));
    ASSERT_OK(db->Put(WriteOptions(), "k", "v"));
    ASSERT_OK(db->Flush(FlushOptions()));
  }
  const std::vector<std::string> lines =
      Lines(ReadLog(InfoLogFileName(dir.path())));
  ASSERT_GE(lines.size(), 3u);  // created, opened, flush, closed
  for (const std::string& line : lines) {
    EXPECT_TRUE(std::regex_search(line, kLineStart)) << line;
  }
  EXPECT_TRUE(std::regex_search(lines.back(), std::regex(R"(\[INFO\] closed)")))
      << lines.back();
}

TEST(InfoLog, LevelFilterDropsLowerLines) {
  test::ScratchDir dir;
  std::shared_ptr<Logger> log;
  ASSERT_OK(AutoRollLogger::Open(Env::Default(), dir.path(), 0, 10,
                                 InfoLogLevel::kWarn, &log));
  LogDebug(log.get(), "debug line %d", 1);
  Log(log.get(), "info line %d", 2);  // the unleveled call is INFO
  LogInfo(log.get(), "info line %d", 3);
  LogWarn(log.get(), "warn line %d", 4);
  Log(InfoLogLevel::kError, log.get(), "error line %d", 5);
  LogHeader(log.get(), "header line %d", 6);  // always written
  const std::string text = ReadLog(InfoLogFileName(dir.path()));
  EXPECT_EQ(std::string::npos, text.find("debug line")) << text;
  EXPECT_EQ(std::string::npos, text.find("info line")) << text;
  EXPECT_NE(std::string::npos, text.find("[WARN] warn line 4")) << text;
  EXPECT_NE(std::string::npos, text.find("[ERROR] error line 5")) << text;
  EXPECT_NE(std::string::npos, text.find("[HEADER] header line 6")) << text;
  log->set_level(InfoLogLevel::kDebug);
  LogDebug(log.get(), "debug line %d", 7);
  EXPECT_NE(std::string::npos,
            ReadLog(InfoLogFileName(dir.path())).find("[DEBUG] debug line 7"));
}

TEST(InfoLog, DatabaseLevelOptionFilters) {
  test::ScratchDir dir;
  Options options;
  options.create_if_missing = true;
  options.info_log_level = InfoLogLevel::kError;
  {
    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(options, dir.path(), &db));
  }
  // "opened" and "closed" are INFO.
  EXPECT_EQ("", ReadLog(InfoLogFileName(dir.path())));
}

TEST(InfoLog, LongLinesAreWrittenWhole) {
  test::ScratchDir dir;
  std::shared_ptr<Logger> log;
  ASSERT_OK(AutoRollLogger::Open(Env::Default(), dir.path(), 0, 10,
                                 InfoLogLevel::kInfo, &log));
  const std::string big(5000, 'x');
  Log(log.get(), "big %s end", big.c_str());
  EXPECT_NE(std::string::npos,
            ReadLog(InfoLogFileName(dir.path())).find(big + " end\n"));
}

TEST(InfoLog, RollsBySizeAndKeepsAtMostKeepLogFileNum) {
  test::ScratchDir dir;
  std::shared_ptr<Logger> log;
  ASSERT_OK(AutoRollLogger::Open(Env::Default(), dir.path(), 1024, 2,
                                 InfoLogLevel::kInfo, &log));
  // Many threads log at once while the LOG rolls under them.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 200; i++) {
        Log(log.get(), "thread %d line %d: some padding to fill the file", t,
            i);
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::vector<std::string> old = OldLogs(dir.path());
  EXPECT_EQ(2u, old.size());
  for (const std::string& name : old) {
    uint64_t number;
    FileType type;
    EXPECT_TRUE(ParseFileName(name, &number, &type)) << name;
    EXPECT_EQ(FileType::kInfoLogFile, type);
    EXPECT_EQ(0u, number) << name;  // not a file number
    EXPECT_TRUE(std::regex_match(name, std::regex(R"(LOG\.old\.\d{16,})")))
        << name;
  }
  uint64_t size = 0;
  ASSERT_OK(Env::Default()->GetFileSize(InfoLogFileName(dir.path()), &size));
  // A fresh LOG: at most the limit plus the lines of writers that raced
  // the roll.
  EXPECT_LT(size, 1024u + 4 * 200);
  for (const std::string& line : Lines(ReadLog(InfoLogFileName(dir.path())))) {
    EXPECT_TRUE(std::regex_search(line, kLineStart)) << line;
  }
}

TEST(InfoLog, OpenArchivesTheLogAndTrimsOldOnes) {
  test::ScratchDir dir;
  Options options;
  options.create_if_missing = true;
  options.keep_log_file_num = 2;
  for (int i = 0; i < 5; i++) {
    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(options, dir.path(), &db));
  }
  EXPECT_EQ(2u, OldLogs(dir.path()).size());
  EXPECT_TRUE(Env::Default()->FileExists(InfoLogFileName(dir.path())));
}

TEST(InfoLog, StatsDumpedPeriodicallyAndCloseIsPrompt) {
  test::ScratchDir dir;
  Options options;
  options.create_if_missing = true;
  options.stats_dump_period_sec = 1;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir.path(), &db));
  ASSERT_OK(db->Put(WriteOptions(), "k", "v"));
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool dumped = false;
  while (!dumped && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    dumped = ReadLog(InfoLogFileName(dir.path())).find("DUMPING STATS") !=
             std::string::npos;
  }
  ASSERT_TRUE(dumped);
  std::string stats;
  ASSERT_TRUE(db->GetProperty("o3lsm.stats", &stats));
  // The dump is the property's text (its first line, at least).
  const std::string first = stats.substr(0, stats.find('\n'));
  EXPECT_NE(std::string::npos, ReadLog(InfoLogFileName(dir.path())).find(first))
      << first;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK(db->Close());
  db.reset();
  // The dumper wakes at once, not at its next period.
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(900));
}

TEST(InfoLog, DefaultPeriodDoesNotDelayClose) {
  test::ScratchDir dir;
  Options options;
  options.create_if_missing = true;  // stats_dump_period_sec: 600
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir.path(), &db));
  const auto start = std::chrono::steady_clock::now();
  db.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace o3lsm
