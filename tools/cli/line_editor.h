// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// LineEditor is the interactive shell's terminal input, on libedit (BSD
// licensed): emacs-style line editing (or whatever ~/.editrc asks for),
// history recalled with the arrow keys and kept in a file across sessions,
// and tab completion through a Completer (completion.h).
//
// Use it only when both in and out are terminals; otherwise read lines
// plainly (line_source.h), so that pipes see no prompts or escape codes.
//
// Thread safety: not thread-safe. Ownership: in and out are borrowed and
// must outlive the editor.

#ifndef O3LSM_TOOLS_CLI_LINE_EDITOR_H_
#define O3LSM_TOOLS_CLI_LINE_EDITOR_H_

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/cli/completion.h"

struct editline;
struct history;

namespace o3lsm::cli {

class LineEditor {
 public:
  using Completer = std::function<Completion(std::string_view before_cursor)>;

  // Loads history_file if it exists; an empty name keeps history in memory
  // only. program names the ~/.editrc section that applies.
  LineEditor(const char* program, FILE* in, FILE* out, std::string history_file,
             Completer completer);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // Shows prompt and reads one line, without its newline. Returns false at
  // the end of input (Ctrl-D on an empty line). A line abandoned with
  // Ctrl-C comes back empty.
  bool ReadLine(const std::string& prompt, std::string* line);

  // Adds line to the history and rewrites the history file, so that the
  // history survives even a killed shell.
  void Remember(const std::string& line);

 private:
  static char* PromptFunction(editline* el);
  // Reads one character from the terminal, or fails with EINTR as soon as
  // Ctrl-C is pending (interrupt.h).
  static int GetCharFunction(editline* el, wchar_t* c);
  static unsigned char CompleteFunction(editline* el, int ch);
  // Shows the candidates of an ambiguous completion below the line.
  void ListChoices(const std::vector<std::string>& choices);

  const int in_fd_;
  FILE* const out_;
  const std::string history_file_;
  const Completer completer_;
  std::string prompt_;
  editline* el_ = nullptr;
  history* history_ = nullptr;
};

// $O3LSM_HISTORY if set (empty: no history file), else ~/.o3lsm_history,
// else "" when $HOME is unset.
std::string DefaultHistoryFile();

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_LINE_EDITOR_H_
