// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// o3lsm-cli's command line:
//
//   o3lsm-cli [FLAGS]                    shell on --db (a terminal or pipe)
//   o3lsm-cli [FLAGS] -c "cmd; cmd"      run the commands, then exit
//   o3lsm-cli [FLAGS] SCRIPT | --file F  run a script file, then exit
//   o3lsm-cli [FLAGS] sst ACTION FILE .. the sst tool, no database opened
//   o3lsm-cli [FLAGS] manifest [PATH]    the manifest tool, likewise
//
// Flags come before SCRIPT or the tool's words, which are passed on as is
// (so `o3lsm-cli sst dump F --limit 3` gives --limit to sst).
//
// Exit status: 0 if every command succeeded, 1 if one failed (or the
// database could not be opened), 2 for a bad command line.
//
// Thread safety: pure functions.

#ifndef O3LSM_TOOLS_CLI_CLI_FLAGS_H_
#define O3LSM_TOOLS_CLI_CLI_FLAGS_H_

#include <string>
#include <vector>

#include "o3lsm/options.h"
#include "o3lsm/status.h"

#include "tools/cli/session.h"

namespace o3lsm::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct CliFlags {
  // The database, its options, --hex, --fabric, --cluster.
  SessionConfig session;
  std::string command;  // -c
  std::string script;   // --file or the SCRIPT argument
  bool stop_on_error = false;
  // "sst ..." or "manifest ...": run this one tool command, open no DB.
  std::vector<std::string> tool_words;
};

// Parses argv into *flags. Returns -1 to go on, or the exit status to end
// with at once: kExitOk after printing --help or --version to stdout,
// kExitUsage after printing one "error: ..." line to stderr.
int ParseCliFlags(int argc, char** argv, CliFlags* flags);

// Sets options' offloading from config's --offload, --fabric and
// --cluster: the single place where the shell's view of disaggregated
// memory meets the engine's Options. --offload LAYERS (none, memtable,
// flush, compaction, all, or a comma list) selects what runs off the
// compute node; --fabric URI names the DM pool (default: one embedded in
// this process) and, without --offload, offloads everything. --cluster
// FILE names the pool as every node of the cluster reaches it
// (tools/common/cluster_file.h); naming another with --fabric is an error.
[[nodiscard]] Status AttachMemoryPool(const SessionConfig& config,
                                      Options* options);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_CLI_FLAGS_H_
