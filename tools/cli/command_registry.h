// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The shell's command table. Each command is described once, by a
// CommandSpec: its name, help group, usage, help text, example, how many
// positional arguments and which --flags it takes, and its handler. 'help',
// tab completion and argument checking all read the same table, so they
// cannot disagree.
//
// Flags are written "--name" or, for flags with a value, "--name VALUE" or
// "--name=VALUE", anywhere after the command name; a lone "--" ends the
// flags, so that "put -- --odd-key v" stores the key "--odd-key".
//
// Thread safety: a registry is immutable once built; const methods may be
// called concurrently.

#ifndef O3LSM_TOOLS_CLI_COMMAND_REGISTRY_H_
#define O3LSM_TOOLS_CLI_COMMAND_REGISTRY_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "o3lsm/status.h"

namespace o3lsm::cli {

class Session;
struct ParsedCommand;

// Help groups, listed in this order.
enum class CommandGroup { kData, kAdmin, kCluster, kTools };

struct FlagSpec {
  std::string_view name;        // without the leading "--"
  std::string_view value_name;  // "N", "ID"; empty for a flag without value
  std::string_view help;

  bool takes_value() const { return !value_name.empty(); }
};

// Runs a parsed command against the session. The handler prints its
// results through session->console(); a failure is returned, not printed.
using CommandHandler =
    std::function<Status(Session* session, const ParsedCommand& command)>;

// Built with the constructor (what every command has) and the chainable
// setters (what some have):
//   CommandSpec("get", CommandGroup::kData, "get KEY", "print KEY's value",
//               Get).Args(1, 1).Flags({SnapshotFlag()}).Example("get k")
struct CommandSpec {
  CommandSpec(std::string_view name, CommandGroup group, std::string_view usage,
              std::string_view summary, CommandHandler handler)
      : name(name),
        group(group),
        usage(usage),
        summary(summary),
        handler(std::move(handler)) {}

  CommandSpec& Args(int min, int max) {
    min_args = min;
    max_args = max;
    return *this;
  }
  CommandSpec& Flags(std::vector<FlagSpec> f) {
    flags = std::move(f);
    return *this;
  }
  CommandSpec& Describe(std::string_view text) {
    description = text;
    return *this;
  }
  CommandSpec& Example(std::string_view text) {
    example = text;
    return *this;
  }
  CommandSpec& Aliases(std::vector<std::string_view> names) {
    aliases = std::move(names);
    return *this;
  }
  CommandSpec& FirstArgWords(std::vector<std::string_view> words) {
    first_arg_words = std::move(words);
    return *this;
  }

  std::string_view name;
  CommandGroup group;
  std::string_view usage;        // positional part: "scan [FROM] [TO]"
  std::string_view summary;      // one line for 'help'
  std::string_view description;  // the rest, for 'help CMD'
  std::string_view example;
  int min_args = 0;
  int max_args = 0;
  std::vector<FlagSpec> flags;
  std::vector<std::string_view> aliases;
  // For tab completion of the first argument (e.g. "check dump props");
  // empty: no fixed words.
  std::vector<std::string_view> first_arg_words;
  CommandHandler handler;
};

// A command line checked against its spec.
struct ParsedCommand {
  const CommandSpec* spec = nullptr;
  std::vector<std::string> args;  // positional arguments
  // Flags given, by name without "--"; "" for flags without a value.
  std::map<std::string, std::string, std::less<>> flags;

  bool Has(std::string_view flag) const { return flags.count(flag) != 0; }
  // The flag's value, or nullptr if it was not given.
  const std::string* Flag(std::string_view flag) const;
};

class CommandRegistry {
 public:
  // REQUIRES: spec.name and its aliases are not registered yet.
  void Add(CommandSpec spec);

  // The command named or aliased name, or nullptr.
  const CommandSpec* Find(std::string_view name) const;

  // Checks words (words[0] is the command name) against the command's
  // spec. Fails with InvalidArgument, saying what is wrong and giving the
  // usage, for an unknown command, an unknown flag, a missing flag value or
  // the wrong number of arguments.
  [[nodiscard]] Status Parse(const std::vector<std::string>& words,
                             ParsedCommand* command) const;

  // Every command name and alias, sorted.
  std::vector<std::string> Names() const;

  // The command list, grouped, one line per command.
  std::string HelpText() const;

  // Usage, description and example of one command; InvalidArgument if
  // there is no such command.
  [[nodiscard]] Status HelpFor(std::string_view name, std::string* text) const;

 private:
  // Index of every name and alias in commands_. Commands live in a vector
  // that is only appended to before use, so the specs stay put.
  std::vector<CommandSpec> commands_;
  std::map<std::string, size_t, std::less<>> by_name_;
};

// The usage with every flag, "get KEY [--snapshot ID] [--hex]", for error
// messages.
std::string UsageLine(const CommandSpec& spec);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_COMMAND_REGISTRY_H_
