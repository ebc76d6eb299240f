// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The shell's commands, one file per help group: data_commands.cc (put,
// get, scan, batch, snapshots, ...), admin_commands.cc (flush, compact,
// stats, config, open, help, quit, ...), cluster_commands.cc (nodes, jobs,
// shards, segments) and tool_commands.cc (sst, manifest). Each Add function
// registers its group; BuiltinCommands is the table with all of them.
//
// Thread safety: BuiltinCommands is built once, on first use (a function
// static), and immutable afterwards.

#ifndef O3LSM_TOOLS_CLI_COMMANDS_H_
#define O3LSM_TOOLS_CLI_COMMANDS_H_

#include "tools/cli/command_registry.h"

namespace o3lsm::cli {

void AddDataCommands(CommandRegistry* registry);
void AddAdminCommands(CommandRegistry* registry);
void AddClusterCommands(CommandRegistry* registry);
void AddToolCommands(CommandRegistry* registry);

const CommandRegistry& BuiltinCommands();

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_COMMANDS_H_
