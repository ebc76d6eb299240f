// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// o3lsm-cli: the interactive shell over an o3lsm database, and the sst and
// manifest tools. cli_flags.h has the command line, docs/cli.md the guide.
// This file picks the input (terminal, pipe, -c, script) and wires the
// pieces together.

#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstring>
#include <memory>
#include <unistd.h>

#include "tools/cli/cli_flags.h"
#include "tools/cli/commands.h"
#include "tools/cli/completion.h"
#include "tools/cli/console.h"
#include "tools/cli/interrupt.h"
#include "tools/cli/line_editor.h"
#include "tools/cli/line_source.h"
#include "tools/cli/session.h"
#include "tools/cli/shell_loop.h"

namespace o3lsm::cli {
namespace {

// The tool mode: one sst or manifest command, no database opened.
int RunTool(const CliFlags& flags, StdioConsole* console) {
  Session session(console, flags.session);
  const bool ok = session.ExecuteWords(flags.tool_words);
  console->Flush();
  return ok ? kExitOk : kExitFailed;
}

int Main(int argc, char** argv) {
  CliFlags flags;
  const int parsed = ParseCliFlags(argc, argv, &flags);
  if (parsed >= 0) return parsed;

  StdioConsole console(stdout, stderr);
  Status s = AttachMemoryPool(flags.session, &flags.session.options);
  if (!s.ok()) {
    console.Error(s.message());  // a usage error: the message says it all
    return kExitUsage;
  }
  if (!flags.tool_words.empty()) return RunTool(flags, &console);

  // Pick the input. Only a terminal on both ends gets prompts, the banner
  // and line editing; a pipe gets results and errors only.
  std::unique_ptr<FILE, int (*)(FILE*)> script(nullptr, fclose);
  std::unique_ptr<LineSource> source;
  bool interactive = false;
  if (!flags.command.empty()) {
    source = std::make_unique<TextLineSource>(flags.command);
  } else if (!flags.script.empty()) {
    script.reset(fopen(flags.script.c_str(), "r"));
    if (script == nullptr) {
      console.Error("cannot read script " + flags.script + ": " +
                    strerror(errno));
      return kExitFailed;
    }
    source = std::make_unique<StreamLineSource>(script.get(), flags.script);
  } else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
    interactive = true;
    // Lets the editor read multibyte (UTF-8) input; the rest of the shell
    // treats bytes as bytes.
    setlocale(LC_CTYPE, "");
    const CommandRegistry& registry = BuiltinCommands();
    source = std::make_unique<EditorLineSource>(std::make_unique<LineEditor>(
        "o3lsm-cli", stdin, stdout, DefaultHistoryFile(),
        [&registry](std::string_view before_cursor) {
          return Complete(before_cursor, registry);
        }));
  } else {
    source = std::make_unique<StreamLineSource>(stdin, "");
  }

  Session session(&console, flags.session);
  s = session.Open();
  bool all_ok = s.ok();
  if (!s.ok()) {
    console.Error(ErrorText(s));
    // A script or pipe would only fail command after command; a person at
    // a terminal can still use help, sst, manifest and open.
    if (!interactive) return kExitFailed;
  }
  if (interactive) {
    InstallInterruptHandler();
    printf("o3lsm-cli %s on %s. 'help' lists the commands, 'quit' leaves.\n",
           O3LSM_CLI_VERSION, flags.session.db_path.c_str());
  }
  ShellLoopOptions loop;
  loop.stop_on_error = flags.stop_on_error;
  loop.after_line = [&console] { console.Flush(); };
  if (!RunShell(&session, source.get(), loop)) all_ok = false;
  if (session.has_db()) {
    s = session.Close();
    if (!s.ok()) {
      console.Error("closing " + session.config().db_path + ": " +
                    ErrorText(s));
      all_ok = false;
    }
  }
  return all_ok ? kExitOk : kExitFailed;
}

}  // namespace
}  // namespace o3lsm::cli

int main(int argc, char** argv) { return o3lsm::cli::Main(argc, argv); }
