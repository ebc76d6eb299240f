// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/command_line.h"

#include <cctype>

namespace o3lsm::cli {

namespace {

bool IsBlank(char c) { return isspace(static_cast<unsigned char>(c)) != 0; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status ColumnError(const char* what, size_t index) {
  return Status::InvalidArgument(std::string(what) + " at column " +
                                 std::to_string(index + 1));
}

bool HasContent(const std::string& s) {
  for (char c : s) {
    if (!IsBlank(c)) return true;
  }
  return false;
}

// Decodes the escape at line[*i] (a backslash inside double quotes) onto
// *word and moves *i past it.
Status DecodeEscape(std::string_view line, size_t* i, std::string* word) {
  const size_t at = *i;
  if (at + 1 >= line.size()) return ColumnError("backslash at end of line", at);
  const char e = line[at + 1];
  switch (e) {
    case 'n':
      word->push_back('\n');
      break;
    case 't':
      word->push_back('\t');
      break;
    case 'r':
      word->push_back('\r');
      break;
    case '0':
      word->push_back('\0');
      break;
    case '\\':
    case '"':
      word->push_back(e);
      break;
    case 'x': {
      const int hi = at + 2 < line.size() ? HexValue(line[at + 2]) : -1;
      const int lo = at + 3 < line.size() ? HexValue(line[at + 3]) : -1;
      if (hi < 0 || lo < 0) {
        return ColumnError("bad \\x escape (want \\xHH)", at);
      }
      word->push_back(static_cast<char>(hi * 16 + lo));
      *i = at + 4;
      return Status::OK();
    }
    default:
      return ColumnError("unknown escape", at);
  }
  *i = at + 2;
  return Status::OK();
}

}  // namespace

std::vector<std::string> SplitStatements(std::string_view text) {
  std::vector<std::string> statements;
  std::string current;
  auto finish = [&] {
    if (HasContent(current)) statements.push_back(current);
    current.clear();
  };
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (c == ';' || c == '\n') {
      finish();
      i++;
    } else if (c == '#' && (current.empty() || IsBlank(current.back()))) {
      while (i < n && text[i] != '\n') i++;
    } else if (c == '\'' || c == '"') {
      // Copy the quoted part verbatim; SplitCommandLine decodes it.
      current.push_back(c);
      i++;
      while (i < n && text[i] != c) {
        if (c == '"' && text[i] == '\\' && i + 1 < n)
          current.push_back(text[i++]);
        current.push_back(text[i++]);
      }
      if (i < n) current.push_back(text[i++]);
    } else {
      current.push_back(c);
      i++;
    }
  }
  finish();
  return statements;
}

Status SplitCommandLine(std::string_view line,
                        std::vector<std::string>* words) {
  words->clear();
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsBlank(line[i])) i++;
    if (i >= n || line[i] == '#') return Status::OK();
    std::string word;
    while (i < n && !IsBlank(line[i])) {
      const char c = line[i];
      if (c == '\'') {
        const size_t start = i++;
        while (i < n && line[i] != '\'') word.push_back(line[i++]);
        if (i >= n) return ColumnError("unterminated ' quote", start);
        i++;
      } else if (c == '"') {
        const size_t start = i++;
        while (i < n && line[i] != '"') {
          if (line[i] != '\\') {
            word.push_back(line[i++]);
            continue;
          }
          Status s = DecodeEscape(line, &i, &word);
          if (!s.ok()) return s;
        }
        if (i >= n) return ColumnError("unterminated \" quote", start);
        i++;
      } else {
        word.push_back(c);
        i++;
      }
    }
    words->push_back(std::move(word));
  }
}

}  // namespace o3lsm::cli
