// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/bench_flags.h"

#include <gtest/gtest.h>
#include <initializer_list>
#include <vector>

#include "tests/testutil.h"

namespace o3lsm::bench {
namespace {

// Parses {"o3lsm-bench", args...} into *flags.
Status Parse(std::initializer_list<const char*> args, BenchFlags* flags,
             bool* help = nullptr) {
  std::vector<const char*> argv = {"o3lsm-bench"};
  argv.insert(argv.end(), args.begin(), args.end());
  bool ignored = false;
  return ParseBenchFlags(static_cast<int>(argv.size()), argv.data(), flags,
                         help != nullptr ? help : &ignored);
}

std::string ParseError(std::initializer_list<const char*> args) {
  BenchFlags flags;
  Status s = Parse(args, &flags);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  return std::string(s.message());
}

TEST(BenchFlags, DefaultsAreDbBenchDefaults) {
  // Values printed by RocksDB 7.8's `db_bench --help`.
  const BenchFlags f;
  EXPECT_EQ(1000000, f.num);
  EXPECT_EQ(-1, f.reads);
  EXPECT_EQ(-1, f.writes);
  EXPECT_EQ(-1, f.deletes);
  EXPECT_EQ(16, f.key_size);
  EXPECT_EQ(100, f.value_size);
  EXPECT_DOUBLE_EQ(0.5, f.compression_ratio);
  EXPECT_EQ(1, f.batch_size);
  EXPECT_EQ(1, f.threads);
  EXPECT_EQ(0, f.duration);
  EXPECT_EQ(0, f.seed);
  EXPECT_EQ("", f.db);
  EXPECT_FALSE(f.use_existing_db);
  EXPECT_FALSE(f.histogram);
  EXPECT_FALSE(f.statistics);
  EXPECT_EQ("snappy", f.compression_type);
  EXPECT_EQ(32767, f.compression_level);
  EXPECT_FALSE(f.disable_wal);
  EXPECT_FALSE(f.sync);
  EXPECT_TRUE(f.verify_checksum);
  EXPECT_EQ(67108864, f.write_buffer_size);
  EXPECT_EQ(2, f.max_write_buffer_number);
  EXPECT_EQ(8388608, f.cache_size);
  EXPECT_EQ(-1, f.bloom_bits);
  EXPECT_EQ(4096, f.block_size);
  EXPECT_EQ(-1, f.open_files);
  EXPECT_EQ(4, f.level0_file_num_compaction_trigger);
  EXPECT_EQ(20, f.level0_slowdown_writes_trigger);
  EXPECT_EQ(36, f.level0_stop_writes_trigger);
  EXPECT_EQ(268435456u, f.max_bytes_for_level_base);
  EXPECT_DOUBLE_EQ(10, f.max_bytes_for_level_multiplier);
  EXPECT_EQ(67108864, f.target_file_size_base);
  EXPECT_EQ(7, f.num_levels);
  EXPECT_EQ(2, f.max_background_jobs);
  EXPECT_EQ(-1, f.max_background_compactions);
  EXPECT_EQ(-1, f.max_background_flushes);
  EXPECT_FALSE(f.disable_auto_compactions);
  EXPECT_EQ(8388608u, f.delayed_write_rate);
  EXPECT_EQ(0, f.seek_nexts);
  EXPECT_EQ(90, f.readwritepercent);
  EXPECT_EQ(0, f.stats_interval_seconds);
  EXPECT_EQ(0, f.report_interval_seconds);
  EXPECT_EQ("report.csv", f.report_file);
  EXPECT_OK(ValidateBenchFlags(f));
}

TEST(BenchFlags, ValueForms) {
  BenchFlags f;
  ASSERT_OK(
      Parse({"--num=5", "-reads=7", "--writes", "9", "--db=/x=y",
             "--compression_ratio=0.25", "--max_bytes_for_level_base=0x10",
             "--benchmarks=fillseq,readrandom[X2]", "--seed=-3"},
            &f));
  EXPECT_EQ(5, f.num);
  EXPECT_EQ(7, f.reads);
  EXPECT_EQ(9, f.writes);
  EXPECT_EQ("/x=y", f.db);  // only the first '=' separates
  EXPECT_DOUBLE_EQ(0.25, f.compression_ratio);
  EXPECT_EQ(16u, f.max_bytes_for_level_base);
  EXPECT_EQ("fillseq,readrandom[X2]", f.benchmarks);
  EXPECT_EQ(-3, f.seed);
}

TEST(BenchFlags, BooleanForms) {
  BenchFlags f;
  ASSERT_OK(Parse({"--histogram"}, &f));
  EXPECT_TRUE(f.histogram);
  ASSERT_OK(Parse({"--nohistogram"}, &f));
  EXPECT_FALSE(f.histogram);
  for (const char* t : {"--histogram=1", "--histogram=true", "--histogram=TRUE",
                        "--histogram=yes", "--histogram=t", "--histogram=y"}) {
    f.histogram = false;
    ASSERT_OK(Parse({t}, &f));
    EXPECT_TRUE(f.histogram) << t;
  }
  for (const char* t : {"--histogram=0", "--histogram=false", "--histogram=no",
                        "--histogram=f", "--histogram=n"}) {
    f.histogram = true;
    ASSERT_OK(Parse({t}, &f));
    EXPECT_FALSE(f.histogram) << t;
  }
  // A boolean never takes the next argument as its value.
  f = BenchFlags();
  Status s = Parse({"--sync", "0"}, &f);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_TRUE(f.sync);
  ASSERT_OK(Parse({"-use_existing_db", "--disable_wal=1", "--noprogress"}, &f));
  EXPECT_TRUE(f.use_existing_db);
  EXPECT_TRUE(f.disable_wal);
  EXPECT_FALSE(f.progress);
}

TEST(BenchFlags, LaterFlagsWin) {
  BenchFlags f;
  ASSERT_OK(Parse({"--num=5", "--num=6"}, &f));
  EXPECT_EQ(6, f.num);
}

TEST(BenchFlags, UnknownFlagIsNamed) {
  EXPECT_EQ("unknown command line flag 'foo'", ParseError({"--foo=1"}));
  EXPECT_EQ("unknown command line flag 'foo'", ParseError({"--foo"}));
  EXPECT_EQ("unknown command line flag 'nofoo'", ParseError({"--nofoo"}));
  EXPECT_EQ("unknown command line flag 'nohistogram'",
            ParseError({"--nohistogram=1"}));
}

TEST(BenchFlags, BadValuesAreNamed) {
  EXPECT_EQ("illegal value 'abc' specified for int64 flag 'num'",
            ParseError({"--num=abc"}));
  EXPECT_EQ("illegal value '' specified for int64 flag 'num'",
            ParseError({"--num="}));
  EXPECT_EQ("illegal value '12x' specified for int64 flag 'num'",
            ParseError({"--num=12x"}));
  EXPECT_EQ("illegal value '99999999999' specified for int32 flag 'threads'",
            ParseError({"--threads=99999999999"}));
  EXPECT_EQ(
      "illegal value '99999999999999999999' specified for int64 flag 'num'",
      ParseError({"--num=99999999999999999999"}));
  EXPECT_EQ(
      "illegal value '-1' specified for uint64 flag "
      "'max_bytes_for_level_base'",
      ParseError({"--max_bytes_for_level_base=-1"}));
  EXPECT_EQ("illegal value 'maybe' specified for bool flag 'histogram'",
            ParseError({"--histogram=maybe"}));
  EXPECT_EQ("illegal value 'nan' specified for double flag 'compression_ratio'",
            ParseError({"--compression_ratio=nan"}));
  EXPECT_EQ("illegal value ' 5' specified for int64 flag 'num'",
            ParseError({"--num= 5"}));
}

TEST(BenchFlags, MissingArgumentAndMisplacedNo) {
  EXPECT_EQ(0u,
            ParseError({"--num"}).find("flag '--num' is missing its argument"));
  EXPECT_EQ("boolean value (nonum) specified for int64 command line flag",
            ParseError({"--nonum"}));
  EXPECT_EQ("unexpected argument 'extra'", ParseError({"extra"}));
  EXPECT_EQ("unexpected argument 'x'", ParseError({"--", "x"}));
  EXPECT_EQ("unexpected argument '-'", ParseError({"-"}));
}

TEST(BenchFlags, HelpStopsParsingAndListsEveryFlag) {
  BenchFlags f;
  bool help = false;
  ASSERT_OK(Parse({"--help", "--bogus"}, &f, &help));
  EXPECT_TRUE(help);
  const std::string text = BenchFlagsHelp();
  EXPECT_NE(std::string::npos, text.find("--num (Number of key/values"));
  EXPECT_NE(std::string::npos, text.find("type: int64 default: 1000000"));
  EXPECT_NE(std::string::npos,
            text.find("--compression_type (Algorithm to use to compress"));
  EXPECT_NE(std::string::npos, text.find("default: \"snappy\""));
  for (const auto& [name, value] : BenchFlagValues(BenchFlags())) {
    EXPECT_NE(std::string::npos, text.find("--" + name + " (")) << name;
  }
}

TEST(BenchFlags, ValidationRejectsNonsense) {
  auto invalid = [](auto mutate) {
    BenchFlags f;
    mutate(&f);
    return ValidateBenchFlags(f).IsInvalidArgument();
  };
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->threads = 0; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->key_size = 0; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->compression_ratio = 1.5; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->compression_ratio = 0; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->batch_size = 0; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->readwritepercent = 101; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->num = -1; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->ycsb_insertorder = "random"; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->ycsb_zipfian_constant = 1; }));
  EXPECT_FALSE(invalid([](BenchFlags* f) { f->verify_checksum = false; }));
}

TEST(BenchmarkList, NamesRepeatsAndWarmups) {
  std::vector<BenchmarkSpec> specs;
  ASSERT_OK(
      ParseBenchmarkList("fillseq,,readrandom[X3-W1],seekrandom[W2]", &specs));
  ASSERT_EQ(3u, specs.size());
  EXPECT_EQ("fillseq", specs[0].name);
  EXPECT_EQ(1, specs[0].repeat);
  EXPECT_EQ(0, specs[0].warmup);
  EXPECT_EQ("readrandom", specs[1].name);
  EXPECT_EQ(3, specs[1].repeat);
  EXPECT_EQ(1, specs[1].warmup);
  EXPECT_EQ("seekrandom", specs[2].name);
  EXPECT_EQ(1, specs[2].repeat);
  EXPECT_EQ(2, specs[2].warmup);
  ASSERT_OK(ParseBenchmarkList("", &specs));
  EXPECT_TRUE(specs.empty());
}

TEST(BenchmarkList, MalformedSuffixes) {
  std::vector<BenchmarkSpec> specs;
  EXPECT_TRUE(ParseBenchmarkList("readrandom]", &specs).IsInvalidArgument());
  EXPECT_TRUE(ParseBenchmarkList("readrandom[Y2]", &specs).IsInvalidArgument());
  EXPECT_TRUE(ParseBenchmarkList("readrandom[X0]", &specs).IsInvalidArgument());
  EXPECT_TRUE(ParseBenchmarkList("readrandom[Xa]", &specs).IsInvalidArgument());
}

}  // namespace
}  // namespace o3lsm::bench
