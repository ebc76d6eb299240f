// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/shell_loop.h"

#include "tools/cli/command_line.h"

namespace o3lsm::cli {

bool RunShell(Session* session, LineSource* source,
              const ShellLoopOptions& options) {
  bool all_ok = true;
  bool stopped = false;
  std::string line;
  while (!stopped && !session->quit_requested() &&
         source->Next(session->Prompt(), &line)) {
    source->Remember(line);
    session->console()->set_error_location(source->Location());
    for (const std::string& statement : SplitStatements(line)) {
      if (!session->Execute(statement)) {
        all_ok = false;
        stopped = options.stop_on_error;
      }
      if (stopped || session->quit_requested()) break;
    }
    if (options.after_line) options.after_line();
  }
  if (!session->FinishInput()) all_ok = false;
  if (options.after_line) options.after_line();
  return all_ok;
}

}  // namespace o3lsm::cli
