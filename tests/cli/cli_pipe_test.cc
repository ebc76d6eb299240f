// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The built o3lsm-cli with stdin and stdout on pipes, -c, and script files:
// every command, every kind of bad input (each exactly one error line, with
// the commands after it still run), the exit status, and that the database
// after a session holds what the commands said, read back with the C++ API.

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>

#include "o3lsm/db.h"
#include "o3lsm/env.h"

#include "tests/cli/cli_test_util.h"
#include "tests/testutil.h"
#include "tools/cli/bytes_format.h"
#include "util/random.h"

namespace o3lsm::cli {
namespace {

using test::CliResult;
using test::CliRun;
using test::Lines;
using test::RunCli;
using test::RunCliOn;

// The whole database, read with the C++ API.
std::map<std::string, std::string> Contents(const std::string& path) {
  std::map<std::string, std::string> contents;
  std::unique_ptr<DB> db;
  Options options;
  Status s = DB::Open(options, path, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return contents;
  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    contents[it->key().ToString()] = it->value().ToString();
  }
  EXPECT_TRUE(it->status().ok());
  it.reset();
  EXPECT_TRUE(db->Close().ok());
  return contents;
}

::testing::AssertionResult OneErrorLine(const CliResult& r,
                                        const std::string& fragment) {
  const std::vector<std::string> lines = Lines(r.err);
  if (lines.size() != 1 || lines[0].rfind("error: ", 0) != 0 ||
      lines[0].find(fragment) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "want one 'error: ...' line with '" << fragment << "', got:\n"
           << r.err;
  }
  return ::testing::AssertionSuccess();
}

class CliPipeTest : public ::testing::Test {
 protected:
  std::string Db() const { return dir_.Child("db"); }
  test::ScratchDir dir_;
};

TEST_F(CliPipeTest, PutThenGetPrintsExactlyTheValue) {
  const CliResult r = RunCliOn(Db(), "put a 1\nget a\n");
  EXPECT_EQ(r.out, "1\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(CliPipeTest, DataCommands) {
  const CliResult r = RunCliOn(Db(),
                               "put a 1\nput b 2\nput \"c d\" '3 4'\n"
                               "delete b\n"
                               "get \"c d\"\n"
                               "scan\n"
                               "scan a c --limit 5\n"
                               "scan --from b --limit 1\n"
                               "count\ncount b\n");
  EXPECT_EQ(r.out,
            "3 4\n"
            "a ==> 1\nc d ==> 3 4\n"
            "a ==> 1\n"
            "c d ==> 3 4\n"
            "2\n1\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(Contents(Db()),
            (std::map<std::string, std::string>{{"a", "1"}, {"c d", "3 4"}}));
}

TEST_F(CliPipeTest, DeleteRangeErasesTheRangeAlone) {
  const CliResult r = RunCliOn(Db(),
                               "put a 1\nput b 2\nput bb 3\nput c 4\n"
                               "deleterange b c\n"
                               "scan\n"
                               "deleterange c a\n"
                               "batch\nput b2 5\ndeleterange a b\nend\n"
                               "scan\n");
  EXPECT_EQ(r.out, "a ==> 1\nc ==> 4\nb2 ==> 5\nc ==> 4\n");
  EXPECT_NE(r.err.find("'a' is before FROM 'c'"), std::string::npos) << r.err;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Contents(Db()),
            (std::map<std::string, std::string>{{"b2", "5"}, {"c", "4"}}));
}

TEST_F(CliPipeTest, BatchWritesAtomicallyAndAbortDropsIt) {
  const CliResult r = RunCliOn(Db(),
                               "put keep 0\n"
                               "batch\nput x 1\ndelete keep\nget keep\nend\n"
                               "batch\nput dropped 1\nabort\n"
                               "scan\n");
  EXPECT_EQ(r.out, "0\nx ==> 1\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Contents(Db()), (std::map<std::string, std::string>{{"x", "1"}}));
}

TEST_F(CliPipeTest, InputEndingInsideABatchWritesNothingAndFails) {
  const CliResult r = RunCliOn(Db(), "put a 1\nbatch\nput b 2\n");
  EXPECT_TRUE(OneErrorLine(r, "input ended inside a batch"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Contents(Db()), (std::map<std::string, std::string>{{"a", "1"}}));
}

TEST_F(CliPipeTest, SnapshotReads) {
  const CliResult r = RunCliOn(Db(),
                               "put k old\nsnapshot\nput k new\n"
                               "get k --snapshot 1\nget k\n"
                               "scan --snapshot 1\nrelease 1\n");
  EXPECT_EQ(r.out, "1\nold\nnew\nk ==> old\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CliPipeTest, AdminAndClusterCommands) {
  const CliResult r = RunCliOn(Db(),
                               "put a 1\nflush\nput a 2\ncompact\ncompact a "
                               "z\nstats\nproperty o3lsm.last-sequence\n"
                               "nodes\njobs\nsegments\nshards\nconfig\n"
                               "help\nhelp scan\nget a\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("** Levels **"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n2\n"), std::string::npos);  // last-sequence
  EXPECT_NE(r.out.find("no DM pool attached: the database runs with "
                       "--offload=none\n"),
            std::string::npos);
  EXPECT_NE(r.out.find("  db: " + Db() + " (open)\n"), std::string::npos);
  EXPECT_NE(r.out.find("Data:\n"), std::string::npos);
  EXPECT_NE(r.out.find("usage: scan [FROM] [TO] [flags]"), std::string::npos);
  EXPECT_EQ(r.out.substr(r.out.size() - 2), "2\n");
}

TEST_F(CliPipeTest, EveryBadInputIsOneErrorLineAndLaterCommandsRun) {
  ASSERT_EQ(RunCliOn(Db(), "put a 1\nsnapshot\n").exit_code, 0);
  struct Case {
    std::string input;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"frobnicate", "unknown command 'frobnicate' (try 'help')"},
      {"put onlykey", "put: wrong number of arguments (1 given)"},
      {"get a b", "get: wrong number of arguments (2 given)"},
      {"scan --bogus", "scan: unknown flag '--bogus'"},
      {"scan --limit", "scan: --limit needs a value"},
      {"scan --limit ten", "scan: --limit: 'ten' is not a non-negative number"},
      {"scan a b --from c", "scan: FROM given twice"},
      {"put --hex 0xZZ 1", "put: key: bad hex '0xZZ': not a hex digit"},
      {"put --value_hex k abc", "put: value: bad hex 'abc': odd number"},
      {"put \"open 1", "unterminated \" quote at column 5"},
      {"put 'open 1", "unterminated ' quote at column 5"},
      {"put \"\\q\" 1", "unknown escape at column 6"},
      {"get missing", "key 'missing' not found"},
      {"get a --snapshot 9", "get: no snapshot 9"},
      {"release x", "release: bad snapshot id 'x'"},
      {"end", "end: no batch in progress"},
      {"abort", "abort: no batch in progress"},
      {"hex maybe", "hex: want 'on' or 'off'"},
      {"help nosuch", "help: unknown command 'nosuch'"},
      {"property o3lsm.nosuch", "unknown property 'o3lsm.nosuch'"},
      {"open", "is open; 'close' it first"},
      {"sst check /nonexistent/000001.sst", "/nonexistent/000001.sst"},
      {"sst frob x", "sst: unknown action 'frob'"},
      {"sst check a b", "sst check: takes only FILE"},
      {"manifest /nonexistent", "/nonexistent: no such MANIFEST"},
  };
  for (const Case& c : cases) {
    const CliResult r = RunCliOn(Db(), c.input + "\nput after ok\nget after\n");
    EXPECT_TRUE(OneErrorLine(r, c.message)) << c.input;
    EXPECT_EQ(r.out, "ok\n") << c.input;
    EXPECT_EQ(r.exit_code, 1) << c.input;
  }
  // Errors inside a batch keep it; the batch still commits.
  const CliResult r =
      RunCliOn(Db(), "batch\nbatch\nput b 2\nput x\nend\nget b\n");
  EXPECT_EQ(Lines(r.err).size(), 2u) << r.err;
  EXPECT_EQ(r.out, "2\n");
  EXPECT_EQ(Contents(Db()), (std::map<std::string, std::string>{
                                {"a", "1"}, {"after", "ok"}, {"b", "2"}}));
}

TEST_F(CliPipeTest, DataAfterASessionEqualsAModel) {
  Random64 rnd(2024);
  std::map<std::string, std::string> model;
  std::string script;
  for (int i = 0; i < 400; i++) {
    const std::string key = "k" + std::to_string(rnd.Uniform(60)) +
                            std::string(1, static_cast<char>(rnd.Uniform(256)));
    const std::string value = test::RandomBytes(&rnd, rnd.Uniform(12), false);
    const std::string qkey = "\"" + EscapeBytes(key) + "\"";
    const uint64_t op = rnd.Uniform(10);
    if (op < 6) {
      script += "put " + qkey + " \"" + EscapeBytes(value) + "\"\n";
      model[key] = value;
    } else if (op < 8) {
      script += "delete " + qkey + "\n";
      model.erase(key);
    } else if (op < 9) {
      // The same update in hex.
      script += "put --hex " + ToHex(key) + " " + ToHex(value) + "\n";
      model[key] = value;
    } else {
      script += "batch; put " + qkey + " x; delete " + qkey + "; put " + qkey +
                " y; end\n";
      model[key] = "y";
    }
    if (i % 150 == 149) script += "flush\n";
  }
  script += "count\n";
  const CliResult r = RunCliOn(Db(), script);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::to_string(model.size()) + "\n");
  EXPECT_EQ(Contents(Db()), model);
}

TEST_F(CliPipeTest, HexFlagShowsAndParsesHex) {
  const CliResult r =
      RunCliOn(Db(), "put 0x00FF 0x0102\nscan\nget 00ff\n", {"--hex"});
  EXPECT_EQ(r.out, "0x00FF ==> 0x0102\n0x0102\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const CliResult plain = RunCliOn(Db(), "scan\n");
  EXPECT_EQ(plain.out, "\\x00\\xFF ==> \\x01\\x02\n");
  EXPECT_EQ(Contents(Db()), (std::map<std::string, std::string>{
                                {std::string("\x00\xff", 2), "\x01\x02"}}));
}

TEST_F(CliPipeTest, DashCSplitsAtSemicolonsOutsideQuotes) {
  CliRun run;
  run.args = {"--db", Db(), "-c",
              "put 'a;b' 1; put c \"2;3\"; get 'a;b'; scan"};
  const CliResult r = RunCli(run);
  EXPECT_EQ(r.out, "1\na;b ==> 1\nc ==> 2;3\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CliPipeTest, ScriptFileRunsAndErrorsNameTheLine) {
  const std::string script = dir_.Child("s.o3");
  std::ofstream(script) << "put a 1\n# a comment\nbogus\nget a\n";
  CliRun run;
  run.args = {"--db", Db(), script};
  CliResult r = RunCli(run);
  EXPECT_EQ(r.out, "1\n");
  EXPECT_TRUE(OneErrorLine(r, script + ":3: unknown command 'bogus'"));
  EXPECT_EQ(r.exit_code, 1);

  run.args = {"--db", Db(), "--file", script, "--stop-on-error"};
  std::ofstream(script) << "put b 2\nbogus\nput c 3\n";
  r = RunCli(run);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneErrorLine(r, ":2: unknown command"));
  EXPECT_EQ(Contents(Db()), (std::map<std::string, std::string>{
                                {"a", "1"}, {"b", "2"}}));  // no c

  run.args = {"--db", Db(), dir_.Child("missing.o3")};
  r = RunCli(run);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(OneErrorLine(r, "cannot read script"));
}

TEST_F(CliPipeTest, QuitStopsReading) {
  const CliResult r = RunCliOn(Db(), "put a 1\nquit\nput b 2\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(Contents(Db()), (std::map<std::string, std::string>{{"a", "1"}}));
  EXPECT_EQ(RunCliOn(Db(), "exit; put c 3").exit_code, 0);
  EXPECT_EQ(Contents(Db()).count("c"), 0u);
}

TEST_F(CliPipeTest, MissingDatabaseWithoutCreateIsOneError) {
  for (const char* flag : {"--no-create", "--create-if-missing=false"}) {
    const CliResult r = RunCliOn(Db(), "put a 1\n", {flag});
    EXPECT_TRUE(
        OneErrorLine(r, "cannot open database: " + Db() + ": does not exist"))
        << flag;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_FALSE(std::filesystem::exists(Db() + "/CURRENT"));
  }
}

TEST_F(CliPipeTest, LockedDatabaseIsOneErrorAndToolsStillWork) {
  ASSERT_EQ(RunCliOn(Db(), "put a 1\nflush\n").exit_code, 0);
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(Options(), Db(), &db));
  CliResult r = RunCliOn(Db(), "get a\n");
  EXPECT_TRUE(OneErrorLine(r, "Busy: cannot open database: " + Db()));
  EXPECT_EQ(r.exit_code, 1);
  // The tools read files and open no database, so the lock does not stop
  // them.
  CliRun run;
  run.args = {"--db", Db(), "manifest"};
  r = RunCli(run);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("live files"), std::string::npos);
  ASSERT_OK(db->Close());
}

TEST_F(CliPipeTest, SstToolWithoutAShell) {
  ASSERT_EQ(RunCliOn(Db(), "put a 1\nput b 2\nflush\n").exit_code, 0);
  std::string sst;
  for (const auto& e : std::filesystem::directory_iterator(Db())) {
    if (e.path().extension() == ".sst") sst = e.path().string();
  }
  ASSERT_FALSE(sst.empty());
  CliRun run;
  run.args = {"sst", "dump", sst, "--limit", "1"};
  CliResult r = RunCli(run);
  EXPECT_EQ(r.out, "'a' seq:1, type:1 => 1\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  run.args = {"--db", Db(), "sst", "check",
              std::filesystem::path(sst).filename().string()};
  r = RunCli(run);
  EXPECT_NE(r.out.find(": OK, 2 entries"), std::string::npos) << r.err;
  run.args = {"sst", "props", sst};
  r = RunCli(run);
  EXPECT_NE(r.out.find("num_entries: 2\n"), std::string::npos) << r.err;

  // A damaged copy: one error line naming the file, exit status 1.
  std::string bytes;
  ASSERT_OK(ReadFileToString(Env::Default(), sst, &bytes));
  bytes[2] ^= 0x20;
  const std::string bad = dir_.Child("bad.sst");
  ASSERT_OK(WriteStringToFile(Env::Default(), bytes, bad, false));
  for (const char* action : {"check", "dump"}) {
    run.args = {"sst", action, bad};
    r = RunCli(run);
    EXPECT_TRUE(OneErrorLine(r, "Corruption: " + bad)) << action;
    EXPECT_EQ(r.out, "") << action;
    EXPECT_EQ(r.exit_code, 1);
  }
  // The same through the shell, which goes on afterwards.
  r = RunCliOn(Db(), "sst check " + bad + "\nget b\n");
  EXPECT_TRUE(OneErrorLine(r, bad));
  EXPECT_EQ(r.out, "2\n");
}

TEST_F(CliPipeTest, DefaultDatabaseIsO3lsmDataInTheWorkingDirectory) {
  CliRun run;
  run.cwd = dir_.path();
  run.input = "put a 1\n";
  const CliResult r = RunCli(run);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Contents(dir_.Child("o3lsm-data")),
            (std::map<std::string, std::string>{{"a", "1"}}));
}

TEST_F(CliPipeTest, OffloadFlagsReachTheEngine) {
  // Every role in this process, with an embedded pool.
  CliResult r = RunCliOn(Db(), "put a 1\nget a\nsegments\nconfig\n",
                         {"--offload", "all"});
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("1\n", 0), 0u) << r.out;
  EXPECT_EQ(r.out.find("no DM pool attached"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  offload: memtable,flush,compaction\n"),
            std::string::npos)
      << r.out;

  // A malformed pool URI is the user's to fix: the database does not open.
  r = RunCliOn(Db(), "get a\n", {"--fabric", "bogus:x"});
  EXPECT_TRUE(OneErrorLine(r, "cannot open database"));
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(CliPipeTest, ClusterFileNamesThePool) {
  // The cluster file every node reads: the shell takes its pool.
  const std::string file = dir_.Child("cluster.toml");
  ASSERT_OK(WriteStringToFile(Env::Default(),
                              "# written by hand\npool = \"emulated:\"\n"
                              "size = \"64M\"\n",
                              file, false));
  CliResult r = RunCliOn(Db(), "put a 1\nget a\nconfig\n",
                         {"--cluster", file});
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("1\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("  cluster: " + file + "\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  offload: memtable,flush,compaction\n"),
            std::string::npos)
      << r.out;

  // A file without a pool, or a pool other than --fabric's: one line, no
  // database opened.
  const std::string no_pool = dir_.Child("nopool.toml");
  ASSERT_OK(WriteStringToFile(Env::Default(), "size = \"1G\"\n", no_pool,
                              false));
  CliRun run;
  run.args = {"--db", Db(), "--cluster", no_pool};
  r = RunCli(run);
  EXPECT_TRUE(OneErrorLine(r, "names no pool"));
  EXPECT_EQ(r.exit_code, 2);
  // A key the cluster file does not know is an error, not ignored.
  const std::string typo = dir_.Child("typo.toml");
  ASSERT_OK(WriteStringToFile(Env::Default(),
                              "pool = \"emulated:\"\nworkers = 2\n", typo,
                              false));
  run.args = {"--db", Db(), "--cluster", typo};
  r = RunCli(run);
  EXPECT_TRUE(OneErrorLine(r, "unknown key 'workers'"));
  EXPECT_EQ(r.exit_code, 2);
  // A network pool needs its secret and cluster id.
  const std::string half = dir_.Child("half.toml");
  ASSERT_OK(WriteStringToFile(Env::Default(),
                              "listen = \"127.0.0.1:7470\"\n", half, false));
  run.args = {"--db", Db(), "--cluster", half};
  r = RunCli(run);
  EXPECT_TRUE(OneErrorLine(r, "needs secret and cluster_id"));
  EXPECT_EQ(r.exit_code, 2);
  // The file's storage is the database directory when --db says none.
  const std::string with_storage = dir_.Child("storage.toml");
  const std::string stored = dir_.Child("shared-db");
  ASSERT_OK(WriteStringToFile(Env::Default(),
                              "pool = \"emulated:\"\nstorage = \"" +
                                  stored + "\"\n",
                              with_storage, false));
  run.args = {"--cluster", with_storage};
  run.input = "put k v\n";
  r = RunCli(run);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ("v", Contents(stored)["k"]);
  run.input.clear();
  run.args = {"--db", Db(), "--cluster", file, "--fabric", "cxl:/tmp/x"};
  r = RunCli(run);
  EXPECT_TRUE(OneErrorLine(r, "but --fabric names 'cxl:/tmp/x'"));
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(CliPipeTest, CommandLineErrorsExitWithStatusTwo) {
  CliRun run;
  run.args = {"--db", Db(), "--cluster", dir_.Child("missing.toml")};
  CliResult r = RunCli(run);
  EXPECT_TRUE(OneErrorLine(r, "cannot read the file"));
  EXPECT_EQ(r.exit_code, 2);
  run.args = {"--db", Db(), "--offload", "memtable,nope"};
  r = RunCli(run);
  EXPECT_TRUE(OneErrorLine(r, "--offload: unknown layer 'nope'"));
  EXPECT_EQ(r.exit_code, 2);
  run.args = {"--db", Db(), "--fabric", "emulated:", "--offload=none"};
  r = RunCli(run);
  EXPECT_TRUE(OneErrorLine(r, "--fabric: --offload=none offloads nothing"));
  EXPECT_EQ(r.exit_code, 2);
  run.args = {"--bogus"};
  r = RunCli(run);
  EXPECT_TRUE(OneErrorLine(r, "--bogus"));
  EXPECT_EQ(r.exit_code, 2);
  run.args = {"-c", "get a", "script.o3"};
  r = RunCli(run);
  EXPECT_TRUE(OneErrorLine(r, "not both"));
  EXPECT_EQ(r.exit_code, 2);
  run.args = {"--help"};
  r = RunCli(run);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--db"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(Db()));
}

}  // namespace
}  // namespace o3lsm::cli
