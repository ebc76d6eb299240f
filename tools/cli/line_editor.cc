// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/line_editor.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cwchar>
#include <histedit.h>
#include <poll.h>
#include <unistd.h>

#include "tools/cli/interrupt.h"

namespace o3lsm::cli {

namespace {

// Entries kept in memory and in the file.
constexpr int kHistorySize = 1000;

// The width the completion list is wrapped at.
constexpr size_t kListWidth = 80;

LineEditor* EditorOf(EditLine* el) {
  void* data = nullptr;
  el_get(el, EL_CLIENTDATA, &data);
  return static_cast<LineEditor*>(data);
}

}  // namespace

std::string DefaultHistoryFile() {
  if (const char* path = getenv("O3LSM_HISTORY")) return path;
  if (const char* home = getenv("HOME"); home != nullptr && home[0] != '\0') {
    return std::string(home) + "/.o3lsm_history";
  }
  return "";
}

LineEditor::LineEditor(const char* program, FILE* in, FILE* out,
                       std::string history_file, Completer completer)
    : in_fd_(fileno(in)),
      out_(out),
      history_file_(std::move(history_file)),
      completer_(std::move(completer)) {
  HistEvent event;
  history_ = history_init();
  history(history_, &event, H_SETSIZE, kHistorySize);
  history(history_, &event, H_SETUNIQUE, 1);
  if (!history_file_.empty()) {
    // A missing or unreadable file is a fresh history, not an error.
    history(history_, &event, H_LOAD, history_file_.c_str());
  }

  el_ = el_init(program, in, out, stderr);
  el_set(el_, EL_CLIENTDATA, this);
  el_set(el_, EL_EDITOR, "emacs");
  el_set(el_, EL_PROMPT, &LineEditor::PromptFunction);
  el_set(el_, EL_GETCFN, &LineEditor::GetCharFunction);
  el_set(el_, EL_HIST, history, history_);
  // The wide-character call: the narrow el_set copies the name and help
  // text of EL_ADDFN and never frees the copies.
  el_wset(el_, EL_ADDFN, L"o3lsm-complete", L"complete a command or file name",
          &LineEditor::CompleteFunction);
  el_set(el_, EL_BIND, "^I", "o3lsm-complete", nullptr);
  // ~/.editrc may switch to vi mode or rebind keys.
  el_source(el_, nullptr);
}

LineEditor::~LineEditor() {
  el_end(el_);
  history_end(history_);
}

char* LineEditor::PromptFunction(EditLine* el) {
  return EditorOf(el)->prompt_.data();
}

int LineEditor::GetCharFunction(EditLine* el, wchar_t* c) {
  const int in = EditorOf(el)->in_fd_;
  const int wake = InterruptWakeFd();
  mbstate_t state = {};
  while (true) {
    if (InterruptRequested()) {
      errno = EINTR;
      return -1;
    }
    pollfd fds[2] = {{in, POLLIN, 0}, {wake, POLLIN, 0}};
    if (poll(fds, wake >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;  // the flag check above decides
      return -1;
    }
    if (wake >= 0 && fds[1].revents != 0) continue;
    char byte;
    const ssize_t n = read(in, &byte, 1);
    if (n == 0) return 0;  // end of input
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return -1;
    }
    const size_t used = mbrtowc(c, &byte, 1, &state);
    if (used == static_cast<size_t>(-2)) continue;  // more bytes to come
    if (used == static_cast<size_t>(-1)) {
      // Not valid in the locale: pass the byte on rather than lose it.
      *c = static_cast<unsigned char>(byte);
    }
    return 1;
  }
}

unsigned char LineEditor::CompleteFunction(EditLine* el, int) {
  LineEditor* editor = EditorOf(el);
  const LineInfo* info = el_line(el);
  const std::string_view before(
      info->buffer, static_cast<size_t>(info->cursor - info->buffer));
  const Completion completion = editor->completer_(before);
  if (!completion.insert.empty()) {
    if (el_insertstr(el, completion.insert.c_str()) == -1) return CC_ERROR;
    return CC_REFRESH;
  }
  if (!completion.choices.empty()) {
    editor->ListChoices(completion.choices);
    return CC_REDISPLAY;
  }
  return CC_REFRESH_BEEP;
}

void LineEditor::ListChoices(const std::vector<std::string>& choices) {
  size_t width = 0;
  for (const std::string& c : choices) width = std::max(width, c.size());
  width += 2;
  const size_t columns = std::max<size_t>(1, kListWidth / width);
  std::string text = "\n";
  for (size_t i = 0; i < choices.size(); i++) {
    text += choices[i];
    const bool last_in_row = (i + 1) % columns == 0 || i + 1 == choices.size();
    text += last_in_row ? "\n" : std::string(width - choices[i].size(), ' ');
  }
  fputs(text.c_str(), out_);
  fflush(out_);
}

bool LineEditor::ReadLine(const std::string& prompt, std::string* line) {
  prompt_ = prompt;
  // Put the terminal in edit mode before the prompt appears: el_gets would
  // switch only after printing it, and a key typed in between (a quick
  // Ctrl-D) would meet the line discipline's cooked mode and be lost.
  el_set(el_, EL_PREP_TERM, 1);
  int count = 0;
  const char* text = el_gets(el_, &count);
  if (InterruptRequested()) {
    // Ctrl-C: drop the line being typed (whatever el_gets made of it) and
    // start a fresh one.
    ClearInterrupt();
    el_reset(el_);
    fputs("^C\n", out_);
    fflush(out_);
    line->clear();
    return true;
  }
  if (text == nullptr || count <= 0) {
    fputs("\n", out_);  // leave the terminal on a fresh line after Ctrl-D
    fflush(out_);
    return false;
  }
  line->assign(text, static_cast<size_t>(count));
  while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) {
    line->pop_back();
  }
  return true;
}

void LineEditor::Remember(const std::string& line) {
  // Completion leaves a blank after the word; "stats" and "stats " are one
  // entry.
  const size_t end = line.find_last_not_of(" \t");
  if (end == std::string::npos) return;
  const std::string entry = line.substr(0, end + 1);
  HistEvent event;
  history(history_, &event, H_ENTER, entry.c_str());
  if (!history_file_.empty()) {
    history(history_, &event, H_SAVE, history_file_.c_str());
  }
}

}  // namespace o3lsm::cli
