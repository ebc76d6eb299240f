// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Tab completion for the interactive shell, kept apart from the line
// editor so that it can be tested as a function. It completes:
//   the command name (first word of a statement),
//   help's argument (a command name),
//   fixed first arguments from the command table ("sst d" -> "sst dump"),
//   file names for the FILE/DBDIR/PATH arguments of sst, manifest, open.
//
// Thread safety: pure, apart from reading directories for file names.

#ifndef O3LSM_TOOLS_CLI_COMPLETION_H_
#define O3LSM_TOOLS_CLI_COMPLETION_H_

#include <string>
#include <string_view>
#include <vector>

#include "tools/cli/command_registry.h"

namespace o3lsm::cli {

struct Completion {
  // Text to insert at the cursor: the rest of the only match (and a blank
  // after a whole word), or the prefix all matches share.
  std::string insert;
  // Set when the matches share nothing more than what was typed: the
  // candidates to show the user, sorted.
  std::vector<std::string> choices;
};

// Completes the word that ends at the end of before_cursor (the line up to
// the cursor).
Completion Complete(std::string_view before_cursor,
                    const CommandRegistry& registry);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_COMPLETION_H_
