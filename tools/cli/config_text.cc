// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/config_text.h"

#include <cstdio>

#include "lsm/table/compression.h"

namespace o3lsm::cli {

namespace {

class Lines {
 public:
  void Add(const char* name, const std::string& value) {
    text_ += "  ";
    text_ += name;
    text_ += ": ";
    text_ += value;
    text_ += "\n";
  }
  void Add(const char* name, bool value) {
    Add(name, value ? "true" : "false");
  }
  void Add(const char* name, const char* value) {
    Add(name, std::string(value));
  }
  void Add(const char* name, uint64_t value) {
    Add(name, std::to_string(value));
  }
  void Add(const char* name, int value) { Add(name, std::to_string(value)); }
  void Add(const char* name, double value) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%g", value);
    Add(name, std::string(buf));
  }
  void Title(const char* title) {
    text_ += title;
    text_ += ":\n";
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace

std::string ConfigText(const SessionConfig& config, bool db_open) {
  Lines l;
  l.Title("shell");
  l.Add("db", config.db_path + (db_open ? " (open)" : " (not open)"));
  l.Add("fabric", config.fabric_uri.empty() ? "none (embedded, every role in "
                                              "this process)"
                                            : config.fabric_uri);
  l.Add("offload", config.offload.empty() ? "(not given)" : config.offload);
  l.Add("cluster", config.cluster_file.empty() ? "none" : config.cluster_file);
  l.Add("hex", config.hex);
  l.Add("sync", config.write_options.sync);
  l.Add("disable_wal", config.write_options.disable_wal);

  const Options& o = config.options;
  l.Title("options");
  l.Add("create_if_missing", o.create_if_missing);
  l.Add("error_if_exists", o.error_if_exists);
  l.Add("paranoid_checks", o.paranoid_checks);
  l.Add("env", o.env == nullptr ? "default (POSIX)" : "custom");
  l.Add("info_log",
        o.info_log == nullptr ? "LOG in the database directory" : "custom");
  l.Add("info_log_level", InfoLogLevelName(o.info_log_level));
  l.Add("max_log_file_size", static_cast<uint64_t>(o.max_log_file_size));
  l.Add("keep_log_file_num", static_cast<uint64_t>(o.keep_log_file_num));
  l.Add("stats_dump_period_sec",
        static_cast<uint64_t>(o.stats_dump_period_sec));
  l.Add("write_buffer_size", static_cast<uint64_t>(o.write_buffer_size));
  l.Add("max_write_buffer_number", o.max_write_buffer_number);
  l.Add("block_size", static_cast<uint64_t>(o.block_size));
  l.Add("block_restart_interval", o.block_restart_interval);
  l.Add("bloom_bits_per_key", o.bloom_bits_per_key);
  l.Add("compression", CompressionTypeName(o.compression));
  l.Add("compression_level", o.compression_level);
  l.Add("block_cache_size", static_cast<uint64_t>(o.block_cache_size));
  l.Add("max_open_files", o.max_open_files);
  l.Add("num_levels", o.num_levels);
  l.Add("level0_file_num_compaction_trigger",
        o.level0_file_num_compaction_trigger);
  l.Add("seek_compaction_bytes_per_seek", o.seek_compaction_bytes_per_seek);
  l.Add("level0_slowdown_writes_trigger", o.level0_slowdown_writes_trigger);
  l.Add("level0_stop_writes_trigger", o.level0_stop_writes_trigger);
  l.Add("max_bytes_for_level_base", o.max_bytes_for_level_base);
  l.Add("max_bytes_for_level_multiplier", o.max_bytes_for_level_multiplier);
  l.Add("target_file_size_base", o.target_file_size_base);
  l.Add("delayed_write_rate", o.delayed_write_rate);
  l.Add("max_background_flushes", o.max_background_flushes);
  l.Add("max_background_compactions", o.max_background_compactions);
  l.Add("disable_auto_compactions", o.disable_auto_compactions);
  l.Add("offload", OffloadLayersToString(o.offload));
  l.Add("dm_pool", o.dm_pool.empty() ? "(embedded)" : o.dm_pool);
  l.Add("dm_write_buffer_budget", o.dm_write_buffer_budget);
  l.Add("embedded_workers", o.embedded_workers);
  l.Add("dm_read_mode", DmReadModeName(o.dm_read_mode));
  l.Add("embedded_search_threads", o.embedded_search_threads);
  return l.text();
}

}  // namespace o3lsm::cli
