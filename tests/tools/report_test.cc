// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include <gtest/gtest.h>
#include <thread>

#include "tests/testutil.h"
#include "tools/bench/bench_report.h"
#include "tools/bench/bench_stats.h"
#include "tools/bench/benchmark_registry.h"
#include "tools/bench/json_writer.h"
#include "tools/bench/key_generator.h"
#include "tools/bench/progress_monitor.h"
#include "tools/bench/workloads.h"

namespace o3lsm::bench {
namespace {

BenchResult Result(const char* name, uint64_t done, double seconds,
                   uint64_t bytes) {
  BenchResult r;
  r.name = name;
  r.threads = 1;
  r.done = done;
  r.bytes = bytes;
  r.start_nanos = 1000;
  r.finish_nanos = 1000 + static_cast<uint64_t>(seconds * 1e9);
  r.thread_seconds = seconds;
  return r;
}

TEST(ReportLine, IsDbBenchsLine) {
  // The line of the issue: 2000000 writes in 10.352 s, 21.4 MB/s.
  BenchResult r = Result("fillrandom", 2000000, 10.352, 232000000);
  EXPECT_EQ(
      "fillrandom   :       5.176 micros/op 193199 ops/sec 10.352 seconds "
      "2000000 operations;   21.4 MB/s\n",
      FormatReportLine(r));

  r = Result("readrandom", 2000000, 13.198, 140000000);
  r.counters = {{"found", 1263399}, {"reads", 2000000}};
  r.message = BenchmarkMessage(*FindBenchmark("readrandom"), r, 2000000);
  EXPECT_EQ(
      "readrandom   :       6.599 micros/op 151538 ops/sec 13.198 seconds "
      "2000000 operations;   10.1 MB/s (1263399 of 2000000 found)\n\n",
      FormatReportLine(r));

  r = Result("deleterandom", 4000, 0.015, 0);
  EXPECT_EQ(
      "deleterandom :       3.750 micros/op 266666 ops/sec 0.015 seconds "
      "4000 operations;\n",
      FormatReportLine(r));

  // A benchmark that counts no operation reports one, as db_bench does.
  r = Result("compact", 0, 0.0562, 0);
  EXPECT_EQ(
      "compact      :   56200.000 micros/op 17 ops/sec 0.056 seconds 1 "
      "operations;\n",
      FormatReportLine(r));
}

TEST(ReportLine, ThreadsAddTimeButShareTheClock) {
  // Two threads of 1 s each, overlapping: micros/op uses the summed thread
  // time, ops/sec the wall time from first start to last finish.
  ThreadStats a, b;
  BenchResult r;
  r.name = "x";
  MergeThreadStats(a, &r);
  MergeThreadStats(b, &r);
  EXPECT_EQ(2, r.threads);
  r.start_nanos = 0;
  r.finish_nanos = 1000000000;
  r.thread_seconds = 2;
  r.done = 1000;
  EXPECT_DOUBLE_EQ(2000, r.micros_per_op());
  EXPECT_DOUBLE_EQ(1000, r.ops_per_second());
}

TEST(ThreadStats, CountsHistogramsAndExclusion) {
  ThreadStats t;
  t.Start();
  t.FinishedOps(1, OpType::kRead);
  t.FinishedOps(10, OpType::kWrite);
  t.AddBytes(5);
  t.AddCounter("found", 2);
  t.AddCounter("found", 1);
  t.Stop();
  EXPECT_EQ(11u, t.done());
  EXPECT_EQ(11u, t.published_done());
  BenchResult r;
  MergeThreadStats(t, &r);
  EXPECT_EQ(11u, r.done);
  EXPECT_EQ(5u, r.bytes);
  EXPECT_EQ(3, r.counter("found"));
  EXPECT_EQ(1u, r.hist[static_cast<int>(OpType::kRead)].count());
  EXPECT_EQ(1u, r.hist[static_cast<int>(OpType::kWrite)].count());
  const std::string h = FormatHistograms(r);
  EXPECT_EQ(0u, h.find("Microseconds per read:\nCount: 1 "));
  EXPECT_NE(std::string::npos, h.find("\nMicroseconds per write:\nCount: 1 "));

  ThreadStats writer;
  writer.FinishedOps(100, OpType::kWrite);
  writer.ExcludeFromMerge();
  MergeThreadStats(writer, &r);
  EXPECT_EQ(11u, r.done);
  EXPECT_EQ(1, r.threads);
}

TEST(Messages, FollowDbBench) {
  BenchResult r;
  r.counters = {{"reads", 18}, {"writes", 2}, {"found", 7}, {"updates", 20}};
  EXPECT_EQ("( reads:18 writes:2 total:20 found:7)",
            BenchmarkMessage(*FindBenchmark("readrandomwriterandom"), r, 100));
  EXPECT_EQ("( updates:20 found:7)",
            BenchmarkMessage(*FindBenchmark("updaterandom"), r, 100));
  EXPECT_EQ("(2 ops)", BenchmarkMessage(*FindBenchmark("fillsync"), r, 2));
  EXPECT_EQ("", BenchmarkMessage(*FindBenchmark("fillrandom"), r, 100));
  EXPECT_EQ("(7 of 18 found)\n",
            BenchmarkMessage(*FindBenchmark("seekrandom"), r, 100));
  r.counters = {{"reads", 5}, {"updates", 5}, {"found", 4}, {"lookups", 5}};
  EXPECT_EQ("(reads:5 updates:5 found:4 of 5)",
            BenchmarkMessage(*FindBenchmark("ycsba"), r, 100));
  r.counters = {{"gets", 6},  {"puts", 4},    {"seeks", 2},
                {"found", 5}, {"scanned", 7}, {"value_bytes", 100}};
  EXPECT_EQ(
      "( Gets:6 Puts:4 Seek:2, reads 5 in 6 found, avg size: 25.0 value, "
      "3.5 scan)\n",
      BenchmarkMessage(*FindBenchmark("mixgraph"), r, 100));
  EXPECT_EQ(nullptr, FindBenchmark("nosuchbench"));
}

TEST(RepeatSummary, AveragesAndMedians) {
  std::vector<BenchResult> runs = {Result("fillseq", 1000, 1.0, 1048576),
                                   Result("fillseq", 3000, 1.0, 3145728)};
  EXPECT_EQ("", FormatRepeatSummary("fillseq", {runs[0]}, false));
  EXPECT_EQ(
      "fillseq [AVG 2 runs] : 2000 (\xC2\xB1 1959) ops/sec;    2.0 (\xC2\xB1 "
      "2.0) MB/sec\n",
      FormatRepeatSummary("fillseq", runs, false));
  EXPECT_EQ(
      "fillseq [AVG    2 runs] : 2000 (\xC2\xB1 1959) ops/sec;    2.0 "
      "(\xC2\xB1 2.0) MB/sec\nfillseq [MEDIAN 2 runs] : 2000 ops/sec;    2.0 "
      "MB/sec\n\n",
      FormatRepeatSummary("fillseq", runs, true));
}

TEST(JsonWriter, EscapesAndNests) {
  JsonWriter w;
  w.BeginObject();
  w.Key("s");
  w.String("a\"b\\c\n\x01");
  w.Key("list");
  w.BeginArray();
  w.Int(-1);
  w.Uint(2);
  w.Double(0.5);
  w.Double(std::numeric_limits<double>::infinity());
  w.Bool(true);
  w.Null();
  w.BeginObject();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(
      "{\n  \"s\": \"a\\\"b\\\\c\\n\\u0001\",\n  \"list\": [\n    -1,\n    2,\n"
      "    0.5,\n    null,\n    true,\n    null,\n    {}\n  ]\n}\n",
      w.str());
}

TEST(JsonReport, HasEveryFigure) {
  BenchFlags flags;
  RunInfo info;
  info.flags = &flags;
  info.version = "0.1.0";
  info.seed = 5;
  BenchRecord rec;
  rec.result = Result("readrandom", 10, 1.0, 100);
  rec.result.counters = {{"found", 6}, {"reads", 10}};
  rec.result.message = "(6 of 10 found)\n";
  rec.result.hist[0].Add(1500);
  const std::string j = BuildJsonReport(info, {rec});
  for (const char* field :
       {"\"ops_per_sec\": 10", "\"micros_per_op\": 100000", "\"mb_per_sec\"",
        "\"seconds\": 1", "\"found\": 6", "\"message\": \"(6 of 10 found)\"",
        "\"p99_99\"", "\"peak_rss_kib\"", "\"cpu_user_seconds\"",
        "\"wall_seconds\"", "\"num\": \"1000000\"", "\"latency_us\""}) {
    EXPECT_NE(std::string::npos, j.find(field)) << field << "\n" << j;
  }
}

TEST(ProgressLine, ShowsRateShareAndEta) {
  EXPECT_EQ("fillrandom   500 ops  100 ops/s  50% ETA 5s",
            FormatProgressLine("fillrandom", 500, 100, 5, 1000, 0));
  EXPECT_EQ("readrandom   10 ops  2 ops/s  25% ETA 30s",
            FormatProgressLine("readrandom", 10, 2, 10, 0, 40));
  EXPECT_EQ("x            7 ops  0 ops/s",
            FormatProgressLine("x", 7, 0, 1, 0, 0));
  EXPECT_EQ("x            1 ops  1 ops/s  0% ETA 2h46m",
            FormatProgressLine("x", 1, 1, 1, 10001, 0));
}

TEST(OpBudget, CountsOrTimes) {
  OpBudget ops(0, 10);
  int n = 0;
  while (!ops.Done(3)) n++;
  EXPECT_EQ(3, n);  // 3, 6, 9; 12 > 10
  OpBudget timed(1, 0);
  const uint64_t start = NowNanos();
  int64_t loops = 0;
  while (!timed.Done(1)) loops++;
  const double secs = static_cast<double>(NowNanos() - start) * 1e-9;
  EXPECT_GE(secs, 0.99);
  EXPECT_LT(secs, 3.0);
  EXPECT_GT(loops, 1000);
}

// The measuring harness must be far faster than any engine operation:
// key generation, a random number and a histogram sample (one clock read)
// per operation.
TEST(Overhead, HarnessDoesFiveMillionOpsPerSecond) {
  ThreadStats stats;
  KeyBuffer key(16);
  Random64 rnd(1);
  uint64_t sink = 0;
  constexpr int kLoops = 3000000;
  const uint64_t start = NowNanos();
  stats.Start();
  for (int i = 0; i < kLoops; i++) {
    const Slice k = key.Make(rnd.Next() % 1000000);
    sink += static_cast<unsigned char>(k[7]);
    stats.FinishedOps(1, OpType::kRead);
  }
  stats.Stop();
  const double rate = kLoops / (static_cast<double>(NowNanos() - start) * 1e-9);
  EXPECT_EQ(static_cast<uint64_t>(kLoops), stats.done());
  EXPECT_NE(1u, sink);  // keep the loop
  RecordProperty("ops_per_second", std::to_string(static_cast<int64_t>(rate)));
  printf("harness: %.1f M ops/s\n", rate / 1e6);
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
  EXPECT_GT(rate, 5e6);
#endif
}

}  // namespace
}  // namespace o3lsm::bench
