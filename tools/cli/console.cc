// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/console.h"

namespace o3lsm::cli {

namespace {

// prefix + message folded onto one line.
std::string OneLine(std::string prefix, std::string_view message) {
  std::string line = std::move(prefix);
  line.reserve(line.size() + message.size() + 1);
  // Engine messages may span lines (a status with a dump appended); one
  // failure must stay one line.
  for (size_t i = 0; i < message.size(); i++) {
    const char c = message[i];
    if (c == '\n' || c == '\r') {
      if (i + 1 < message.size()) line.append("; ");
    } else {
      line.push_back(c);
    }
  }
  line.push_back('\n');
  return line;
}

}  // namespace

void Console::Error(std::string_view message) {
  WriteErrorLine(OneLine("error: " + location_, message));
}

void Console::Warning(std::string_view message) {
  WriteErrorLine(OneLine("warning: " + location_, message));
}

void StdioConsole::Out(std::string_view text) {
  fwrite(text.data(), 1, text.size(), out_);
}

void StdioConsole::Flush() { fflush(out_); }

void StdioConsole::WriteErrorLine(std::string_view line) {
  // Results printed before the error come first when both streams go to
  // the same place (2>&1, a terminal).
  fflush(out_);
  fwrite(line.data(), 1, line.size(), err_);
  fflush(err_);
}

}  // namespace o3lsm::cli
