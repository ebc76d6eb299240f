// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/cli_flags.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "lsm/table/compression.h"
#include "tools/common/cluster_file.h"

namespace o3lsm::cli {

namespace {

constexpr const char* kDescription =
    "o3lsm-cli: a shell over an o3lsm database (like RocksDB's ldb), and "
    "the sst and manifest tools (like sst_dump).\n"
    "  o3lsm-cli [FLAGS]                  shell; 'help' lists the commands\n"
    "  o3lsm-cli [FLAGS] -c \"cmd; cmd\"    run commands and exit\n"
    "  o3lsm-cli [FLAGS] SCRIPT           run a script file and exit\n"
    "  o3lsm-cli [FLAGS] sst check|dump|props FILE [FROM] [TO] [--limit N]\n"
    "  o3lsm-cli [FLAGS] manifest [FILE|DBDIR]\n"
    "Flags go before SCRIPT, sst or manifest. Exit status: 0 if every "
    "command succeeded, 1 if not, 2 for a bad command line.";

void AddEngineOptions(CLI::App* app, SessionConfig* config) {
  Options& o = config->options;
  app->add_option("--write_buffer_size", o.write_buffer_size,
                  "memtable bytes before a flush")
      ->capture_default_str()
      ->group("Engine options");
  app->add_option("--max_write_buffer_number", o.max_write_buffer_number,
                  "memtables before writes stop")
      ->capture_default_str()
      ->group("Engine options");
  app->add_option("--block_size", o.block_size, "SST data block bytes")
      ->capture_default_str()
      ->group("Engine options");
  app->add_option("--block_cache_size", o.block_cache_size, "block cache bytes")
      ->capture_default_str()
      ->group("Engine options");
  app->add_option("--bloom_bits_per_key", o.bloom_bits_per_key,
                  "bloom filter bits per key (0: none)")
      ->capture_default_str()
      ->group("Engine options");
  // Checked as names: CLI11 would print the enum's values as characters.
  app->add_option_function<std::string>(
         "--compression",
         [&o](const std::string& name) {
           ParseCompressionTypeName(name, &o.compression);
         },
         "SST compression: none (default), zstd, lz4, snappy")
      ->check(CLI::IsMember({"none", "zstd", "lz4", "snappy"}))
      ->group("Engine options");
  app->add_option("--num_levels", o.num_levels, "LSM levels")
      ->capture_default_str()
      ->group("Engine options");
  app->add_flag("--disable_auto_compactions", o.disable_auto_compactions,
                "no automatic compactions (compact still works)")
      ->group("Engine options");
  app->add_flag("--paranoid_checks", o.paranoid_checks,
                "fail to open on any WAL damage")
      ->group("Engine options");
  app->add_flag("--sync", config->write_options.sync,
                "fdatasync the WAL on every write")
      ->group("Engine options");
  app->add_flag("--disable_wal", config->write_options.disable_wal,
                "write without the WAL")
      ->group("Engine options");
}

}  // namespace

int ParseCliFlags(int argc, char** argv, CliFlags* flags) {
  CLI::App app{kDescription, "o3lsm-cli"};
  // Everything from the first positional argument on (SCRIPT, or a tool
  // and its own flags) is left for us in remaining().
  app.prefix_command();
  app.set_version_flag("--version", "o3lsm-cli " O3LSM_CLI_VERSION);
  SessionConfig& config = flags->session;
  bool create = true;
  app.add_option("--db", config.db_path, "database directory")
      ->capture_default_str();
  app.add_flag("--create-if-missing,!--no-create", create,
               "create the database if it does not exist (default true; "
               "--no-create or --create-if-missing=false to fail instead)");
  app.add_flag("--hex", config.hex, "show and parse keys and values as hex");
  app.add_option("-c,--command", flags->command,
                 "commands to run, separated by ';'");
  app.add_option("-f,--file", flags->script, "script file to run");
  app.add_flag("--stop-on-error", flags->stop_on_error,
               "stop at the first failed command");
  app.add_option("--offload", config.offload,
                 "what runs off the compute node: none, memtable, flush, "
                 "compaction, all, or a comma list (default: none; all "
                 "with --fabric)")
      ->group("Disaggregated memory");
  app.add_option("--fabric", config.fabric_uri,
                 "DM pool URI (emulated:PATH, cxl:PATH, ofi://HOST:PORT?secret=KEY&cluster_id=N, rdma://...); "
                 "default: a pool inside this process")
      ->group("Disaggregated memory");
  app.add_option("--dm_write_buffer_budget",
                 config.options.dm_write_buffer_budget,
                 "bytes of DM for sealed memtables (0: 8 x "
                 "write_buffer_size)")
      ->capture_default_str()
      ->group("Disaggregated memory");
  app.add_option("--dm_read_mode", config.dm_read_mode,
                 "how lookups read DM segments: adaptive (default), "
                 "one-sided, delegated or cached")
      ->group("Disaggregated memory");
  app.add_option("--embedded_search_threads",
                 config.options.embedded_search_threads,
                 "delegated-search threads of an embedded pool (0: none)")
      ->capture_default_str()
      ->group("Disaggregated memory");
  app.add_option("--embedded_workers", config.options.embedded_workers,
                 "flush/compaction workers of an embedded pool")
      ->capture_default_str()
      ->group("Disaggregated memory");
  app.add_option("--cluster", config.cluster_file,
                 "cluster file every node shares: the pool (or the memory "
                 "node's address, secret and cluster id) and the database "
                 "directory (docs/cluster.md)")
      ->group("Disaggregated memory");
  AddEngineOptions(&app, &config);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    printf("%s\n", app.version().c_str());
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    fprintf(stderr, "error: %s (see --help)\n", e.what());
    return kExitUsage;
  }
  config.options.create_if_missing = create;
  // The cluster file names the database directory (storage) unless --db
  // does; what else it says is read where the pool is attached.
  if (!config.cluster_file.empty() && app.count("--db") == 0) {
    tools::ClusterFile file;
    if (tools::ClusterFile::Read(config.cluster_file, &file).ok() &&
        !file.storage.empty()) {
      config.db_path = file.storage;
    }
  }

  std::vector<std::string> rest = app.remaining();
  // prefix_command() passes unknown flags on instead of failing on them.
  if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-') {
    fprintf(stderr, "error: unknown flag '%s' (see --help)\n", rest[0].c_str());
    return kExitUsage;
  }
  if (!rest.empty() && (rest[0] == "sst" || rest[0] == "manifest")) {
    if (!flags->command.empty() || !flags->script.empty()) {
      fprintf(stderr, "error: %s cannot be combined with -c or --file\n",
              rest[0].c_str());
      return kExitUsage;
    }
    flags->tool_words = std::move(rest);
    return -1;
  }
  if (rest.size() > 1) {
    fprintf(stderr,
            "error: unexpected argument '%s' after the script (flags go "
            "before it; see --help)\n",
            rest[1].c_str());
    return kExitUsage;
  }
  if (rest.size() == 1) {
    if (!flags->script.empty()) {
      fprintf(stderr, "error: two scripts: --file %s and %s\n",
              flags->script.c_str(), rest[0].c_str());
      return kExitUsage;
    }
    flags->script = rest[0];
  }
  if (!flags->command.empty() && !flags->script.empty()) {
    fprintf(stderr, "error: give -c or a script, not both\n");
    return kExitUsage;
  }
  return -1;
}

Status AttachMemoryPool(const SessionConfig& config, Options* options) {
  std::string uri = config.fabric_uri;
  if (!config.cluster_file.empty()) {
    tools::ClusterFile file;
    Status s = tools::ClusterFile::Read(config.cluster_file, &file);
    if (!s.ok()) return s;
    const std::string pool = file.ClientUri();
    if (!uri.empty() && uri != pool) {
      return Status::InvalidArgument(
          "--cluster " + config.cluster_file,
          "names pool '" + pool + "' but --fabric names '" + uri + "'");
    }
    uri = pool;
  }
  uint32_t layers = 0;
  if (!config.offload.empty()) {
    Status s = ParseOffloadLayers(config.offload, &layers);
    if (!s.ok()) {
      // The engine's message starts "offload: ".
      return Status::InvalidArgument("--" + std::string(s.message()));
    }
  } else if (!uri.empty()) {
    // Naming a pool means using it.
    layers = kOffloadMemtable | kOffloadFlush | kOffloadCompaction;
  }
  if (!uri.empty() && layers == 0) {
    return Status::InvalidArgument(
        "--fabric: --offload=none offloads nothing "
        "to the pool");
  }
  options->offload = layers;
  options->dm_pool = uri;
  if (!config.dm_read_mode.empty()) {
    Status s = ParseDmReadMode(config.dm_read_mode, &options->dm_read_mode);
    if (!s.ok()) return Status::InvalidArgument("--" + std::string(s.message()));
  }
  return Status::OK();
}

}  // namespace o3lsm::cli
