// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The command table: argument and flag checking, help text, and tab
// completion, which all read it.

#include "tools/cli/command_registry.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "tests/testutil.h"
#include "tools/cli/commands.h"
#include "tools/cli/completion.h"

namespace o3lsm::cli {
namespace {

using Words = std::vector<std::string>;

Status NoOp(Session*, const ParsedCommand&) { return Status::OK(); }

CommandRegistry TestRegistry() {
  CommandRegistry r;
  r.Add(CommandSpec("scan", CommandGroup::kData, "scan [FROM] [TO]",
                    "print entries", NoOp)
            .Args(0, 2)
            .Flags({{"limit", "N", "at most N"}, {"hex", "", "hex"}})
            .Example("scan a b"));
  r.Add(CommandSpec("put", CommandGroup::kData, "put KEY VALUE", "store", NoOp)
            .Args(2, 2));
  r.Add(CommandSpec("quit", CommandGroup::kAdmin, "quit", "leave", NoOp)
            .Aliases({"exit"}));
  return r;
}

std::string ParseError(const CommandRegistry& r, const Words& words) {
  ParsedCommand c;
  Status s = r.Parse(words, &c);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  return std::string(s.message());
}

TEST(CommandRegistry, ParsesPositionalsAndFlagsInAnyOrder) {
  const CommandRegistry r = TestRegistry();
  ParsedCommand c;
  ASSERT_OK(r.Parse({"scan", "--limit", "5", "a", "--hex", "b"}, &c));
  EXPECT_EQ(c.spec->name, "scan");
  EXPECT_EQ(c.args, (Words{"a", "b"}));
  ASSERT_NE(c.Flag("limit"), nullptr);
  EXPECT_EQ(*c.Flag("limit"), "5");
  EXPECT_TRUE(c.Has("hex"));
  ASSERT_OK(r.Parse({"scan", "--limit=7"}, &c));
  EXPECT_EQ(*c.Flag("limit"), "7");
  EXPECT_FALSE(c.Has("hex"));
}

TEST(CommandRegistry, DoubleDashEndsFlags) {
  const CommandRegistry r = TestRegistry();
  ParsedCommand c;
  ASSERT_OK(r.Parse({"put", "--", "--odd", "--hex"}, &c));
  EXPECT_EQ(c.args, (Words{"--odd", "--hex"}));
  // "-" and "--"-less words are always positional.
  ASSERT_OK(r.Parse({"put", "-", "-x"}, &c));
  EXPECT_EQ(c.args, (Words{"-", "-x"}));
}

TEST(CommandRegistry, FindsAliases) {
  const CommandRegistry r = TestRegistry();
  ASSERT_NE(r.Find("exit"), nullptr);
  EXPECT_EQ(r.Find("exit")->name, "quit");
  EXPECT_EQ(r.Find("nope"), nullptr);
  EXPECT_EQ(r.Names(), (Words{"exit", "put", "quit", "scan"}));
}

TEST(CommandRegistry, BadInputSaysWhatAndGivesTheUsage) {
  const CommandRegistry r = TestRegistry();
  EXPECT_EQ(ParseError(r, {"frob"}), "unknown command 'frob' (try 'help')");
  EXPECT_EQ(ParseError(r, {"put", "a"}),
            "put: wrong number of arguments (1 given) (usage: put KEY VALUE)");
  EXPECT_EQ(ParseError(r, {"scan", "a", "b", "c"}),
            "scan: wrong number of arguments (3 given) (usage: scan [FROM] "
            "[TO] [--limit N] [--hex])");
  EXPECT_EQ(ParseError(r, {"scan", "--bogus"}),
            "scan: unknown flag '--bogus' (usage: scan [FROM] [TO] [--limit "
            "N] [--hex])");
  EXPECT_EQ(ParseError(r, {"scan", "--limit"}),
            "scan: --limit needs a value (usage: scan [FROM] [TO] [--limit N] "
            "[--hex])");
  EXPECT_EQ(ParseError(r, {"scan", "--hex=1"}),
            "scan: --hex takes no value (usage: scan [FROM] [TO] [--limit N] "
            "[--hex])");
}

TEST(CommandRegistry, HelpGroupsCommandsAndExplainsOne) {
  const CommandRegistry r = TestRegistry();
  const std::string list = r.HelpText();
  EXPECT_LT(list.find("Data:"), list.find("  scan [FROM] [TO]"));
  EXPECT_LT(list.find("  put KEY VALUE"), list.find("Admin:"));
  EXPECT_LT(list.find("Admin:"), list.find("  quit"));
  EXPECT_EQ(list.find("Cluster:"), std::string::npos);  // no such commands

  std::string text;
  ASSERT_OK(r.HelpFor("scan", &text));
  EXPECT_NE(text.find("usage: scan [FROM] [TO] [flags]"), std::string::npos);
  EXPECT_NE(text.find("--limit N  at most N"), std::string::npos);
  EXPECT_NE(text.find("example:\n  scan a b"), std::string::npos);
  ASSERT_OK(r.HelpFor("exit", &text));
  EXPECT_NE(text.find("usage: quit"), std::string::npos);
  EXPECT_TRUE(r.HelpFor("nope", &text).IsInvalidArgument());
}

TEST(BuiltinCommands, EveryCommandHasHelpAndAGroup) {
  const CommandRegistry& r = BuiltinCommands();
  const std::string list = r.HelpText();
  for (const char* group : {"Data:", "Admin:", "Cluster:", "Tools:"}) {
    EXPECT_NE(list.find(group), std::string::npos) << group;
  }
  for (const std::string& name : r.Names()) {
    const CommandSpec* spec = r.Find(name);
    ASSERT_NE(spec, nullptr);
    EXPECT_FALSE(spec->summary.empty()) << name;
    EXPECT_FALSE(spec->example.empty()) << name;
    EXPECT_LE(spec->min_args, spec->max_args) << name;
    std::string text;
    EXPECT_OK(r.HelpFor(name, &text));
  }
  for (const char* name :
       {"put",   "get",   "delete",   "scan",    "count",    "batch",
        "end",   "abort", "snapshot", "release", "flush",    "compact",
        "stats", "nodes", "jobs",     "shards",  "segments", "config",
        "quit",  "exit",  "help",     "sst",     "manifest"}) {
    EXPECT_NE(r.Find(name), nullptr) << name;
  }
}

TEST(Completion, CompletesAUniqueCommandNameWithABlank) {
  const CommandRegistry& r = BuiltinCommands();
  EXPECT_EQ(Complete("sta", r).insert, "ts ");
  EXPECT_EQ(Complete("put a 1; fl", r).insert, "ush ");
  EXPECT_TRUE(Complete("zzz", r).insert.empty());
  EXPECT_TRUE(Complete("zzz", r).choices.empty());
}

TEST(Completion, AmbiguousNamesGiveTheCommonPrefixThenTheChoices) {
  const CommandRegistry& r = BuiltinCommands();
  EXPECT_EQ(Complete("sn", r).insert, "apshot ");
  const Completion sh = Complete("s", r);
  EXPECT_TRUE(sh.insert.empty());
  EXPECT_EQ(sh.choices,
            (Words{"scan", "segments", "shards", "snapshot", "sst", "stats"}));
  const Completion co = Complete("co", r);
  EXPECT_TRUE(co.insert.empty());
  EXPECT_EQ(co.choices, (Words{"commit", "compact", "config", "count"}));
  EXPECT_EQ(Complete("comp", r).insert, "act ");
}

TEST(Completion, CompletesHelpArgumentsAndFixedWords) {
  const CommandRegistry& r = BuiltinCommands();
  EXPECT_EQ(Complete("help sc", r).insert, "an ");
  EXPECT_EQ(Complete("sst d", r).insert, "ump ");
  EXPECT_EQ(Complete("hex o", r).insert, "");
  EXPECT_EQ(Complete("hex o", r).choices, (Words{"off", "on"}));
  EXPECT_EQ(Complete("hex of", r).insert, "f ");
  // Arguments with no fixed words complete to nothing.
  EXPECT_TRUE(Complete("get a", r).insert.empty());
}

TEST(Completion, CompletesFileNamesForTools) {
  test::ScratchDir dir;
  std::ofstream(dir.Child("000123.sst")) << "x";
  std::ofstream(dir.Child("000124.sst")) << "x";
  std::filesystem::create_directories(dir.Child("sub"));
  const CommandRegistry& r = BuiltinCommands();
  EXPECT_EQ(Complete("sst dump " + dir.path() + "/00", r).insert, "012");
  EXPECT_EQ(Complete("sst dump " + dir.path() + "/000123", r).insert, ".sst ");
  // A directory is completed with its slash, and no blank.
  EXPECT_EQ(Complete("manifest " + dir.path() + "/su", r).insert, "b/");
}

}  // namespace
}  // namespace o3lsm::cli
