// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The built o3lsm-cli on a pseudo-terminal, as a person uses it: the
// prompt, typed commands and their output, history recalled with the up
// arrow and kept across sessions in the history file, tab completion,
// Ctrl-C, and that errors never end the shell.

#include <filesystem>
#include <gtest/gtest.h>

#include "o3lsm/db.h"
#include "o3lsm/env.h"

#include "tests/cli/cli_test_util.h"
#include "tests/testutil.h"

namespace o3lsm::cli {
namespace {

using test::PtyShell;

class CliPtyTest : public ::testing::Test {
 protected:
  std::unique_ptr<PtyShell> Start() {
    auto shell = std::make_unique<PtyShell>(
        std::vector<std::string>{"--db", dir_.Child("db")},
        std::vector<std::string>{"HOME=" + dir_.path(),
                                 "O3LSM_HISTORY=" + History()});
    EXPECT_TRUE(shell->started());
    return shell;
  }
  std::string History() const { return dir_.Child("history"); }

  test::ScratchDir dir_;
};

// Expects text in shell's output, printing the transcript if it is not.
#define EXPECT_SHOWS(shell, text)                                     \
  EXPECT_TRUE((shell)->Expect(text)) << "no '" << (text) << "' in:\n" \
                                     << (shell)->transcript()

TEST_F(CliPtyTest, ShowsBannerAndPromptAndRunsCommands) {
  auto shell = Start();
  EXPECT_SHOWS(shell, "'help' lists the commands");
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("put greeting hello\r");
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("get greeting\r");
  EXPECT_SHOWS(shell, "\r\nhello\r\n");
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("batch\r");
  EXPECT_SHOWS(shell, "o3lsm(batch)> ");
  shell->Send("put b 1\rend\r");
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("quit\r");
  EXPECT_EQ(shell->Wait(), 0) << shell->transcript();
}

TEST_F(CliPtyTest, UpArrowRecallsHistoryWhichOutlivesTheSession) {
  {
    auto shell = Start();
    EXPECT_SHOWS(shell, "o3lsm> ");
    shell->Send("put k v1\r");
    EXPECT_SHOWS(shell, "o3lsm> ");
    shell->Send("get k\r");
    EXPECT_SHOWS(shell, "v1\r\n");
    EXPECT_SHOWS(shell, "o3lsm> ");
    shell->Send("put k v2\r");
    EXPECT_SHOWS(shell, "o3lsm> ");
    // Up twice: back past "put k v2" to "get k".
    shell->Send("\x1b[A\x1b[A");
    EXPECT_SHOWS(shell, "get k");
    shell->Send("\r");
    EXPECT_SHOWS(shell, "v2\r\n");
    EXPECT_SHOWS(shell, "o3lsm> ");
    shell->Send("quit\r");
    EXPECT_EQ(shell->Wait(), 0) << shell->transcript();
  }
  std::string history;
  ASSERT_OK(ReadFileToString(Env::Default(), History(), &history));
  EXPECT_NE(history.find("get"), std::string::npos) << history;

  // A new session starts with that history.
  auto shell = Start();
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("\x1b[A\x1b[A");  // "quit", then "get k"
  EXPECT_SHOWS(shell, "get k");
  shell->Send("\r");
  EXPECT_SHOWS(shell, "v2\r\n");
  // Only at the prompt: typed ahead, the terminal itself would eat it.
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("\x04");  // Ctrl-D on an empty line leaves
  EXPECT_EQ(shell->Wait(), 0) << shell->transcript();
}

TEST_F(CliPtyTest, TabCompletesCommandNames) {
  auto shell = Start();
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("put a 1\r");
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("cou\t");  // completes to "count "
  EXPECT_SHOWS(shell, "nt ");
  shell->Send("\r");
  EXPECT_SHOWS(shell, "\r\n1\r\n");
  EXPECT_SHOWS(shell, "o3lsm> ");
  // Ambiguous: the candidates are listed, then the line is shown again.
  shell->Send("co\t");
  EXPECT_SHOWS(shell, "compact");
  EXPECT_SHOWS(shell, "count");
  EXPECT_SHOWS(shell, "o3lsm> co");
  shell->Send("nfig\r");
  EXPECT_SHOWS(shell, "write_buffer_size");
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("help sn\t\r");
  EXPECT_SHOWS(shell, "usage: snapshot");
  shell->Send("quit\r");
  EXPECT_EQ(shell->Wait(), 0) << shell->transcript();
}

TEST_F(CliPtyTest, ErrorsAndCtrlCNeverEndTheShell) {
  auto shell = Start();
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("bogus\r");
  EXPECT_SHOWS(shell, "error: unknown command 'bogus' (try 'help')");
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("put \"unterminated\r");
  EXPECT_SHOWS(shell, "error: unterminated");
  EXPECT_SHOWS(shell, "o3lsm> ");
  // Ctrl-C drops the half-typed line: x is never written.
  shell->Send("put x 1");
  EXPECT_SHOWS(shell, "put x 1");
  shell->Send("\x03");
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("get x\r");
  EXPECT_SHOWS(shell, "error: key 'x' not found");
  EXPECT_SHOWS(shell, "o3lsm> ");
  shell->Send("put y 2\rget y\r");
  EXPECT_SHOWS(shell, "\r\n2\r\n");
  shell->Send("quit\r");
  // Some commands failed, so the status says so.
  EXPECT_EQ(shell->Wait(), 1) << shell->transcript();
}

TEST_F(CliPtyTest, MissingDatabaseLeavesTheShellUsable) {
  PtyShell shell({"--db", dir_.Child("absent"), "--no-create"},
                 {"HOME=" + dir_.path(), "O3LSM_HISTORY="});
  ASSERT_TRUE(shell.started());
  EXPECT_SHOWS(&shell, "error: cannot open database");
  EXPECT_SHOWS(&shell, "o3lsm> ");
  shell.Send("get a\r");
  EXPECT_SHOWS(&shell, "error: no database is open");
  shell.Send("open " + dir_.Child("made") + "\r");
  EXPECT_SHOWS(&shell, "o3lsm> ");
  shell.Send("put a 1; get a\r");
  EXPECT_SHOWS(&shell, "\r\n1\r\n");
  shell.Send("quit\r");
  EXPECT_EQ(shell.Wait(), 1) << shell.transcript();
  EXPECT_TRUE(std::filesystem::exists(dir_.Child("made") + "/CURRENT"));
  EXPECT_FALSE(std::filesystem::exists(dir_.Child("absent")));
}

}  // namespace
}  // namespace o3lsm::cli
