// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The shell's state as functions: the batch state machine, snapshot ids,
// and a Session running commands on a real database with its output
// captured, including that each failure prints exactly one line.

#include "tools/cli/session.h"

#include <gtest/gtest.h>

#include "tests/cli/cli_test_util.h"
#include "tests/testutil.h"
#include "tools/cli/command_line.h"
#include "tools/cli/config_text.h"
#include "tools/cli/line_source.h"
#include "tools/cli/pending_batch.h"
#include "tools/cli/shell_loop.h"
#include "tools/cli/snapshot_table.h"

namespace o3lsm::cli {
namespace {

using test::Lines;

TEST(PendingBatch, GathersBetweenBeginAndCommit) {
  PendingBatch b;
  EXPECT_FALSE(b.open());
  ASSERT_OK(b.Begin());
  ASSERT_OK(b.Put("a", "1"));
  ASSERT_OK(b.Delete("b"));
  EXPECT_EQ(b.count(), 2u);
  WriteBatch out;
  ASSERT_OK(b.Commit(&out));
  EXPECT_FALSE(b.open());
  EXPECT_EQ(out.Count(), 2u);
  // The next batch starts empty.
  ASSERT_OK(b.Begin());
  EXPECT_EQ(b.count(), 0u);
}

TEST(PendingBatch, WrongTransitionsFailAndKeepTheState) {
  PendingBatch b;
  WriteBatch out;
  uint32_t dropped = 0;
  EXPECT_TRUE(b.Put("a", "1").IsInvalidArgument());
  EXPECT_TRUE(b.Delete("a").IsInvalidArgument());
  EXPECT_TRUE(b.Commit(&out).IsInvalidArgument());
  EXPECT_TRUE(b.Abort(&dropped).IsInvalidArgument());
  EXPECT_FALSE(b.open());

  ASSERT_OK(b.Begin());
  ASSERT_OK(b.Put("a", "1"));
  Status s = b.Begin();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("batch of 1 updates is already in progress"),
            std::string::npos);
  EXPECT_TRUE(b.open());
  EXPECT_EQ(b.count(), 1u);  // the second Begin lost nothing
  ASSERT_OK(b.Abort(&dropped));
  EXPECT_EQ(dropped, 1u);
  EXPECT_FALSE(b.open());
}

TEST(SnapshotTable, IdsCountUpAndAreNotReused) {
  SnapshotTable t;
  const auto* s1 = reinterpret_cast<const Snapshot*>(0x10);
  const auto* s2 = reinterpret_cast<const Snapshot*>(0x20);
  EXPECT_EQ(t.Add(s1), 1u);
  EXPECT_EQ(t.Add(s2), 2u);
  const Snapshot* found = nullptr;
  ASSERT_OK(t.Find("2", &found));
  EXPECT_EQ(found, s2);
  ASSERT_OK(t.Remove("1", &found));
  EXPECT_EQ(found, s1);
  EXPECT_TRUE(t.Find("1", &found).IsInvalidArgument());
  EXPECT_EQ(t.Add(s1), 3u);
  EXPECT_EQ(t.ids(), (std::vector<uint64_t>{2, 3}));
  EXPECT_TRUE(t.Find("x", &found).IsInvalidArgument());
  EXPECT_TRUE(t.Find("", &found).IsInvalidArgument());
  EXPECT_TRUE(t.Find("2x", &found).IsInvalidArgument());
  EXPECT_EQ(t.TakeAll().size(), 2u);
  EXPECT_EQ(t.size(), 0u);
}

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() {
    SessionConfig config;
    config.db_path = dir_.Child("db");
    session_ = std::make_unique<Session>(&console_, config);
    EXPECT_OK(session_->Open());
  }

  // Runs statements; returns stdout, and checks that exactly `errors`
  // error lines were printed.
  std::string Run(const std::string& statements, size_t errors = 0) {
    console_.Clear();
    // Statement by statement, not RunShell, which ends the input (and so
    // drops an open batch) when the text ends.
    for (const std::string& line : Lines(statements)) {
      for (const std::string& statement : SplitStatements(line)) {
        session_->Execute(statement);
      }
    }
    const std::vector<std::string> lines = Lines(console_.err());
    EXPECT_EQ(lines.size(), errors) << console_.err();
    for (const std::string& line : lines) {
      EXPECT_EQ(line.rfind("error: ", 0), 0u) << line;
    }
    return console_.out();
  }

  test::ScratchDir dir_;
  BufferConsole console_;
  std::unique_ptr<Session> session_;
};

TEST_F(SessionTest, WritesPrintNothingAndReadsPrintValues) {
  EXPECT_EQ(Run("put a 1; put b 2; delete a; get b; count"), "2\n1\n");
  EXPECT_EQ(Run("scan"), "b ==> 2\n");
}

TEST_F(SessionTest, BatchIsAppliedAtEndOnly) {
  EXPECT_EQ(Run("put x old; batch; put x new; put y 1; delete x; get x"),
            "old\n");
  EXPECT_EQ(session_->Prompt(), "o3lsm(batch)> ");
  EXPECT_EQ(Run("end; scan"), "y ==> 1\n");
  EXPECT_EQ(session_->Prompt(), "o3lsm> ");
  EXPECT_EQ(Run("batch; put z 1; abort; count"), "1\n");
}

TEST_F(SessionTest, MistakesInsideABatchKeepTheBatch) {
  Run("batch; put k v; put onlykey; batch; get nope", 3);
  EXPECT_TRUE(session_->batch()->open());
  EXPECT_EQ(session_->batch()->count(), 1u);
  EXPECT_EQ(Run("end; scan"), "k ==> v\n");
}

TEST_F(SessionTest, InputEndingInsideABatchWritesNothing) {
  console_.Clear();
  TextLineSource source("batch\nput lost 1");
  EXPECT_FALSE(RunShell(session_.get(), &source, ShellLoopOptions()));
  EXPECT_NE(console_.err().find("input ended inside a batch: its 1 updates "
                                "were not written"),
            std::string::npos);
  EXPECT_EQ(Run("count"), "0\n");
}

TEST_F(SessionTest, SnapshotsSeeThePastUntilReleased) {
  EXPECT_EQ(Run("put k v1; snapshot; put k v2; put n 1"), "1\n");
  EXPECT_EQ(Run("get k --snapshot 1; get k; count --snapshot 1; "
                "scan --snapshot=1"),
            "v1\nv2\n1\nk ==> v1\n");
  EXPECT_EQ(Run("release 1"), "");
  Run("get k --snapshot 1", 1);
  EXPECT_NE(console_.err().find("no snapshot 1"), std::string::npos);
  EXPECT_EQ(Run("snapshot"), "2\n");
}

TEST_F(SessionTest, HexModeShowsAndParsesHex) {
  EXPECT_EQ(Run("put --hex 0x00FF 0x0102; get \"\\x00\\xff\""), "\\x01\\x02\n");
  EXPECT_EQ(Run("scan --key_hex"), "0x00FF ==> \\x01\\x02\n");
  EXPECT_EQ(Run("hex on; scan; get 00ff; hex"),
            "0x00FF ==> 0x0102\n0x0102\nhex: on\n");
  Run("get 0xZZ", 1);
  EXPECT_EQ(console_.err(),
            "error: get: key: bad hex '0xZZ': not a hex digit\n");
}

TEST_F(SessionTest, ScanHonorsBoundsAndLimit) {
  Run("put a 1; put b 2; put c 3; put d 4");
  EXPECT_EQ(Run("scan b d"), "b ==> 2\nc ==> 3\n");
  EXPECT_EQ(Run("scan --from b --limit 2"), "b ==> 2\nc ==> 3\n");
  EXPECT_EQ(Run("scan --to b"), "a ==> 1\n");
  EXPECT_EQ(Run("count b; count a c"), "3\n2\n");
  Run("scan a --from b", 1);
  Run("scan --limit -1", 1);
}

TEST_F(SessionTest, EachFailurePrintsOneLineAndTheSessionGoesOn) {
  const std::vector<std::string> bad = {
      "frobnicate",
      "put onlykey",
      "get",
      "get missing",
      "scan --limit x",
      "scan --bogus",
      "put \"open 1",
      "release 7",
      "end",
      "abort",
      "hex maybe",
      "help nosuch",
      "property no.such",
      "open",
      "sst check /nonexistent/1.sst",
      "sst frob file",
      "manifest /nonexistent",
  };
  std::string script;
  for (size_t i = 0; i < bad.size(); i++) {
    script += bad[i] + "\nput ok" + std::to_string(i) + " v\n";
  }
  Run(script, bad.size());
  EXPECT_EQ(Run("count"), std::to_string(bad.size()) + "\n");
}

TEST_F(SessionTest, CloseAndOpenAgain) {
  Run("put a 1; snapshot; close");
  EXPECT_FALSE(session_->has_db());
  Run("get a", 1);
  EXPECT_NE(console_.err().find("no database is open"), std::string::npos);
  EXPECT_EQ(Run("open; get a"), "1\n");
  Run("close; open " + dir_.Child("missing") + " --no-create", 1);
  EXPECT_NE(console_.err().find("cannot open database"), std::string::npos);
}

TEST_F(SessionTest, ClusterCommandsSayWhenThereIsNoPool) {
  const std::string out = Run("nodes; jobs; segments");
  for (const std::string& line : Lines(out)) {
    EXPECT_EQ(line,
              "no DM pool attached: the database runs with "
              "--offload=none");
  }
  EXPECT_EQ(Lines(out).size(), 3u);
}

TEST_F(SessionTest, ConfigPrintsTheOptionsTheDatabaseWasOpenedWith) {
  const std::string out = Run("config");
  EXPECT_EQ(out, ConfigText(session_->config(), true));
  EXPECT_NE(out.find("  db: " + dir_.Child("db") + " (open)"),
            std::string::npos);
  EXPECT_NE(out.find("  write_buffer_size: 67108864\n"), std::string::npos);
  EXPECT_NE(out.find("  create_if_missing: true\n"), std::string::npos);
}

TEST(ErrorText, ArgumentErrorsAreBareEngineErrorsKeepTheirCode) {
  EXPECT_EQ(ErrorText(Status::InvalidArgument("put: bad")), "put: bad");
  EXPECT_EQ(ErrorText(Status::Corruption("f.sst", "bad block")),
            "Corruption: f.sst: bad block");
  EXPECT_EQ(AddContext(Status::Busy("db/LOCK", "locked"), "cannot open db")
                .ToString(),
            "Busy: cannot open db: db/LOCK: locked");
}

TEST(Console, FoldsMultiLineMessagesOntoOneLine) {
  BufferConsole c;
  c.set_error_location("s.o3:4: ");
  c.Error("first\nsecond\n");
  EXPECT_EQ(c.err(), "error: s.o3:4: first; second\n");
}

}  // namespace
}  // namespace o3lsm::cli
