// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/arguments.h"

#include <charconv>

#include "tools/cli/bytes_format.h"
#include "tools/cli/session.h"

namespace o3lsm::cli {

std::vector<FlagSpec> HexFlags() {
  return {{"hex", "", "keys and values in hex (0x...)"},
          {"key_hex", "", "keys in hex"},
          {"value_hex", "", "values in hex"}};
}

std::vector<FlagSpec> KeyHexFlags() {
  return {{"hex", "", "keys in hex (0x...)"}, {"key_hex", "", "keys in hex"}};
}

FlagSpec SnapshotFlag() {
  return {"snapshot", "ID", "read as of snapshot ID (from 'snapshot')"};
}

FlagSpec LimitFlag() { return {"limit", "N", "stop after N entries"}; }

std::vector<FlagSpec> RangeFlags() {
  return {{"from", "KEY", "first key (inclusive)"}, {"to", "KEY", "end key"}};
}

std::vector<FlagSpec> Concat(std::vector<FlagSpec> a,
                             const std::vector<FlagSpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Status ParseKeyRange(const Session& session, const ParsedCommand& command,
                     size_t first_arg, KeyRange* range) {
  *range = KeyRange();
  const std::string* from = command.Flag("from");
  const std::string* to = command.Flag("to");
  const std::string name(command.spec->name);
  if (command.args.size() > first_arg) {
    if (from != nullptr) {
      return Status::InvalidArgument(
          name + ": FROM given twice (argument and --from)");
    }
    from = &command.args[first_arg];
  }
  if (command.args.size() > first_arg + 1) {
    if (to != nullptr) {
      return Status::InvalidArgument(name +
                                     ": TO given twice (argument and --to)");
    }
    to = &command.args[first_arg + 1];
  }
  if (from != nullptr) {
    range->has_from = true;
    Status s = session.ParseKey(command, *from, &range->from);
    if (!s.ok()) return s;
  }
  if (to != nullptr) {
    range->has_to = true;
    Status s = session.ParseKey(command, *to, &range->to);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status ParseCount(const ParsedCommand& command, const std::string& flag,
                  const std::string& text, uint64_t* n) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *n);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Status::InvalidArgument(std::string(command.spec->name) + ": " +
                                   flag + ": '" + EscapeBytes(text) +
                                   "' is not a non-negative number");
  }
  return Status::OK();
}

Status ParseLimit(const ParsedCommand& command, uint64_t* limit) {
  *limit = UINT64_MAX;
  const std::string* text = command.Flag("limit");
  if (text == nullptr) return Status::OK();
  return ParseCount(command, "--limit", *text, limit);
}

}  // namespace o3lsm::cli
