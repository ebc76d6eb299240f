// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The sst and manifest tools as functions, on files of a database the test
// writes, intact and damaged.

#include "tools/cli/sst_tool.h"

#include <algorithm>
#include <gtest/gtest.h>

#include "o3lsm/db.h"
#include "o3lsm/env.h"

#include "lsm/version/filename.h"
#include "tests/cli/cli_test_util.h"
#include "tests/testutil.h"
#include "tools/cli/manifest_tool.h"

namespace o3lsm::cli {
namespace {

using test::Lines;

class SstToolTest : public ::testing::Test {
 protected:
  SstToolTest() : env_(Env::Default()), db_path_(dir_.Child("db")) {}

  // Writes a database with two SSTs: {a, b, c} and then {b deleted, d}.
  void WriteDatabase() {
    Options options;
    options.create_if_missing = true;
    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(options, db_path_, &db));
    ASSERT_OK(db->Put(WriteOptions(), "a", "1"));
    ASSERT_OK(db->Put(WriteOptions(), "b", "2"));
    ASSERT_OK(db->Put(WriteOptions(), "c", std::string("\x00\xff", 2)));
    ASSERT_OK(db->Flush(FlushOptions()));
    ASSERT_OK(db->Delete(WriteOptions(), "b"));
    ASSERT_OK(db->Put(WriteOptions(), "d", "4"));
    ASSERT_OK(db->Flush(FlushOptions()));
    ASSERT_OK(db->Close());
  }

  // The database's SST paths, oldest first.
  std::vector<std::string> Tables() {
    std::vector<std::string> names;
    EXPECT_OK(env_->GetChildren(db_path_, &names));
    std::vector<std::pair<uint64_t, std::string>> tables;
    for (const std::string& name : names) {
      uint64_t number;
      FileType type;
      if (ParseFileName(name, &number, &type) && type == FileType::kTableFile) {
        tables.emplace_back(number, db_path_ + "/" + name);
      }
    }
    std::sort(tables.begin(), tables.end());
    std::vector<std::string> paths;
    for (auto& [n, p] : tables) paths.push_back(p);
    return paths;
  }

  void FlipByte(const std::string& path, size_t offset) {
    std::string data;
    ASSERT_OK(ReadFileToString(env_, path, &data));
    ASSERT_LT(offset, data.size());
    data[offset] ^= 0x40;
    ASSERT_OK(WriteStringToFile(env_, data, path, false));
  }

  void Truncate(const std::string& path, size_t size) {
    ASSERT_OK(env_->TruncateFile(path, size));
  }

  test::ScratchDir dir_;
  Env* const env_;
  const std::string db_path_;
};

TEST_F(SstToolTest, CheckVerifiesEveryEntryAndReportsTheCount) {
  WriteDatabase();
  const std::vector<std::string> tables = Tables();
  ASSERT_EQ(tables.size(), 2u);
  std::string summary;
  ASSERT_OK(CheckSst(env_, tables[0], &summary));
  EXPECT_EQ(summary.rfind(tables[0] + ": OK, 3 entries (0 deletions) in 1 "
                                      "data blocks, ",
                          0),
            0u)
      << summary;
  ASSERT_OK(CheckSst(env_, tables[1], &summary));
  EXPECT_NE(summary.find(": OK, 2 entries (1 deletions)"), std::string::npos)
      << summary;
}

TEST_F(SstToolTest, DumpShowsInternalKeyParts) {
  WriteDatabase();
  const std::vector<std::string> tables = Tables();
  BufferConsole console;
  ASSERT_OK(DumpSst(env_, tables[0], SstDumpOptions(), &console));
  EXPECT_EQ(console.out(),
            "'a' seq:1, type:1 => 1\n"
            "'b' seq:2, type:1 => 2\n"
            "'c' seq:3, type:1 => \\x00\\xFF\n");
  console.Clear();
  ASSERT_OK(DumpSst(env_, tables[1], SstDumpOptions(), &console));
  EXPECT_EQ(console.out(),
            "'b' seq:4, type:0 => \n"
            "'d' seq:5, type:1 => 4\n");
}

TEST_F(SstToolTest, DumpHonorsRangeLimitAndHex) {
  WriteDatabase();
  const std::string table = Tables()[0];
  BufferConsole console;
  SstDumpOptions options;
  options.range.has_from = true;
  options.range.from = "b";
  options.limit = 1;
  options.value_hex = true;
  ASSERT_OK(DumpSst(env_, table, options, &console));
  EXPECT_EQ(console.out(), "'b' seq:2, type:1 => 0x32\n");
  console.Clear();
  options = SstDumpOptions();
  options.range.has_to = true;
  options.range.to = "b";
  options.key_hex = true;
  ASSERT_OK(DumpSst(env_, table, options, &console));
  EXPECT_EQ(console.out(), "'0x61' seq:1, type:1 => 1\n");
}

TEST_F(SstToolTest, PropsPrintsTheProperties) {
  WriteDatabase();
  const std::string table = Tables()[1];
  std::string text;
  ASSERT_OK(SstProperties(env_, table, &text));
  EXPECT_EQ(text.rfind("file: " + table + "\nfile_size: ", 0), 0u);
  EXPECT_NE(text.find("\nnum_entries: 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nnum_deletions: 1\n"), std::string::npos) << text;
}

TEST_F(SstToolTest, DamagedDataBlockIsCorruptionNamingTheFile) {
  WriteDatabase();
  const std::string table = Tables()[0];
  FlipByte(table, 3);  // inside the first (only) data block
  std::string summary;
  Status s = CheckSst(env_, table, &summary);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find(table), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("offset"), std::string::npos) << s.ToString();
  BufferConsole console;
  s = DumpSst(env_, table, SstDumpOptions(), &console);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(console.out(), "");  // never a wrong entry
}

TEST_F(SstToolTest, TruncatedOrForeignFilesAreErrorsNamingTheFile) {
  WriteDatabase();
  const std::string table = Tables()[0];
  uint64_t size = 0;
  ASSERT_OK(env_->GetFileSize(table, &size));
  Truncate(table, size - 10);
  std::string text;
  Status s = SstProperties(env_, table, &text);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find(table), std::string::npos) << s.ToString();

  const std::string junk = dir_.Child("junk.sst");
  ASSERT_OK(WriteStringToFile(env_, "not an sst at all", junk, false));
  s = CheckSst(env_, junk, &text);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find(junk), std::string::npos) << s.ToString();

  s = CheckSst(env_, dir_.Child("missing.sst"), &text);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("missing.sst"), std::string::npos);
}

TEST_F(SstToolTest, ManifestDumpEndsWithTheLiveFiles) {
  WriteDatabase();
  std::string manifest;
  uint64_t number = 0;
  ASSERT_OK(ResolveManifest(env_, db_path_, &manifest, &number));
  std::string current;
  ASSERT_OK(ReadFileToString(env_, CurrentFileName(db_path_), &current));
  EXPECT_EQ(manifest, db_path_ + "/" + current.substr(0, current.size() - 1));
  BufferConsole console;
  ASSERT_OK(DumpManifest(env_, manifest, number, 7, &console));
  const std::string& out = console.out();
  EXPECT_EQ(out.rfind("# edit 1 at offset 0\nVersionEdit {", 0), 0u) << out;
  // Both tables are live on level 0, whatever the edits were.
  const std::vector<std::string> tables = Tables();
  std::string live;
  for (const std::string& t : tables) {
    uint64_t n;
    FileType type;
    ASSERT_TRUE(ParseFileName(t.substr(t.rfind('/') + 1), &n, &type));
    live += (live.empty() ? "" : " ") + std::to_string(n);
  }
  EXPECT_NE(out.find("\nlevel 0: 2 files, "), std::string::npos) << out;
  EXPECT_NE(out.find(" bytes [" + live + "]\n"), std::string::npos) << out;
  EXPECT_NE(out.find("clean end at offset"), std::string::npos) << out;
  EXPECT_NE(out.find("\ntotal: 2 live files, "), std::string::npos) << out;

  // A renamed copy: the number comes from its first record.
  const std::string copy = dir_.Child("manifest.copy");
  std::string bytes;
  ASSERT_OK(ReadFileToString(env_, manifest, &bytes));
  ASSERT_OK(WriteStringToFile(env_, bytes, copy, false));
  uint64_t copy_number = 0;
  std::string resolved;
  ASSERT_OK(ResolveManifest(env_, copy, &resolved, &copy_number));
  EXPECT_EQ(resolved, copy);
  EXPECT_EQ(copy_number, number);
}

TEST_F(SstToolTest, ManifestTornTailIsReportedNotFatal) {
  WriteDatabase();
  std::string manifest;
  uint64_t number = 0;
  ASSERT_OK(ResolveManifest(env_, db_path_, &manifest, &number));
  uint64_t size = 0;
  ASSERT_OK(env_->GetFileSize(manifest, &size));
  Truncate(manifest, size - 3);
  BufferConsole console;
  ASSERT_OK(DumpManifest(env_, manifest, number, 7, &console));
  EXPECT_NE(console.out().find("torn tail after offset"), std::string::npos)
      << console.out();
}

TEST_F(SstToolTest, ManifestDamageBeforeTheEndIsCorruption) {
  WriteDatabase();
  std::string manifest;
  uint64_t number = 0;
  ASSERT_OK(ResolveManifest(env_, db_path_, &manifest, &number));
  FlipByte(manifest, 20);  // inside the first record; more records follow
  BufferConsole console;
  Status s = DumpManifest(env_, manifest, number, 7, &console);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find(manifest), std::string::npos) << s.ToString();
  EXPECT_NE(console.out().find("stopped by damage"), std::string::npos);
}

TEST_F(SstToolTest, ManifestOfNothingIsNotFound) {
  std::string manifest;
  uint64_t number = 0;
  Status s = ResolveManifest(env_, dir_.Child("nothing"), &manifest, &number);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
}

}  // namespace
}  // namespace o3lsm::cli
