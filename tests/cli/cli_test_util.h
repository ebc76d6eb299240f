// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Runs the built o3lsm-cli (O3LSM_CLI_BIN, set by CMake) the two ways a
// person does: with stdin, stdout and stderr on pipes (RunCli), and on a
// pseudo-terminal, typing keys and reading the screen (PtyShell).

#ifndef O3LSM_TESTS_CLI_CLI_TEST_UTIL_H_
#define O3LSM_TESTS_CLI_CLI_TEST_UTIL_H_

#include <string>
#include <sys/types.h>
#include <vector>

namespace o3lsm::test {

struct CliResult {
  int exit_code = -1;  // -1: killed by a signal or not run
  std::string out;
  std::string err;
};

struct CliRun {
  std::vector<std::string> args;  // after the program name
  std::string input;              // written to stdin, which is then closed
  std::vector<std::string> env;   // "NAME=value", added to the environment
  std::string cwd;                // "" keeps the test's
};

CliResult RunCli(const CliRun& run);

// Shorthand: o3lsm-cli --db db, fed input.
CliResult RunCliOn(const std::string& db, const std::string& input,
                   std::vector<std::string> extra_args = {});

// text split at '\n' (no empty last element).
std::vector<std::string> Lines(const std::string& text);

// o3lsm-cli on a new pseudo-terminal (80x24, TERM=xterm).
class PtyShell {
 public:
  PtyShell(const std::vector<std::string>& args,
           const std::vector<std::string>& env);
  ~PtyShell();
  PtyShell(const PtyShell&) = delete;
  PtyShell& operator=(const PtyShell&) = delete;

  bool started() const { return pid_ > 0; }

  // Types keys ("\r" is Enter, "\x1b[A" the up arrow, "\t" Tab).
  void Send(const std::string& keys);

  // Reads until the output after the previous match contains text; false
  // after timeout_ms or when the shell's output ends first.
  bool Expect(const std::string& text, int timeout_ms = 10000);

  // Everything the shell wrote, for failure messages.
  const std::string& transcript() const { return output_; }

  // Waits (up to 10 s) for the shell to exit; its exit status, or -1.
  int Wait();

 private:
  // Reads what is available within timeout_ms; false at end of output.
  bool ReadSome(int timeout_ms);

  pid_t pid_ = -1;
  int master_ = -1;
  std::string output_;
  size_t matched_ = 0;  // Expect searches output_ from here
};

}  // namespace o3lsm::test

#endif  // O3LSM_TESTS_CLI_CLI_TEST_UTIL_H_
