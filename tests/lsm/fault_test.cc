// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// File-system faults and damaged files: every one must end in a clear
// Status (Corruption / IOError / NoSpace naming the file, and the offset
// where there is one), never in a crash and never in wrong data.

#include <algorithm>
#include <fstream>
#include <gtest/gtest.h>

#include "o3lsm/db.h"

#include "lsm/db/db_impl.h"
#include "tests/fault_injection_env.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

class FaultTest : public ::testing::Test {
 protected:
  FaultTest() {
    options_.create_if_missing = true;
    options_.env = &env_;
  }
  ~FaultTest() override { db_.reset(); }

  Status TryOpen() {
    db_.reset();
    return DB::Open(options_, dir_.path(), &db_);
  }
  void Open() { ASSERT_OK(TryOpen()); }

  std::string Key(int i) { return "key" + std::to_string(100000 + i); }
  std::string Value(int i) {
    return "value-" + std::to_string(i) + std::string(50, 'v');
  }

  void Fill(int n, bool sync = false) {
    WriteOptions wo;
    wo.sync = sync;
    for (int i = 0; i < n; i++) ASSERT_OK(db_->Put(wo, Key(i), Value(i)));
  }

  // Names of files in the DB directory ending with suffix.
  std::vector<std::string> Files(const std::string& suffix) {
    std::vector<std::string> children, r;
    EXPECT_OK(Env::Default()->GetChildren(dir_.path(), &children));
    for (const auto& c : children) {
      if (c.size() >= suffix.size() &&
          c.compare(c.size() - suffix.size(), suffix.size(), suffix) == 0) {
        r.push_back(c);
      }
      if (suffix == "MANIFEST" && c.rfind("MANIFEST-", 0) == 0) r.push_back(c);
    }
    std::sort(r.begin(), r.end());
    return r;
  }

  void FlipByte(const std::string& name, uint64_t offset) {
    const std::string path = dir_.Child(name);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good()) << path;
    f.seekg(static_cast<std::streamoff>(offset));
    char c;
    f.read(&c, 1);
    c ^= 0x5a;
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(&c, 1);
  }

  uint64_t FileSize(const std::string& name) {
    uint64_t size = 0;
    EXPECT_OK(Env::Default()->GetFileSize(dir_.Child(name), &size));
    return size;
  }

  test::ScratchDir dir_;
  test::FaultInjectionEnv env_;
  Options options_;
  std::unique_ptr<DB> db_;
};

}  // namespace

TEST_F(FaultTest, CorruptSstBlockIsReportedNeverServedWrong) {
  Open();
  Fill(2000);
  ASSERT_OK(db_->Flush(FlushOptions()));
  db_.reset();
  auto ssts = Files(".sst");
  ASSERT_EQ(1u, ssts.size());
  FlipByte(ssts[0], 100);  // inside the first data block
  Open();
  int errors = 0;
  for (int i = 0; i < 2000; i++) {
    std::string v;
    Status s = db_->Get(ReadOptions(), Key(i), &v);
    if (s.ok()) {
      ASSERT_EQ(Value(i), v);  // never wrong data
    } else {
      ASSERT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(std::string::npos, s.ToString().find(ssts[0])) << s.ToString();
      EXPECT_NE(std::string::npos, s.ToString().find("offset")) << s.ToString();
      errors++;
    }
  }
  EXPECT_GT(errors, 0);
  auto it = db_->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
}

TEST_F(FaultTest, CorruptBlockOfAMappedTableIsReportedOnEveryRead) {
  // Straight POSIX Env: tables are mapped and their blocks used in place,
  // each verified on first use; a bad block must never pass as verified.
  options_.env = Env::Default();
  Open();
  Fill(2000);
  ASSERT_OK(db_->Flush(FlushOptions()));
  db_.reset();
  auto ssts = Files(".sst");
  ASSERT_EQ(1u, ssts.size());
  FlipByte(ssts[0], 100);
  Open();
  for (int round = 0; round < 2; round++) {
    int errors = 0;
    for (int i = 0; i < 2000; i++) {
      std::string v;
      Status s = db_->Get(ReadOptions(), Key(i), &v);
      if (s.ok()) {
        ASSERT_EQ(Value(i), v);
      } else {
        ASSERT_TRUE(s.IsCorruption()) << s.ToString();
        EXPECT_NE(std::string::npos, s.ToString().find(ssts[0]));
        errors++;
      }
    }
    EXPECT_GT(errors, 0) << "round " << round;
  }
}

TEST_F(FaultTest, VerifyChecksumsCatchesAMappedBlockDamagedAfterFirstUse) {
  // A mapped block is verified on its first use; the file damaged under the
  // mapping afterwards is caught by reads that ask to verify every time.
  options_.env = Env::Default();
  Open();
  Fill(2000);
  ASSERT_OK(db_->Flush(FlushOptions()));
  auto ssts = Files(".sst");
  ASSERT_EQ(1u, ssts.size());
  std::string v;
  for (int i = 0; i < 2000; i++) ASSERT_OK(db_->Get(ReadOptions(), Key(i), &v));
  FlipByte(ssts[0], 100);  // inside the first data block
  ReadOptions verify;
  verify.verify_checksums = true;
  int errors = 0;
  for (int i = 0; i < 2000; i++) {
    Status s = db_->Get(verify, Key(i), &v);
    if (s.ok()) {
      ASSERT_EQ(Value(i), v) << i;
    } else {
      ASSERT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(std::string::npos, s.ToString().find(ssts[0]));
      errors++;
    }
  }
  EXPECT_GT(errors, 0);
}

TEST_F(FaultTest, CorruptSstFooterFailsReadsWithClearError) {
  Open();
  Fill(500);
  ASSERT_OK(db_->Flush(FlushOptions()));
  db_.reset();
  auto ssts = Files(".sst");
  ASSERT_EQ(1u, ssts.size());
  FlipByte(ssts[0], FileSize(ssts[0]) - 3);
  Open();
  std::string v;
  Status s = db_->Get(ReadOptions(), Key(7), &v);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find(ssts[0])) << s.ToString();
}

TEST_F(FaultTest, WalCorruptionInTheMiddleFailsOpenNamingFileAndOffset) {
  Open();
  Fill(300, /*sync=*/true);
  db_.reset();
  auto logs = Files(".log");
  ASSERT_FALSE(logs.empty());
  FlipByte(logs.back(), 40);
  Status s = TryOpen();
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find(logs.back())) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("offset")) << s.ToString();
}

TEST_F(FaultTest, TornWalTailIsTruncatedAndCompleteRecordsSurvive) {
  Open();
  Fill(300, /*sync=*/true);
  db_.reset();
  auto logs = Files(".log");
  ASSERT_FALSE(logs.empty());
  const uint64_t size = FileSize(logs.back());
  ASSERT_OK(Env::Default()->TruncateFile(dir_.Child(logs.back()), size - 10));
  Open();
  std::string v;
  for (int i = 0; i < 299; i++) {
    ASSERT_OK(db_->Get(ReadOptions(), Key(i), &v)) << i;
    ASSERT_EQ(Value(i), v);
  }
  EXPECT_TRUE(db_->Get(ReadOptions(), Key(299), &v).IsNotFound());
  // The database stays writable and reopens cleanly.
  ASSERT_OK(db_->Put(WriteOptions(), Key(299), Value(299)));
  Open();
  ASSERT_OK(db_->Get(ReadOptions(), Key(299), &v));
}

TEST_F(FaultTest, ParanoidChecksRefuseATornTail) {
  Open();
  Fill(50, /*sync=*/true);
  db_.reset();
  auto logs = Files(".log");
  ASSERT_OK(Env::Default()->TruncateFile(dir_.Child(logs.back()),
                                         FileSize(logs.back()) - 5));
  options_.paranoid_checks = true;
  Status s = TryOpen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST_F(FaultTest, CorruptManifestFailsOpenNamingIt) {
  Open();
  Fill(200);
  ASSERT_OK(db_->Flush(FlushOptions()));
  db_.reset();
  auto manifests = Files("MANIFEST");
  ASSERT_EQ(1u, manifests.size());
  FlipByte(manifests[0], 15);
  Status s = TryOpen();
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("MANIFEST")) << s.ToString();
}

TEST_F(FaultTest, CurrentNamingAMissingManifestIsCorruption) {
  Open();
  db_.reset();
  ASSERT_OK(WriteStringToFile(Env::Default(), "MANIFEST-000999\n",
                              dir_.Child("CURRENT"), true));
  Status s = TryOpen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  ASSERT_OK(WriteStringToFile(Env::Default(), "garbage", dir_.Child("CURRENT"),
                              true));
  s = TryOpen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST_F(FaultTest, FailedWalWriteStopsWritesAndKeepsOldData) {
  Open();
  Fill(100);
  env_.FailWrites(".log");
  Status s = db_->Put(WriteOptions(), "x", "y");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find(".log")) << s.ToString();
  // Later writes fail too: the WAL may end in a partial record.
  EXPECT_FALSE(db_->Put(WriteOptions(), "x2", "y").ok());
  std::string v;
  ASSERT_OK(db_->Get(ReadOptions(), Key(5), &v));  // reads still work
  env_.ClearFaults();
  Open();
  for (int i = 0; i < 100; i++) {
    ASSERT_OK(db_->Get(ReadOptions(), Key(i), &v));
    ASSERT_EQ(Value(i), v);
  }
}

TEST_F(FaultTest, FailedWalSyncIsReportedToTheSyncWriter) {
  Open();
  env_.FailSyncs(".log");
  WriteOptions wo;
  wo.sync = true;
  Status s = db_->Put(wo, "k", "v");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  env_.ClearFaults();
  Open();
}

TEST_F(FaultTest, FailedFlushKeepsDataInTheWal) {
  Open();
  Fill(500);
  env_.FailWrites(".sst");
  Status s = db_->Flush(FlushOptions());
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(Files(".sst").empty());  // the partial output was removed
  env_.ClearFaults();
  Open();
  std::string v;
  for (int i = 0; i < 500; i++) {
    ASSERT_OK(db_->Get(ReadOptions(), Key(i), &v));
    ASSERT_EQ(Value(i), v);
  }
}

TEST_F(FaultTest, DiskFullDuringFlushIsNoSpaceAndReopensCleanly) {
  Open();
  Fill(2000);
  env_.DiskFullAfter(".sst", 20000);
  Status s = db_->Flush(FlushOptions());
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  s = db_->Put(WriteOptions(), "after", "full");
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  env_.ClearFaults();
  Open();
  std::string v;
  for (int i = 0; i < 2000; i += 7) {
    ASSERT_OK(db_->Get(ReadOptions(), Key(i), &v));
    ASSERT_EQ(Value(i), v);
  }
}

TEST_F(FaultTest, ShortReadsOfTablesNeverServeWrongData) {
  Open();
  Fill(1000);
  ASSERT_OK(db_->Flush(FlushOptions()));
  Open();  // empty caches
  env_.ShortReads(".sst");
  int errors = 0;
  for (int i = 0; i < 1000; i += 10) {
    std::string v;
    Status s = db_->Get(ReadOptions(), Key(i), &v);
    if (s.ok()) {
      ASSERT_EQ(Value(i), v);
    } else {
      ASSERT_TRUE(s.IsCorruption() || s.IsIOError()) << s.ToString();
      errors++;
    }
  }
  EXPECT_GT(env_.injected(), 0);
  EXPECT_GT(errors, 0);
  env_.ClearFaults();
  std::string v;
  Open();
  ASSERT_OK(db_->Get(ReadOptions(), Key(10), &v));
}

TEST_F(FaultTest, FailedReadsOfWalFailOpenWithIOError) {
  Open();
  Fill(20, true);
  db_.reset();
  env_.FailReads(".log");
  Status s = TryOpen();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  env_.ClearFaults();
  Open();
}

TEST_F(FaultTest, SyncedWritesSurviveAPowerCut) {
  Open();
  Fill(200, /*sync=*/true);
  db_.reset();  // no clean flush of unsynced data matters: all synced
  ASSERT_OK(env_.DropUnsyncedData());
  Open();
  std::string v;
  for (int i = 0; i < 200; i++) {
    ASSERT_OK(db_->Get(ReadOptions(), Key(i), &v)) << i;
  }
}

}  // namespace o3lsm
