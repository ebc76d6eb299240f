// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Runs the built o3lsm-bench binary (O3LSM_BENCH_BIN, set by CMake) on tiny
// databases and checks its output, exit status and JSON.

#include <cstdio>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "tests/testutil.h"

namespace o3lsm::bench {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

RunResult RunBench(const std::string& args) {
  RunResult r;
  const std::string cmd = std::string(O3LSM_BENCH_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The report line of benchmark name in out, checked against db_bench's
// layout by printing the parsed figures back with its format string.
// Returns the text after "operations;" (MB/s and message), or "<missing>".
std::string ReportTail(const std::string& out, const std::string& name,
                       uint64_t expected_ops) {
  char prefix[64];
  snprintf(prefix, sizeof(prefix), "\n%-12s : ", name.c_str());
  const size_t at = out.find(prefix);
  if (at == std::string::npos) return "<missing>";
  const size_t eol = out.find('\n', at + 1);
  const std::string line = out.substr(at + 1, eol - at - 1);
  double micros = 0, secs = 0;
  long ops_sec = 0;
  unsigned long long ops = 0;
  int used = 0;
  if (sscanf(line.c_str() + strlen(prefix) - 1,
             "%lf micros/op %ld ops/sec %lf seconds %llu operations;%n",
             &micros, &ops_sec, &secs, &ops, &used) != 4) {
    return "<unparsable: " + line + ">";
  }
  char again[256];
  snprintf(again, sizeof(again),
           "%-12s : %11.3f micros/op %ld ops/sec %.3f seconds %llu operations;",
           name.c_str(), micros, ops_sec, secs, ops);
  const std::string head = line.substr(0, strlen(prefix) - 1 + used);
  if (head != again) return "<layout: " + line + ">";
  if (ops != expected_ops || micros <= 0 || ops_sec <= 0) {
    return "<figures: " + line + ">";
  }
  return out.substr(at + 1 + head.size(), eol - at - 1 - head.size() + 1);
}

bool IsMbPerSec(const std::string& tail, size_t* end) {
  // " %6.1f MB/s"
  double mb = 0;
  int used = 0;
  if (sscanf(tail.c_str(), " %lf MB/s%n", &mb, &used) != 1 || mb <= 0) {
    return false;
  }
  *end = static_cast<size_t>(used);
  return tail.compare(0, 1, " ") == 0;
}

bool HavePython() {
  return std::system("python3 -c 'pass' >/dev/null 2>&1") == 0;
}

TEST(BenchBinary, FillReadSeekWithJson) {
  test::ScratchDir dir;
  const std::string json = dir.Child("run.json");
  const RunResult r = RunBench(
      "--benchmarks=fillrandom,readrandom,seekrandom --num=2000 --seed=1 "
      "--compression_type=none --histogram=1 --db=" +
      dir.Child("db") + " --json=" + json);
  ASSERT_EQ(0, r.exit_code) << r.out;

  for (const char* header :
       {"\nKeys:       16 bytes each (+ 0 bytes user-defined timestamp)\n",
        "\nValues:     100 bytes each (50 bytes after compression)\n",
        "\nEntries:    2000\n", "\nRawSize:    0.2 MB (estimated)\n",
        "\nFileSize:   0.1 MB (estimated)\n",
        "\nCompression: NoCompression\n"}) {
    EXPECT_NE(std::string::npos, r.out.find(header)) << header << r.out;
  }
  std::string tail = ReportTail(r.out, "fillrandom", 2000);
  size_t end = 0;
  ASSERT_TRUE(IsMbPerSec(tail, &end)) << tail << r.out;
  EXPECT_EQ("\n", tail.substr(end));

  tail = ReportTail(r.out, "readrandom", 2000);
  ASSERT_TRUE(IsMbPerSec(tail, &end)) << tail << r.out;
  int found = 0;
  ASSERT_EQ(1, sscanf(tail.c_str() + end, " (%d of 2000 found)", &found))
      << tail;
  // The message ends in a newline, so an empty line follows (db_bench's).
  EXPECT_NE(std::string::npos,
            r.out.find(" found)\n\nMicroseconds per read:\n"));
  // fillrandom writes 2000 uniform keys with repeats: ~63% of them exist.
  EXPECT_GT(found, 1100);
  EXPECT_LT(found, 1450);

  tail = ReportTail(r.out, "seekrandom", 2000);
  int seek_found = -1;
  ASSERT_EQ(1, sscanf(tail.c_str(), " (%d of 2000 found)", &seek_found))
      << tail;
  EXPECT_GE(seek_found, found - 100);
  EXPECT_NE(std::string::npos,
            r.out.find(" found)\n\nMicroseconds per seek:\n"));

  EXPECT_NE(std::string::npos,
            r.out.find("\nMicroseconds per seek:\nCount: 2000"));
  const size_t pct = r.out.find("\nPercentiles: P50: ");
  ASSERT_NE(std::string::npos, pct);
  double p[5];
  EXPECT_EQ(5, sscanf(r.out.c_str() + pct,
                      "\nPercentiles: P50: %lf P75: %lf P99: %lf P99.9: %lf "
                      "P99.99: %lf\n",
                      &p[0], &p[1], &p[2], &p[3], &p[4]));
  for (int i = 1; i < 5; i++) EXPECT_LE(p[i - 1], p[i]);

  const std::string text = ReadFile(json);
  ASSERT_FALSE(text.empty());
  EXPECT_NE(std::string::npos, text.find("\"name\": \"seekrandom\""));
  EXPECT_NE(std::string::npos,
            text.find("\"found\": " + std::to_string(found)));
  EXPECT_NE(std::string::npos, text.find("\"peak_rss_kib\""));
  if (HavePython()) {
    const std::string check =
        "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
        "b=d[\"benchmarks\"]; assert [x[\"name\"] for x in b]==[\"fillrandom\","
        "\"readrandom\",\"seekrandom\"]; assert all(x[\"ops\"]==2000 and "
        "x[\"ops_per_sec\"]>0 for x in b); assert "
        "b[1][\"latency_us\"][\"read\"]"
        "[\"count\"]==2000' " +
        json;
    EXPECT_EQ(0, std::system(check.c_str())) << text;
  } else {
    GTEST_LOG_(INFO) << "python3 not found: JSON syntax not validated";
  }
}

TEST(BenchBinary, YcsbLoadAndRun) {
  test::ScratchDir dir;
  const RunResult r = RunBench(
      "--benchmarks=ycsbload,ycsba,ycsbd,ycsbe --num=1000 --reads=500 "
      "--seed=3 --compression_type=none --db=" +
      dir.Child("db"));
  ASSERT_EQ(0, r.exit_code) << r.out;
  const std::string a = ReportTail(r.out, "ycsba", 500);
  EXPECT_NE(std::string::npos,
            a.find(" (reads:250 updates:250 found:250 of 250)\n"))
      << a;
  const std::string e = ReportTail(r.out, "ycsbe", 500);
  EXPECT_NE(std::string::npos, e.find(" (inserts:25 scans:475 scanned:")) << e;
  // 25 inserts by ycsbd, visible to ycsbe: 1000 + 25 records.
  const std::string d = ReportTail(r.out, "ycsbd", 500);
  EXPECT_NE(std::string::npos,
            d.find("(reads:475 inserts:25 found:475 of 475)"))
      << d;
}

TEST(BenchBinary, BadCommandLinesFailClearly) {
  RunResult r = RunBench("--no_such_flag=1");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos,
            r.out.find("ERROR: unknown command line flag 'no_such_flag'"));
  r = RunBench("--num=abc");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(
      std::string::npos,
      r.out.find("ERROR: illegal value 'abc' specified for int64 flag 'num'"));
  r = RunBench("--benchmarks=mixgraph --num=10 --db=/nonexistent/x");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("unknown benchmark 'mixgraph'"));
  r = RunBench("--help");
  EXPECT_EQ(0, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("--seek_nexts ("));
}

TEST(BenchBinary, UseExistingDbSkipsFreshBenchmarks) {
  test::ScratchDir dir;
  const std::string db = " --db=" + dir.Child("db");
  ASSERT_EQ(0, RunBench("--benchmarks=fillseq --num=100" + db).exit_code);
  const RunResult r =
      RunBench("--benchmarks=fillseq,readseq --num=100 --use_existing_db" + db);
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(
      std::string::npos,
      r.out.find("\nfillseq      : skipped (--use_existing_db is true)\n"));
  const std::string tail = ReportTail(r.out, "readseq", 100);
  size_t end = 0;
  EXPECT_TRUE(IsMbPerSec(tail, &end)) << tail;
  // Opening a database that does not exist fails cleanly.
  const RunResult missing = RunBench(
      "--benchmarks=readseq --use_existing_db --db=" + dir.Child("nothing"));
  EXPECT_EQ(1, missing.exit_code);
  EXPECT_NE(std::string::npos, missing.out.find("open error")) << missing.out;
}

}  // namespace
}  // namespace o3lsm::bench
