// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// o3lsm-stress: a db_stress-like checker of the engine (docs/reliability.md).
//
//   o3lsm-stress --db=/tmp/s --duration=30 --threads=8 --sync
//   o3lsm-stress --db=/tmp/s --verify
//
// Exit status: 0 the run (or verification) passed; 1 wrong data was read
// or an acknowledged write was lost; 2 bad flags; 3 an operation failed
// without an injected fault (or the database could not be opened).
// The last line on stdout is a summary: "o3lsm-stress: OK key=value ..." or
// "o3lsm-stress: FAILED ...".

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "lsm/table/compression.h"
#include "tools/stress/stress_runner.h"

namespace o3lsm::stress {
namespace {

constexpr int kExitWrongData = 1;
constexpr int kExitUsage = 2;
constexpr int kExitEngineError = 3;

int Main(int argc, char** argv) {
  StressOptions o;
  CLI::App app{"o3lsm-stress: concurrent random workload with verification"};
  app.add_option("--db", o.db, "database directory")->required();
  app.add_option("--expected_state", o.expected_state,
                 "expected-state file (default: <db>.expected)");
  app.add_flag("--verify", o.verify,
               "only verify the database against the expected state");
  app.add_flag("--destroy", o.destroy,
               "delete the database and the expected state first");
  app.add_option("--threads", o.threads)->capture_default_str();
  app.add_option("--ops_per_thread", o.ops_per_thread)->capture_default_str();
  app.add_option("--duration", o.duration, "seconds")->capture_default_str();
  app.add_option("--key_space", o.key_space)->capture_default_str();
  app.add_option("--value_size_min", o.value_sizes.min)->capture_default_str();
  app.add_option("--value_size_max", o.value_sizes.max)->capture_default_str();
  app.add_option("--put_percent", o.put_percent)->capture_default_str();
  app.add_option("--delete_percent", o.delete_percent)->capture_default_str();
  app.add_option("--batch_percent", o.batch_percent)->capture_default_str();
  app.add_option("--get_percent", o.get_percent)->capture_default_str();
  app.add_option("--iter_percent", o.iter_percent)->capture_default_str();
  app.add_option("--snapshot_percent", o.snapshot_percent)
      ->capture_default_str();
  app.add_option("--max_batch_keys", o.max_batch_keys)->capture_default_str();
  app.add_option("--max_range_keys", o.max_range_keys)->capture_default_str();
  app.add_option("--flush_one_in", o.flush_one_in)->capture_default_str();
  app.add_option("--compact_one_in", o.compact_one_in)->capture_default_str();
  app.add_flag("--sync", o.sync, "fdatasync the WAL on every write");
  app.add_flag("--disable_wal", o.disable_wal, "write without the WAL");
  app.add_option("--seed", o.seed, "0: from the clock")->capture_default_str();
  app.add_option("--fault_prob", o.fault_prob,
                 "probability of an injected fault per file operation")
      ->capture_default_str();
  app.add_option("--fault_files", o.fault_files,
                 "write faults hit files whose names contain this (default: "
                 "all files of the database)");
  app.add_option("--read_faults", o.read_faults,
                 "also fail, shorten or damage table reads")
      ->capture_default_str();
  app.add_flag("--power_cut", o.power_cut,
               "end every round in a simulated power cut");
  app.add_option("--round_seconds", o.round_seconds)->capture_default_str();
  app.add_option("--write_buffer_size", o.write_buffer_size)
      ->capture_default_str();
  app.add_option("--max_write_buffer_number", o.max_write_buffer_number)
      ->capture_default_str();
  app.add_option("--max_bytes_for_level_base", o.max_bytes_for_level_base)
      ->capture_default_str();
  app.add_option("--target_file_size_base", o.target_file_size_base)
      ->capture_default_str();
  app.add_option("--level0_file_num_compaction_trigger",
                 o.level0_file_num_compaction_trigger)
      ->capture_default_str();
  app.add_option("--block_size", o.block_size)->capture_default_str();
  app.add_option("--block_cache_size", o.block_cache_size)
      ->capture_default_str();
  app.add_option("--max_open_files", o.max_open_files)->capture_default_str();
  // Checked as names: CLI11 would print the enum's values as characters.
  // The check turns any case into the listed name.
  app.add_option_function<std::string>(
         "--compression",
         [&o](const std::string& name) {
           ParseCompressionTypeName(name, &o.compression);
         },
         "none (default), zstd, lz4 or snappy")
      ->transform(CLI::IsMember({"none", "zstd", "lz4", "snappy"}, CLI::ignore_case));
  std::string offload = "none";
  app.add_option("--offload", offload,
                 "what runs off the compute node: none, or a comma list of "
                 "memtable, flush, compaction (or all)")
      ->capture_default_str();
  app.add_option("--fabric", o.dm_pool,
                 "DM pool URI (default: a pool inside this process)");
  app.add_option("--shards", o.memtable_shards, "key-range memtable shards")
      ->capture_default_str();
  app.add_option("--dm_segment_size", o.dm_segment_size,
                 "with memtable offload, bytes a shard memtable holds before "
                 "it moves into DM")
      ->capture_default_str();
  std::string layout = SegmentLayoutName(o.dm_segment_layout);
  app.add_option("--dm_segment_layout", layout,
                 "with memtable offload, how a sealed memtable lies in DM: "
                 "arena (one bulk copy of its arena) or sorted (rebuilt in "
                 "key order)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const int total = o.put_percent + o.delete_percent + o.batch_percent +
                    o.get_percent + o.iter_percent + o.snapshot_percent;
  std::string error;
  if (total != 100) {
    error = "the operation percentages add up to " + std::to_string(total) +
            ", not 100";
  } else if (o.threads < 1) {
    error = "--threads must be at least 1";
  } else if (o.key_space == 0) {
    error = "--key_space must be at least 1";
  } else if (o.value_sizes.min < kMinValueSize ||
             o.value_sizes.min > o.value_sizes.max) {
    error = "need " + std::to_string(kMinValueSize) +
            " <= --value_size_min <= --value_size_max";
  } else if (o.max_batch_keys < 1 || o.max_range_keys < 1) {
    error = "--max_batch_keys and --max_range_keys must be at least 1";
  } else if (Status st = ParseOffloadLayers(offload, &o.offload); !st.ok()) {
    error = "--" + std::string(st.message());
  } else if (Status st = ParseSegmentLayout(layout, &o.dm_segment_layout);
             !st.ok()) {
    error = "--" + std::string(st.message());
  } else if (o.memtable_shards < 1) {
    error = "--shards must be at least 1";
  } else if (o.fault_prob < 0 || o.fault_prob > 1) {
    error = "--fault_prob must be in [0, 1]";
  }
  if (!error.empty()) {
    fprintf(stderr, "o3lsm-stress: %s\n", error.c_str());
    return kExitUsage;
  }

  StressRunner runner(o);
  Status s = runner.Run();
  const std::string stats = runner.StatsString();
  if (s.ok()) {
    printf("o3lsm-stress: OK %s\n", stats.c_str());
    return 0;
  }
  const bool wrong = runner.outcome() == Outcome::kWrongData;
  printf("o3lsm-stress: FAILED (%s) %s\n  %s\n",
         wrong ? "wrong data" : "engine error", stats.c_str(),
         s.ToString().c_str());
  fflush(stdout);
  return wrong ? kExitWrongData : kExitEngineError;
}

}  // namespace
}  // namespace o3lsm::stress

int main(int argc, char** argv) { return o3lsm::stress::Main(argc, argv); }
