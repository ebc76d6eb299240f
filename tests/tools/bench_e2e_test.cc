// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Runs the built o3lsm-bench binary (O3LSM_BENCH_BIN, set by CMake) on tiny
// databases and checks its output, exit status and JSON.

#include <cstdio>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <regex>
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

// --statistics prints the database's tickers and histograms as db_bench
// does, with the counts of the run: RocksDB's result parsers read these.
TEST(BenchBinary, StatisticsPrintsRocksDbCounters) {
  test::ScratchDir dir;
  const RunResult r = RunBench(
      "--benchmarks=fillrandom,readrandom --num=3000 --seed=1 --threads=1 "
      "--compression_type=none --statistics=1 --db=" + dir.Child("db"));
  ASSERT_EQ(0, r.exit_code) << r.out;
  const size_t at = r.out.find("STATISTICS:\n");
  ASSERT_NE(std::string::npos, at) << r.out;
  const std::string stats = r.out.substr(at);
  EXPECT_NE(std::string::npos,
            stats.find("rocksdb.number.keys.written COUNT : 3000\n"))
      << stats;
  EXPECT_NE(std::string::npos,
            stats.find("rocksdb.number.keys.read COUNT : 3000\n"))
      << stats;
  const std::regex histogram(
      R"(\nrocksdb\.db\.get\.micros P50 : [0-9.]+ P95 : [0-9.]+ P99 : [0-9.]+ P100 : [0-9.]+ COUNT : 3000 SUM : [0-9]+\n)");
  EXPECT_TRUE(std::regex_search(stats, histogram)) << stats;
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
  r = RunBench("--benchmarks=nosuchbench --num=10 --db=/nonexistent/x");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("unknown benchmark 'nosuchbench'"));
  r = RunBench(
      "--benchmarks=fillseq --num=10 --compression_type=foo "
      "--db=/nonexistent/x");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos,
            r.out.find("Cannot parse compression type 'foo'"))
      << r.out;
  r = RunBench(
      "--benchmarks=fillseq --num=10 --offload=bogus "
      "--db=/nonexistent/x");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos,
            r.out.find("--offload: offload: unknown layer 'bogus'"))
      << r.out;
  // An ignored db_bench flag still needs a value of its type.
  r = RunBench("--bytes_per_sync=lots");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos,
            r.out.find("ERROR: illegal value 'lots' specified for uint64 flag "
                       "'bytes_per_sync'"));
  r = RunBench("--help");
  EXPECT_EQ(0, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("--seek_nexts ("));
}

// The seconds of benchmark name's report line, or -1.
double ReportSeconds(const std::string& out, const std::string& name) {
  char prefix[64];
  snprintf(prefix, sizeof(prefix), "\n%-12s : ", name.c_str());
  const size_t at = out.find(prefix);
  if (at == std::string::npos) return -1;
  double micros = 0, secs = -1;
  long ops_sec = 0;
  if (sscanf(out.c_str() + at + strlen(prefix),
             "%lf micros/op %ld ops/sec %lf seconds", &micros, &ops_sec,
             &secs) != 3) {
    return -1;
  }
  return secs;
}

// tools/benchmark.sh's bulkload and readrandom, as it builds their command
// lines (const_params plus each test's own), on a tiny database.
TEST(BenchBinary, BenchmarkShCommandLinesRun) {
  test::ScratchDir dir;
  const std::string common =
      " --db=" + dir.Child("db") + " --report_file=" + dir.Child("r.csv") +
      " --num=2000 --key_size=20 --value_size=400 --block_size=8192"
      " --cache_size=1048576 --cache_numshardbits=6"
      " --compression_max_dict_bytes=0 --compression_ratio=0.5"
      " --compression_type=none --bytes_per_sync=8388608"
      " --cache_index_and_filter_blocks=1 --cache_high_pri_pool_ratio=0.5"
      " --benchmark_write_rate_limit=0 --write_buffer_size=1048576"
      " --target_file_size_base=1048576 --max_bytes_for_level_base=4194304"
      " --verify_checksum=1 --delete_obsolete_files_period_micros=62914560"
      " --max_bytes_for_level_multiplier=8 --statistics=0"
      " --stats_per_interval=1 --stats_interval_seconds=60"
      " --report_interval_seconds=1 --histogram=1 --memtablerep=skip_list"
      " --bloom_bits=10 --open_files=-1 --subcompactions=1"
      " --compaction_style=0 --num_levels=8 --min_level_to_compress=-1"
      " --level_compaction_dynamic_level_bytes=true"
      " --pin_l0_filter_and_index_blocks_in_cache=1"
      " --level0_file_num_compaction_trigger=4"
      " --level0_stop_writes_trigger=20 --level0_slowdown_writes_trigger=12"
      " --max_background_jobs=2 --max_write_buffer_number=8"
      " --use_direct_io_for_flush_and_compaction=0 --use_direct_reads=0"
      " --seed=1";
  RunResult r = RunBench(
      "--benchmarks=fillrandom --use_existing_db=0 --disable_auto_compactions=1"
      " --sync=0 --threads=1 --memtablerep=vector"
      " --allow_concurrent_memtable_write=false --disable_wal=1" +
      common);
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos,
            r.out.find("o3lsm-bench: warning: ignoring db_bench flags with no "
                       "meaning here: --bytes_per_sync, "
                       "--cache_high_pri_pool_ratio, "
                       "--cache_index_and_filter_blocks, --cache_numshardbits, "
                       "--compaction_style, --compression_max_dict_bytes, "
                       "--delete_obsolete_files_period_micros, "
                       "--level_compaction_dynamic_level_bytes, "
                       "--memtablerep, --min_level_to_compress, "
                       "--pin_l0_filter_and_index_blocks_in_cache, "
                       "--stats_per_interval, "
                       "--use_direct_io_for_flush_and_compaction, "
                       "--use_direct_reads\n"))
      << r.out;
  EXPECT_NE("<missing>", ReportTail(r.out, "fillrandom", 2000)) << r.out;

  r = RunBench(
      "--benchmarks=readrandom --use_existing_db=1 --threads=2"
      " --reads=500" +
      common);
  ASSERT_EQ(0, r.exit_code) << r.out;
  // Two threads of 500 reads each.
  const std::string tail = ReportTail(r.out, "readrandom", 1000);
  EXPECT_NE(std::string::npos, tail.find(" of 1000 found)")) << r.out;
}

TEST(BenchBinary, FlagfileSetsFlags) {
  test::ScratchDir dir;
  const std::string flagfile = dir.Child("flags");
  {
    std::ofstream f(flagfile);
    f << "--benchmarks=fillseq\n--num=300\n--compression_type=none\n"
      << "--db=" << dir.Child("db") << "\n--wal_bytes_per_sync=1\n";
  }
  const RunResult r = RunBench("--flagfile=" + flagfile + " --seed=1");
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE("<missing>", ReportTail(r.out, "fillseq", 300)) << r.out;
  EXPECT_NE(std::string::npos,
            r.out.find("meaning here: --wal_bytes_per_sync\n"))
      << r.out;
}

TEST(BenchBinary, WriteAndMixedWorkloadsReportOps) {
  test::ScratchDir dir;
  const RunResult r = RunBench(
      "--benchmarks=fillseq,overwrite,updaterandom,readwhilewriting,"
      "seekrandomwhilewriting,mixgraph --num=500 --seed=2 --seek_nexts=3"
      " --compression_type=none --mix_get_ratio=0.5 --mix_put_ratio=0.3"
      " --mix_seek_ratio=0.2 --key_dist_a=0.002312 --key_dist_b=0.3467"
      " --keyrange_num=4 --keyrange_dist_a=14.18 --keyrange_dist_b=-2.917"
      " --keyrange_dist_c=0.0164 --keyrange_dist_d=-0.08082"
      " --value_k=0.2615 --value_sigma=25.45 --iter_k=2.517"
      " --iter_sigma=14.236 --mix_max_scan_len=20 --sine_mix_rate"
      " --sine_a=1000 --sine_b=0.1 --sine_d=1000000"
      " --sine_mix_rate_interval_milliseconds=100 --db=" +
      dir.Child("db"));
  ASSERT_EQ(0, r.exit_code) << r.out;
  for (const char* name :
       {"fillseq", "overwrite", "updaterandom", "readwhilewriting",
        "seekrandomwhilewriting", "mixgraph"}) {
    const std::string tail = ReportTail(r.out, name, 500);
    EXPECT_EQ(std::string::npos, tail.find("<")) << name << ": " << tail;
  }
  EXPECT_NE(
      std::string::npos,
      ReportTail(r.out, "updaterandom", 500).find("( updates:500 found:500)"));
  // fillseq wrote every key, so the readers find all of them.
  EXPECT_NE(
      std::string::npos,
      ReportTail(r.out, "readwhilewriting", 500).find("(500 of 500 found)"));
  EXPECT_NE(std::string::npos, ReportTail(r.out, "seekrandomwhilewriting", 500)
                                   .find("(500 of 500 found)"));
  const std::string mix = ReportTail(r.out, "mixgraph", 500);
  int gets = 0, puts = 0, seeks = 0, found = 0, of = 0;
  const size_t counts = mix.find("( Gets:");
  ASSERT_NE(std::string::npos, counts) << mix;
  ASSERT_EQ(5, sscanf(mix.c_str() + counts,
                      "( Gets:%d Puts:%d Seek:%d, reads %d in %d found", &gets,
                      &puts, &seeks, &found, &of))
      << mix;
  EXPECT_EQ(500, gets + puts + seeks);
  EXPECT_EQ(gets, of);
  EXPECT_EQ(gets, found);  // every key exists
  EXPECT_GT(puts, 0);
  EXPECT_GT(seeks, 0);
}

TEST(BenchBinary, WriteRateLimitPacesWriters) {
  test::ScratchDir dir;
  // 300 writes of 16 + 100 bytes at 116 * 300 / 0.6 bytes/s: 0.6 s at
  // least, where unpaced they take a few milliseconds.
  const RunResult r = RunBench(
      "--benchmarks=fillrandom --num=300 --threads=2 --writes=150 --seed=1"
      " --compression_type=none --benchmark_write_rate_limit=58000 --db=" +
      dir.Child("db"));
  ASSERT_EQ(0, r.exit_code) << r.out;
  const double seconds = ReportSeconds(r.out, "fillrandom");
  EXPECT_GE(seconds, 0.5) << r.out;
  EXPECT_LT(seconds, 5.0) << r.out;
}

// The writes of the mixed workloads share the write limit too.
TEST(BenchBinary, WriteRateLimitPacesTheWritesOfMixedWorkloads) {
  test::ScratchDir dir;
  // updaterandom: 2 x 150 updates of 16 + 100 bytes at 58000 bytes/s:
  // 0.6 s at least.
  RunResult r = RunBench(
      "--benchmarks=fillseq,updaterandom --num=300 --reads=150 --threads=2"
      " --seed=1 --compression_type=none --benchmark_write_rate_limit=58000"
      " --db=" +
      dir.Child("db"));
  ASSERT_EQ(0, r.exit_code) << r.out;
  double seconds = ReportSeconds(r.out, "updaterandom");
  EXPECT_GE(seconds, 0.5) << r.out;
  EXPECT_LT(seconds, 5.0) << r.out;
  // mixgraph, puts only: 300 puts of 16-byte keys and values of at most 16
  // bytes at 8000 bytes/s: at least 0.6 s (keys alone), at most 1.2 s.
  r = RunBench(
      "--benchmarks=mixgraph --num=300 --reads=150 --threads=2 --seed=1"
      " --compression_type=none --mix_get_ratio=0 --mix_put_ratio=1"
      " --mix_seek_ratio=0 --mix_max_value_size=16"
      " --benchmark_write_rate_limit=8000 --db=" +
      dir.Child("db2"));
  ASSERT_EQ(0, r.exit_code) << r.out;
  seconds = ReportSeconds(r.out, "mixgraph");
  EXPECT_GE(seconds, 0.5) << r.out;
  EXPECT_LT(seconds, 5.0) << r.out;
}

TEST(BenchBinary, ReadRateLimitPacesReaders) {
  test::ScratchDir dir;
  // 2 x 150 reads at 500 reads/s: 0.6 s at least.
  const RunResult r = RunBench(
      "--benchmarks=fillseq,readrandom --num=300 --reads=150 --threads=2"
      " --seed=1 --compression_type=none --benchmark_read_rate_limit=500"
      " --db=" +
      dir.Child("db"));
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_LT(ReportSeconds(r.out, "fillseq"), 0.5) << r.out;  // not paced
  const double seconds = ReportSeconds(r.out, "readrandom");
  EXPECT_GE(seconds, 0.5) << r.out;
  EXPECT_LT(seconds, 5.0) << r.out;
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
