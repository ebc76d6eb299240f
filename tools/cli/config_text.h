// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// ConfigText renders what the `config` command prints: the shell's own
// settings and every field of the Options the database was opened with, one
// "name: value" line each, under the field's name in options.h (which is
// also the o3lsm-cli flag that sets it, where there is one).
//
// The engine keeps no copy of its Options that a client can read, so this
// prints what the shell passed to DB::Open; see docs/cli.md.
//
// Thread safety: pure functions.

#ifndef O3LSM_TOOLS_CLI_CONFIG_TEXT_H_
#define O3LSM_TOOLS_CLI_CONFIG_TEXT_H_

#include <string>

#include "o3lsm/options.h"

#include "tools/cli/session.h"

namespace o3lsm::cli {

// The text of `config`; db_open says whether config.db_path is open.
std::string ConfigText(const SessionConfig& config, bool db_open);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_CONFIG_TEXT_H_
