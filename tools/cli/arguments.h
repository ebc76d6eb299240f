// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Argument conventions shared by several commands: the flag sets they have
// in common, key ranges ("scan a m", "scan --from a --to m") and counts
// ("--limit 10").
//
// Thread safety: pure functions and constants.

#ifndef O3LSM_TOOLS_CLI_ARGUMENTS_H_
#define O3LSM_TOOLS_CLI_ARGUMENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "o3lsm/status.h"

#include "tools/cli/command_registry.h"

namespace o3lsm::cli {

class Session;

// --hex, --key_hex, --value_hex (like ldb).
std::vector<FlagSpec> HexFlags();
// --hex, --key_hex: for commands that take keys only.
std::vector<FlagSpec> KeyHexFlags();
FlagSpec SnapshotFlag();
FlagSpec LimitFlag();
// --from K, --to K.
std::vector<FlagSpec> RangeFlags();

// a followed by b.
std::vector<FlagSpec> Concat(std::vector<FlagSpec> a,
                             const std::vector<FlagSpec>& b);

// A user-key range; a missing bound is unbounded. from is inclusive; to is
// exclusive for reads and inclusive for compact (as in DB::CompactRange).
struct KeyRange {
  bool has_from = false;
  std::string from;
  bool has_to = false;
  std::string to;
};

// The range given by the positional arguments from index first_arg on
// ([FROM] [TO]) or by --from/--to; giving a bound both ways is an error.
// Keys are decoded with session.ParseKey.
[[nodiscard]] Status ParseKeyRange(const Session& session,
                                   const ParsedCommand& command,
                                   size_t first_arg, KeyRange* range);

// Parses a decimal count for flag (a name for messages).
[[nodiscard]] Status ParseCount(const ParsedCommand& command,
                                const std::string& flag,
                                const std::string& text, uint64_t* n);

// The value of --limit, or UINT64_MAX when it is not given.
[[nodiscard]] Status ParseLimit(const ParsedCommand& command, uint64_t* limit);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_ARGUMENTS_H_
