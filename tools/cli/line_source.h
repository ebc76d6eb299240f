// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Where the shell's input lines come from: a terminal (through the line
// editor), a pipe or script file (plain lines, no prompt), or the text of
// -c. RunShell (shell_loop.h) only sees this interface.
//
// Thread safety: not thread-safe.

#ifndef O3LSM_TOOLS_CLI_LINE_SOURCE_H_
#define O3LSM_TOOLS_CLI_LINE_SOURCE_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tools/cli/line_editor.h"

namespace o3lsm::cli {

class LineSource {
 public:
  virtual ~LineSource() = default;

  // The next line, without its newline; false at the end of input. prompt
  // is shown first by sources that prompt.
  virtual bool Next(const std::string& prompt, std::string* line) = 0;

  // Where the last line came from, as an error prefix ("script.o3:3: "),
  // or "" where the user sees it anyway (a terminal, -c).
  virtual std::string Location() const { return ""; }

  // Told each line before it runs (the terminal adds it to the history).
  virtual void Remember(const std::string& line) {}
};

// Lines of a stream: a pipe (name "") or a script file (name = its path,
// used in error locations). Does not own file.
class StreamLineSource : public LineSource {
 public:
  StreamLineSource(FILE* file, std::string name)
      : file_(file), name_(std::move(name)) {}

  bool Next(const std::string& prompt, std::string* line) override;
  std::string Location() const override;

 private:
  FILE* const file_;
  const std::string name_;
  uint64_t line_number_ = 0;
};

// The lines of a string (-c "put a 1; get a").
class TextLineSource : public LineSource {
 public:
  explicit TextLineSource(const std::string& text);

  bool Next(const std::string& prompt, std::string* line) override;

 private:
  std::vector<std::string> lines_;
  size_t next_ = 0;
};

// A terminal, through a LineEditor.
class EditorLineSource : public LineSource {
 public:
  explicit EditorLineSource(std::unique_ptr<LineEditor> editor)
      : editor_(std::move(editor)) {}

  bool Next(const std::string& prompt, std::string* line) override {
    return editor_->ReadLine(prompt, line);
  }
  void Remember(const std::string& line) override { editor_->Remember(line); }

 private:
  std::unique_ptr<LineEditor> editor_;
};

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_LINE_SOURCE_H_
