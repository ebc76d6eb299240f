// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Console is where the shell's output goes: results on one stream, errors on
// another, each error exactly one line "error: <message>" (a message with
// newlines in it is folded onto one line), so that scripts and tests can
// count failures by counting lines. StdioConsole writes to stdout/stderr;
// BufferConsole keeps both in memory for tests.
//
// Thread safety: not thread-safe; the shell is single-threaded.

#ifndef O3LSM_TOOLS_CLI_CONSOLE_H_
#define O3LSM_TOOLS_CLI_CONSOLE_H_

#include <cstdio>
#include <string>
#include <string_view>

namespace o3lsm::cli {

class Console {
 public:
  virtual ~Console() = default;

  // Writes result text as is.
  virtual void Out(std::string_view text) = 0;

  // Writes "error: " + location + message (folded onto one line) + "\n".
  void Error(std::string_view message);
  // The same with "warning: ", on the error stream, for what is worth
  // knowing but did not fail (a DM pool that could not be reached).
  void Warning(std::string_view message);

  // Prefixed to every error, e.g. "script.o3:12: "; empty by default.
  void set_error_location(std::string location) {
    location_ = std::move(location);
  }

 protected:
  // Writes one complete error line, newline included.
  virtual void WriteErrorLine(std::string_view line) = 0;

 private:
  std::string location_;
};

class StdioConsole : public Console {
 public:
  // Does not own out or err.
  StdioConsole(FILE* out, FILE* err) : out_(out), err_(err) {}

  void Out(std::string_view text) override;
  // Makes output written so far visible (before a prompt, or a pause).
  void Flush();

 protected:
  void WriteErrorLine(std::string_view line) override;

 private:
  FILE* const out_;
  FILE* const err_;
};

class BufferConsole : public Console {
 public:
  void Out(std::string_view text) override { out_.append(text); }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  void Clear() {
    out_.clear();
    err_.clear();
  }

 protected:
  void WriteErrorLine(std::string_view line) override { err_.append(line); }

 private:
  std::string out_;
  std::string err_;
};

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_CONSOLE_H_
