// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/completion.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace o3lsm::cli {

namespace {

bool IsBlank(char c) { return isspace(static_cast<unsigned char>(c)) != 0; }

// Which argument of which command takes a file name; -1: none.
int FileArgumentIndex(std::string_view command) {
  if (command == "sst") return 2;
  if (command == "manifest" || command == "open") return 1;
  return -1;
}

// Files and directories whose path starts with partial; directories end in
// '/', so that completing continues inside them.
std::vector<std::string> PathCandidates(const std::string& partial) {
  const size_t slash = partial.rfind('/');
  const std::string dir_part =
      slash == std::string::npos ? "" : partial.substr(0, slash + 1);
  const std::string name_part =
      slash == std::string::npos ? partial : partial.substr(slash + 1);
  std::vector<std::string> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_part.empty() ? "." : dir_part, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, name_part.size(), name_part) != 0) continue;
    if (name[0] == '.' && (name_part.empty() || name_part[0] != '.')) continue;
    std::error_code dir_ec;
    const bool is_dir = it->is_directory(dir_ec);
    out.push_back(dir_part + name + (is_dir ? "/" : ""));
  }
  return out;
}

}  // namespace

Completion Complete(std::string_view before_cursor,
                    const CommandRegistry& registry) {
  // Only the statement being typed matters. Quotes are not interpreted:
  // command names and file names are completed before anyone quotes them.
  const size_t semicolon = before_cursor.rfind(';');
  if (semicolon != std::string_view::npos) {
    before_cursor.remove_prefix(semicolon + 1);
  }
  std::vector<std::string> words;
  std::string word;
  for (char c : before_cursor) {
    if (IsBlank(c)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  const std::string partial = word;  // "" right after a blank
  const size_t index = words.size();

  std::vector<std::string> candidates;
  bool path = false;
  if (index == 0 || (index == 1 && words[0] == "help")) {
    candidates = registry.Names();
  } else if (const CommandSpec* spec = registry.Find(words[0])) {
    if (index == 1 && !spec->first_arg_words.empty()) {
      candidates.assign(spec->first_arg_words.begin(),
                        spec->first_arg_words.end());
    } else if (static_cast<int>(index) == FileArgumentIndex(spec->name)) {
      candidates = PathCandidates(partial);
      path = true;
    }
  }

  std::vector<std::string> matches;
  for (const std::string& c : candidates) {
    if (c.compare(0, partial.size(), partial) == 0) matches.push_back(c);
  }
  std::sort(matches.begin(), matches.end());
  matches.erase(std::unique(matches.begin(), matches.end()), matches.end());

  Completion result;
  if (matches.empty()) return result;
  if (matches.size() == 1) {
    result.insert = matches[0].substr(partial.size());
    // A directory is completed further; a word is done.
    if (!(path && matches[0].back() == '/')) result.insert += " ";
    return result;
  }
  std::string common = matches[0];
  for (const std::string& m : matches) {
    size_t n = 0;
    while (n < common.size() && n < m.size() && common[n] == m[n]) n++;
    common.resize(n);
  }
  result.insert = common.substr(partial.size());
  if (result.insert.empty()) result.choices = matches;
  return result;
}

}  // namespace o3lsm::cli
