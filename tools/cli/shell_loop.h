// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// RunShell is the read-run loop shared by every input mode: it reads lines
// from a LineSource, splits each into statements (command_line.h) and runs
// them in the Session, until the input ends or `quit`. A failed statement
// has printed its one error line; the loop goes on with the next one,
// unless stop_on_error.
//
// Thread safety: runs on the calling thread; see Session.

#ifndef O3LSM_TOOLS_CLI_SHELL_LOOP_H_
#define O3LSM_TOOLS_CLI_SHELL_LOOP_H_

#include <functional>

#include "tools/cli/line_source.h"
#include "tools/cli/session.h"

namespace o3lsm::cli {

struct ShellLoopOptions {
  // Stop at the first failed statement. Default: false.
  bool stop_on_error = false;
  // Called after each line's statements ran (e.g. to flush stdout so that
  // a terminal or a co-process sees the results now). May be empty.
  std::function<void()> after_line;
};

// Returns true iff every statement succeeded (and the input did not end
// inside a batch).
bool RunShell(Session* session, LineSource* source,
              const ShellLoopOptions& options);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_SHELL_LOOP_H_
