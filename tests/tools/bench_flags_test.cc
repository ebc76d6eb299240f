// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/bench_flags.h"

#include <algorithm>
#include <cstdio>
#include <gflags/gflags.h>
#include <gtest/gtest.h>
#include <initializer_list>
#include <vector>

#include "tests/testutil.h"
#include "tools/bench/ignored_flags.h"

namespace o3lsm::bench {
namespace {

// Parses {"o3lsm-bench", args...} into *flags. The gflags values are put
// back afterwards, so every parse starts from the defaults.
Status Parse(std::initializer_list<const char*> args, BenchFlags* flags,
             bool* help = nullptr) {
  gflags::FlagSaver restore_flags;
  std::vector<const char*> argv = {"o3lsm-bench"};
  argv.insert(argv.end(), args.begin(), args.end());
  bool ignored = false;
  return ParseBenchFlags(static_cast<int>(argv.size()), argv.data(), flags,
                         help != nullptr ? help : &ignored);
}

// For the errors gflags reports itself: it prints them and exits with 1.
void ParseOrExit(std::initializer_list<const char*> args) {
  BenchFlags flags;
  Status s = Parse(args, &flags);
  if (!s.ok()) {
    fprintf(stderr, "ERROR: %s\n", std::string(s.message()).c_str());
    exit(1);
  }
  exit(0);
}

#define EXPECT_PARSE_FAILS(regex, ...) \
  EXPECT_EXIT(ParseOrExit({__VA_ARGS__}), testing::ExitedWithCode(1), regex)

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
  EXPECT_EQ(0u, f.benchmark_write_rate_limit);
  EXPECT_EQ(0u, f.benchmark_read_rate_limit);
  EXPECT_DOUBLE_EQ(1.0, f.mixgraph.get_ratio);
  EXPECT_DOUBLE_EQ(0.2615, f.mixgraph.value_k);
  EXPECT_DOUBLE_EQ(14.236, f.mixgraph.iter_sigma);
  EXPECT_EQ(10000u, f.mixgraph.sine_interval_millis);
  EXPECT_OK(ValidateBenchFlags(f));
}

TEST(BenchFlags, ParsedDefaultsMatchTheStruct) {
  // The gflags definitions and BenchFlags' initializers state each default
  // twice; this keeps them equal.
  BenchFlags parsed;
  parsed.num = 5;  // overwritten by the parse
  ASSERT_OK(Parse({}, &parsed));
  EXPECT_EQ(BenchFlagValues(BenchFlags()), BenchFlagValues(parsed));
  EXPECT_TRUE(parsed.ignored_db_bench_flags.empty());
}

TEST(BenchFlags, EveryDefinedFlagReachesTheStruct) {
  // A DEFINE_* in bench_flags.cc without its row in the binding table would
  // parse and then be dropped.
  std::vector<gflags::CommandLineFlagInfo> all;
  gflags::GetAllFlags(&all);
  const auto values = BenchFlagValues(BenchFlags());
  int defined = 0;
  for (const auto& info : all) {
    if (info.filename.find("tools/bench/bench_flags.cc") == std::string::npos) {
      continue;
    }
    defined++;
    EXPECT_TRUE(std::any_of(values.begin(), values.end(), [&](const auto& v) {
      return v.first == info.name;
    })) << info.name;
  }
  EXPECT_EQ(values.size(), static_cast<size_t>(defined));
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
  EXPECT_EQ("unexpected argument '0'", ParseError({"--sync", "0"}));
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

TEST(BenchFlagsDeathTest, UnknownFlagIsNamed) {
  EXPECT_PARSE_FAILS("ERROR: unknown command line flag 'foo'", "--foo=1");
  EXPECT_PARSE_FAILS("ERROR: unknown command line flag 'foo'", "--foo");
  EXPECT_PARSE_FAILS("ERROR: unknown command line flag 'nofoo'", "--nofoo");
}

TEST(BenchFlagsDeathTest, BadValuesAreNamed) {
  EXPECT_PARSE_FAILS("illegal value 'abc' specified for int64 flag 'num'",
                     "--num=abc");
  EXPECT_PARSE_FAILS("illegal value '' specified for int64 flag 'num'",
                     "--num=");
  EXPECT_PARSE_FAILS("illegal value '12x' specified for int64 flag 'num'",
                     "--num=12x");
  EXPECT_PARSE_FAILS(
      "illegal value '99999999999' specified for int32 flag 'threads'",
      "--threads=99999999999");
  EXPECT_PARSE_FAILS(
      "illegal value '99999999999999999999' specified for int64 flag 'num'",
      "--num=99999999999999999999");
  EXPECT_PARSE_FAILS(
      "illegal value '-1' specified for uint64 flag 'max_bytes_for_level_base'",
      "--max_bytes_for_level_base=-1");
  EXPECT_PARSE_FAILS(
      "illegal value 'maybe' specified for bool flag 'histogram'",
      "--histogram=maybe");
  EXPECT_PARSE_FAILS(
      "illegal value 'nan' specified for double flag 'compression_ratio'",
      "--compression_ratio=nan");
  EXPECT_PARSE_FAILS(
      "illegal value 'x' specified for uint64 flag "
      "'benchmark_write_rate_limit'",
      "--benchmark_write_rate_limit=x");
  // An ignored flag still needs a value of its type.
  EXPECT_PARSE_FAILS(
      "illegal value 'lots' specified for uint64 flag "
      "'bytes_per_sync'",
      "--bytes_per_sync=lots");
}

TEST(BenchFlagsDeathTest, MissingArgumentAndMisplacedNo) {
  EXPECT_PARSE_FAILS("flag '--num' is missing its argument", "--num");
  EXPECT_PARSE_FAILS(
      "boolean value \\(nonum\\) specified for int64 command line flag",
      "--nonum");
}

TEST(BenchFlags, PositionalArgumentsAreRejected) {
  EXPECT_EQ("unexpected argument 'extra'", ParseError({"extra"}));
  EXPECT_EQ("unexpected argument 'x'", ParseError({"--", "x"}));
  EXPECT_EQ("unexpected argument '-'", ParseError({"-"}));
}

TEST(BenchFlags, FlagfileAndUndefok) {
  test::ScratchDir dir;
  const std::string path = dir.Child("flags");
  FILE* file = fopen(path.c_str(), "w");
  ASSERT_NE(nullptr, file);
  fputs("--num=77\n--benchmarks=fillseq\n--bytes_per_sync=1048576\n", file);
  fclose(file);
  const std::string flagfile = "--flagfile=" + path;
  BenchFlags f;
  ASSERT_OK(Parse(
      {flagfile.c_str(), "--reads=3", "--undefok=not_a_flag", "--not_a_flag=1"},
      &f));
  EXPECT_EQ(77, f.num);
  EXPECT_EQ("fillseq", f.benchmarks);
  EXPECT_EQ(3, f.reads);
  EXPECT_EQ(std::vector<std::string>{"bytes_per_sync"},
            f.ignored_db_bench_flags);
}

TEST(BenchFlags, IgnoredDbBenchFlagsAreCollected) {
  BenchFlags f;
  ASSERT_OK(Parse({"--stats_per_interval=1", "--bytes_per_sync=8388608",
                   "--num=10", "--memtablerep=skip_list"},
                  &f));
  const std::vector<std::string> expected = {"bytes_per_sync", "memtablerep",
                                             "stats_per_interval"};
  EXPECT_EQ(expected, f.ignored_db_bench_flags);
  EXPECT_EQ(
      "o3lsm-bench: warning: ignoring db_bench flags with no meaning here: "
      "--bytes_per_sync, --memtablerep, --stats_per_interval\n",
      IgnoredFlagsWarning(f.ignored_db_bench_flags));
  EXPECT_EQ("", IgnoredFlagsWarning({}));
  // tools/benchmark.sh's flags that o3lsm has no use for are all here.
  const std::vector<std::string> names = IgnoredDbBenchFlagNames();
  for (const char* name : {"level_compaction_dynamic_level_bytes",
                           "stats_per_interval",
                           "bytes_per_sync",
                           "wal_bytes_per_sync",
                           "use_direct_io_for_flush_and_compaction",
                           "use_direct_reads",
                           "min_write_buffer_number_to_merge",
                           "cache_index_and_filter_blocks",
                           "pin_l0_filter_and_index_blocks_in_cache",
                           "cache_numshardbits",
                           "compression_max_dict_bytes",
                           "compression_max_dict_buffer_bytes",
                           "memtablerep",
                           "rate_limit_delay_max_milliseconds",
                           "soft_pending_compaction_bytes_limit",
                           "hard_pending_compaction_bytes_limit",
                           "target_file_size_multiplier",
                           "enable_pipelined_write",
                           "partition_index_and_filters",
                           "optimize_filters_for_hits",
                           "writable_file_max_buffer_size",
                           "format_version",
                           "index_type",
                           "compaction_style",
                           "min_level_to_compress",
                           "wal_dir",
                           "delete_obsolete_files_period_micros"}) {
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), name)) << name;
  }
  // No flag is both used and ignored.
  for (const auto& [name, value] : BenchFlagValues(BenchFlags())) {
    EXPECT_FALSE(std::binary_search(names.begin(), names.end(), name)) << name;
  }
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
  EXPECT_NE(std::string::npos,
            text.find("--bytes_per_sync (Ignored by o3lsm-bench: "));
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
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->mixgraph.get_ratio = 0; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->mixgraph.put_ratio = -1; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->mixgraph.keyrange_num = 0; }));
  EXPECT_TRUE(invalid([](BenchFlags* f) { f->mixgraph.sine_noise = 1.5; }));
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
