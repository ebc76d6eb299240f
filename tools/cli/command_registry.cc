// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/command_registry.h"

#include <algorithm>
#include <cassert>

namespace o3lsm::cli {

namespace {

const char* GroupTitle(CommandGroup group) {
  switch (group) {
    case CommandGroup::kData:
      return "Data";
    case CommandGroup::kAdmin:
      return "Admin";
    case CommandGroup::kCluster:
      return "Cluster";
    case CommandGroup::kTools:
      return "Tools";
  }
  return "Other";
}

constexpr CommandGroup kGroups[] = {CommandGroup::kData, CommandGroup::kAdmin,
                                    CommandGroup::kCluster,
                                    CommandGroup::kTools};

std::string FlagText(const FlagSpec& flag) {
  std::string text = "--" + std::string(flag.name);
  if (flag.takes_value()) text += " " + std::string(flag.value_name);
  return text;
}

Status UsageError(const CommandSpec& spec, const std::string& what) {
  return Status::InvalidArgument(std::string(spec.name) + ": " + what +
                                 " (usage: " + UsageLine(spec) + ")");
}

const FlagSpec* FindFlag(const CommandSpec& spec, std::string_view name) {
  for (const FlagSpec& flag : spec.flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

}  // namespace

const std::string* ParsedCommand::Flag(std::string_view flag) const {
  auto it = flags.find(flag);
  return it == flags.end() ? nullptr : &it->second;
}

std::string UsageLine(const CommandSpec& spec) {
  std::string line(spec.usage);
  for (const FlagSpec& flag : spec.flags) line += " [" + FlagText(flag) + "]";
  return line;
}

void CommandRegistry::Add(CommandSpec spec) {
  const size_t index = commands_.size();
  [[maybe_unused]] bool inserted =
      by_name_.emplace(std::string(spec.name), index).second;
  assert(inserted);
  for (std::string_view alias : spec.aliases) {
    inserted = by_name_.emplace(std::string(alias), index).second;
    assert(inserted);
  }
  commands_.push_back(std::move(spec));
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &commands_[it->second];
}

Status CommandRegistry::Parse(const std::vector<std::string>& words,
                              ParsedCommand* command) const {
  *command = ParsedCommand();
  if (words.empty()) return Status::InvalidArgument("empty command");
  const CommandSpec* spec = Find(words[0]);
  if (spec == nullptr) {
    return Status::InvalidArgument("unknown command '" + words[0] +
                                   "' (try 'help')");
  }
  command->spec = spec;
  bool flags_ended = false;
  for (size_t i = 1; i < words.size(); i++) {
    const std::string& word = words[i];
    if (!flags_ended && word == "--") {
      flags_ended = true;
      continue;
    }
    if (flags_ended || word.size() <= 2 || word.compare(0, 2, "--") != 0) {
      command->args.push_back(word);
      continue;
    }
    const size_t eq = word.find('=');
    const std::string name =
        word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const FlagSpec* flag = FindFlag(*spec, name);
    if (flag == nullptr)
      return UsageError(*spec, "unknown flag '" + word + "'");
    std::string value;
    if (flag->takes_value()) {
      if (eq != std::string::npos) {
        value = word.substr(eq + 1);
      } else if (i + 1 < words.size()) {
        value = words[++i];
      } else {
        return UsageError(*spec, "--" + name + " needs a value");
      }
    } else if (eq != std::string::npos) {
      return UsageError(*spec, "--" + name + " takes no value");
    }
    command->flags[name] = std::move(value);
  }
  const int n = static_cast<int>(command->args.size());
  if (n < spec->min_args || n > spec->max_args) {
    return UsageError(
        *spec, "wrong number of arguments (" + std::to_string(n) + " given)");
  }
  return Status::OK();
}

std::vector<std::string> CommandRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(by_name_.size());
  for (const auto& [name, index] : by_name_) names.push_back(name);
  return names;  // a std::map iterates in order
}

std::string CommandRegistry::HelpText() const {
  size_t width = 0;
  for (const CommandSpec& spec : commands_) {
    width = std::max(width, spec.usage.size());
  }
  width = std::min<size_t>(width, 30);
  std::string text;
  for (CommandGroup group : kGroups) {
    bool any = false;
    for (const CommandSpec& spec : commands_) {
      if (spec.group != group) continue;
      if (!any) {
        if (!text.empty()) text += "\n";
        text += std::string(GroupTitle(group)) + ":\n";
        any = true;
      }
      std::string line = "  " + std::string(spec.usage);
      if (spec.usage.size() > width) {
        line += "\n" + std::string(width + 4, ' ');
      } else {
        line.append(width + 2 - spec.usage.size(), ' ');
      }
      text += line + std::string(spec.summary) + "\n";
    }
  }
  text +=
      "\n'help CMD' shows a command's flags and an example. Quote words with "
      "blanks\n(\"my key\"), type bytes as \"\\xHH\", or use --hex. ';' "
      "separates commands.\n";
  return text;
}

Status CommandRegistry::HelpFor(std::string_view name,
                                std::string* text) const {
  const CommandSpec* spec = Find(name);
  if (spec == nullptr) {
    return Status::InvalidArgument("help: unknown command '" +
                                   std::string(name) + "' (try 'help')");
  }
  std::string out = "usage: " + std::string(spec->usage);
  if (!spec->flags.empty()) out += " [flags]";
  out += "\n  " + std::string(spec->summary) + "\n";
  if (!spec->description.empty()) {
    out += "\n" + std::string(spec->description) + "\n";
  }
  if (!spec->aliases.empty()) {
    out += "\naliases:";
    for (std::string_view alias : spec->aliases)
      out += " " + std::string(alias);
    out += "\n";
  }
  if (!spec->flags.empty()) {
    out += "\nflags:\n";
    size_t width = 0;
    for (const FlagSpec& flag : spec->flags) {
      width = std::max(width, FlagText(flag).size());
    }
    for (const FlagSpec& flag : spec->flags) {
      const std::string f = FlagText(flag);
      out += "  " + f + std::string(width + 2 - f.size(), ' ') +
             std::string(flag.help) + "\n";
    }
  }
  if (!spec->example.empty()) {
    out += "\nexample:\n  " + std::string(spec->example) + "\n";
  }
  *text = std::move(out);
  return Status::OK();
}

}  // namespace o3lsm::cli
