// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/command_line.h"

#include <cctype>

namespace o3lsm::cli {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status ColumnError(size_t column, const char* what) {
  return Status::InvalidArgument("column " + std::to_string(column + 1), what);
}

}  // namespace

Status SplitCommandLine(const std::string& line,
                        std::vector<std::string>* words) {
  words->clear();
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && isspace(static_cast<unsigned char>(line[i]))) i++;
    if (i >= n || line[i] == '#') return Status::OK();
    std::string word;
    while (i < n && !isspace(static_cast<unsigned char>(line[i]))) {
      const char c = line[i];
      if (c == '\'') {
        const size_t start = i++;
        while (i < n && line[i] != '\'') word.push_back(line[i++]);
        if (i >= n) return ColumnError(start, "unterminated ' quote");
        i++;
      } else if (c == '"') {
        const size_t start = i++;
        while (i < n && line[i] != '"') {
          if (line[i] != '\\') {
            word.push_back(line[i++]);
            continue;
          }
          if (i + 1 >= n) return ColumnError(i, "backslash at end of line");
          const char e = line[i + 1];
          switch (e) {
            case 'n': word.push_back('\n'); i += 2; break;
            case 't': word.push_back('\t'); i += 2; break;
            case '0': word.push_back('\0'); i += 2; break;
            case '\\': case '"': word.push_back(e); i += 2; break;
            case 'x': {
              const int hi = i + 2 < n ? HexValue(line[i + 2]) : -1;
              const int lo = i + 3 < n ? HexValue(line[i + 3]) : -1;
              if (hi < 0 || lo < 0) return ColumnError(i, "bad \\x escape");
              word.push_back(static_cast<char>(hi * 16 + lo));
              i += 4;
              break;
            }
            default:
              return ColumnError(i, "unknown escape");
          }
        }
        if (i >= n) return ColumnError(start, "unterminated \" quote");
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
