// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Engine bugs found by o3lsm-stress, each reduced to a deterministic test
// named after the bug; docs/reliability.md lists them.

#include <algorithm>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "lsm/dbformat.h"
#include "lsm/table/table_builder.h"
#include "lsm/table/table_options.h"
#include "lsm/version/filename.h"
#include "lsm/version/version_set.h"
#include "o3lsm/db.h"

#include "tests/fault_injection_env.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

std::string Key(int i) { return "key" + std::to_string(100000 + i); }
std::string Value(int i, int version) {
  return "v" + std::to_string(version) + "-" + std::to_string(i) +
         std::string(100, 'x');
}

// Numbers of the SST files in dir, ascending.
std::vector<uint64_t> TableNumbers(const std::string& dir) {
  std::vector<std::string> children;
  EXPECT_OK(Env::Default()->GetChildren(dir, &children));
  std::vector<uint64_t> r;
  for (const auto& c : children) {
    if (c.size() > 4 && c.compare(c.size() - 4, 4, ".sst") == 0) {
      r.push_back(std::stoull(c.substr(0, c.size() - 4)));
    }
  }
  std::sort(r.begin(), r.end());
  return r;
}

// Writes version `version` of keys [0, n) (every stride-th one).
void PutVersion(DB* db, int n, int version, int stride = 1) {
  for (int i = 0; i < n; i += stride) {
    ASSERT_OK(db->Put(WriteOptions(), Key(i), Value(i, version)));
  }
}

// Every key of [0, n) holds version `version`.
void ExpectVersion(DB* db, int n, int version) {
  for (int i = 0; i < n; i++) {
    std::string v;
    ASSERT_OK(db->Get(ReadOptions(), Key(i), &v)) << Key(i);
    ASSERT_EQ(Value(i, version), v);
  }
}

constexpr int kTwoVersionKeys = 300;

// A database in dir over env with two tables: version 1 of every key below
// L0, version 2 of every stride-th key in L0 (*tables: oldest first). Small
// blocks and no block cache, so that every block an iterator steps into is
// read from its file.
void OpenTwoVersions(const std::string& dir, test::FaultInjectionEnv* env,
                     int stride, std::unique_ptr<DB>* db,
                     std::vector<uint64_t>* tables) {
  Options options;
  options.create_if_missing = true;
  options.env = env;
  options.block_size = 256;  // many blocks
  options.block_cache_size = 0;
  options.disable_auto_compactions = true;
  ASSERT_OK(DB::Open(options, dir, db));
  PutVersion(db->get(), kTwoVersionKeys, 1);
  ASSERT_OK((*db)->CompactRange(nullptr, nullptr));  // version 1 below L0
  PutVersion(db->get(), kTwoVersionKeys, 2, stride);
  ASSERT_OK((*db)->Flush(FlushOptions()));  // version 2 in L0
  *tables = TableNumbers(dir);
  ASSERT_EQ(2u, tables->size());
}

}  // namespace

// Bug: every flush installation ran a full scan of the directory that
// deleted each table not in the *current* version, though older versions
// pinned by iterators (and by Gets in flight) still listed them. The
// iterator then failed with "NotFound: ...sst: No such file or directory";
// o3lsm-stress saw Gets return NotFound for keys that exist.
TEST(StressRegression, IteratorKeepsTheTablesOfItsVersion) {
  test::ScratchDir dir;
  Options options;
  options.create_if_missing = true;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir.path(), &db));
  for (int i = 0; i < 100; i++) {
    ASSERT_OK(db->Put(WriteOptions(), Key(i), Value(i, 1)));
  }
  ASSERT_OK(db->CompactRange(nullptr, nullptr));  // one table below L0
  // Pins that table; below L0 it is opened only when the iterator gets
  // there.
  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  for (int i = 0; i < 100; i++) {
    ASSERT_OK(db->Put(WriteOptions(), Key(i), Value(i, 2)));
  }
  ASSERT_OK(db->CompactRange(nullptr, nullptr));  // replaces the table
  ASSERT_OK(db->Put(WriteOptions(), "other", "x"));
  ASSERT_OK(db->Flush(FlushOptions()));  // installs a flush
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ASSERT_EQ(Value(n, 1), it->value().ToString());
    n++;
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(100, n);
}

// Bug: a table that cannot be opened because its file is missing made Get
// return Status::NotFound (from the file system's ENOENT), which callers
// read as "no such key": a lost table looked like absent keys. A table the
// version lists but cannot open is an error (Corruption or IOError).
TEST(StressRegression, GetOfAKeyInAMissingTableIsAnError) {
  test::ScratchDir dir;
  Options options;
  options.create_if_missing = true;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir.path(), &db));
  ASSERT_OK(db->Put(WriteOptions(), "k", "v"));
  ASSERT_OK(db->CompactRange(nullptr, nullptr));
  db.reset();
  ASSERT_OK(DB::Open(options, dir.path(), &db));  // nothing opened yet
  const std::vector<uint64_t> tables = TableNumbers(dir.path());
  ASSERT_EQ(1u, tables.size());
  ASSERT_OK(Env::Default()->RemoveFile(TableFileName(dir.path(), tables[0])));
  std::string v;
  Status s = db->Get(ReadOptions(), "k", &v);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.IsNotFound()) << s.ToString();
}

// Bug: when the MANIFEST sync of a compaction failed, the engine dropped
// the new version and deleted the compaction's outputs; but the edit had
// been appended, so the reopened database installed it: outputs missing,
// inputs deleted at open, every key of the range lost.
TEST(StressRegression,
     FailedManifestSyncDuringCompactionLosesNothing) {
  test::ScratchDir dir;
  test::FaultInjectionEnv env;
  Options options;
  options.create_if_missing = true;
  options.env = &env;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir.path(), &db));
  ASSERT_NO_FATAL_FAILURE(PutVersion(db.get(), 200, 1));
  ASSERT_OK(db->Flush(FlushOptions()));
  env.FailSyncs("MANIFEST");
  EXPECT_FALSE(db->CompactRange(nullptr, nullptr).ok());
  env.ClearFaults();
  db.reset();
  ASSERT_OK(DB::Open(options, dir.path(), &db));
  ExpectVersion(db.get(), 200, 1);
}

// The flush path of the same failure (a MANIFEST edit that may or may not
// be durable): it keeps its table and its WAL, and must go on doing so.
TEST(StressRegression, FailedManifestSyncDuringFlushLosesNothing) {
  test::ScratchDir dir;
  test::FaultInjectionEnv env;
  Options options;
  options.create_if_missing = true;
  options.env = &env;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir.path(), &db));
  ASSERT_NO_FATAL_FAILURE(PutVersion(db.get(), 200, 1));
  env.FailSyncs("MANIFEST");
  EXPECT_FALSE(db->Flush(FlushOptions()).ok());
  env.ClearFaults();
  db.reset();
  ASSERT_OK(DB::Open(options, dir.path(), &db));
  ExpectVersion(db.get(), 200, 1);
}

// Bug: an iterator that failed to read a block (an I/O error, a checksum
// mismatch, a short read) skipped the block and stayed Valid(), so a merge
// showed older versions from lower levels in place of the unreadable newer
// ones, or left keys out. include/o3lsm/iterator.h: "An iterator that hit
// an error is !Valid()".
TEST(StressRegression, IteratorStopsAtAnUnreadableBlock) {
  test::ScratchDir dir;
  test::FaultInjectionEnv env;
  std::unique_ptr<DB> db;
  std::vector<uint64_t> tables;
  ASSERT_NO_FATAL_FAILURE(
      OpenTwoVersions(dir.path(), &env, 1, &db, &tables));
  constexpr int kKeys = kTwoVersionKeys;
  const std::string newest = TableFileName(dir.path(), tables.back());

  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  env.FailReads(newest);  // the rest of version 2 is unreadable
  int seen = 0;
  for (; it->Valid(); it->Next()) {
    ASSERT_EQ(Value(seen, 2), it->value().ToString())
        << "iterator valid after an error: " << it->status().ToString();
    seen++;
  }
  EXPECT_LT(seen, kKeys);
  EXPECT_FALSE(it->status().ok());
}

// Bug: moving backward, DBIter collects a key's versions oldest first and
// keeps the last one it saw. When the table holding an older version
// failed as it stepped back (the merge then stops, after the fix above),
// DBIter returned that older version as the key's value: the newer one,
// in another table, was never reached.
TEST(StressRegression, ReverseIteratorStopsAtAnUnreadableBlock) {
  test::ScratchDir dir;
  test::FaultInjectionEnv env;
  std::unique_ptr<DB> db;
  std::vector<uint64_t> tables;
  ASSERT_NO_FATAL_FAILURE(
      OpenTwoVersions(dir.path(), &env, 1, &db, &tables));
  constexpr int kKeys = kTwoVersionKeys;
  const std::string oldest = TableFileName(dir.path(), tables.front());

  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  env.FailReads(oldest);  // the rest of version 1 is unreadable
  int seen = 0;
  for (; it->Valid(); it->Prev()) {
    ASSERT_EQ(Value(kKeys - 1 - seen, 2), it->value().ToString())
        << "iterator valid after an error: " << it->status().ToString();
    seen++;
  }
  EXPECT_LT(seen, kKeys);
  EXPECT_FALSE(it->status().ok());
}

// Bug: when the merge changed direction (Next after Prev, Prev after
// Next) every other child seeks again; if one failed, the merge ended
// with no child left and then stepped the (missing) top child: SIGSEGV.
// Found by the faults crash test.
TEST(StressRegression, DirectionChangeOverAnUnreadableBlockIsAnError) {
  test::ScratchDir dir;
  test::FaultInjectionEnv env;
  std::unique_ptr<DB> db;
  std::vector<uint64_t> tables;
  ASSERT_NO_FATAL_FAILURE(
      OpenTwoVersions(dir.path(), &env, 2, &db, &tables));
  constexpr int kKeys = kTwoVersionKeys;
  for (uint64_t table : tables) {
    const std::string name = TableFileName(dir.path(), table);
    for (bool forward_first : {true, false}) {
      std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
      it->Seek(Key(kKeys / 2));
      ASSERT_TRUE(it->Valid());
      if (forward_first) {
        it->Next();
      } else {
        it->Prev();
      }
      ASSERT_TRUE(it->Valid());
      env.FailReads(name);
      // Turning around seeks every child again; one of them cannot read.
      for (int i = 0; i < 40 && it->Valid(); i++) {
        if (forward_first) {
          it->Prev();
        } else {
          it->Next();
        }
      }
      EXPECT_FALSE(it->Valid()) << name;
      EXPECT_FALSE(it->status().ok()) << name;
      env.ClearFaults();
    }
  }
}

// Bug: with every layer offloaded and two shards, a flush job merged a
// shard's segments waiting in DM while a segment between them (still
// moving into DM) was left out. The one L0 file then held data both older
// and newer than the one flushed later from the left-out segment; L0 is
// ordered by largest sequence, so a Get found the older version of a key
// first ("found g3, expected g4"). The job now stops at a newer memtable
// of its range that cannot join, and a Get in L0 keeps looking past a hit
// while a later file may still hold a newer entry. This checks the latter
// directly: two L0 files whose sequences interleave, the one sorted first
// holding the older version of the key.
TEST(StressRegression, GetInL0FindsTheNewestOfInterleavedFiles) {
  test::ScratchDir dir;
  Options options;
  options.create_if_missing = true;
  options.disable_auto_compactions = true;
  {
    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(options, dir.path(), &db));
  }
  // Sequences: k@10 and z@50 in file A (sorted first: largest 50), k@30 in
  // file B (largest 30), and m@40 deleted in A but m@20 put in B.
  struct Entry {
    std::string key;
    SequenceNumber seq;
    ValueType type;
    std::string value;
  };
  const std::vector<Entry> file_a = {{"k", 10, kTypeValue, "old"},
                                     {"m", 40, kTypeDeletion, ""},
                                     {"z", 50, kTypeValue, "z"}};
  const std::vector<Entry> file_b = {{"k", 30, kTypeValue, "new"},
                                     {"m", 20, kTypeValue, "gone"}};
  auto obsolete = std::make_shared<ObsoleteFiles>();
  Options vs_options = options;
  vs_options.env = Env::Default();
  VersionSet versions(dir.path(), &vs_options, obsolete);
  ASSERT_OK(versions.Recover());
  VersionEdit edit;
  for (const auto* entries : {&file_a, &file_b}) {
    FileMetaData meta;
    meta.number = versions.NewFileNumber();
    const std::string fname = TableFileName(dir.path(), meta.number);
    std::unique_ptr<WritableFile> file;
    ASSERT_OK(Env::Default()->NewWritableFile(fname, &file));
    TableBuilder builder(TableOptions(), file.get(), fname);
    for (const Entry& e : *entries) {
      const InternalKey ikey(e.key, e.seq, e.type);
      builder.Add(ikey.Encode(), e.value);
      if (!meta.smallest.Valid()) meta.smallest = ikey;
      meta.largest = ikey;
      meta.smallest_seqno = std::min(meta.smallest_seqno, e.seq);
      meta.largest_seqno = std::max(meta.largest_seqno, e.seq);
      meta.num_entries++;
    }
    ASSERT_OK(builder.Finish());
    ASSERT_OK(file->Sync());
    ASSERT_OK(file->Close());
    meta.file_size = builder.FileSize();
    edit.AddFile(0, meta);
  }
  versions.SetLastSequence(std::max(versions.LastSequence(), SequenceNumber{50}));
  Mutex mu;
  {
    MutexLock l(&mu);
    ASSERT_OK(versions.LogAndApply(&edit, &mu));
  }

  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir.path(), &db));
  std::string value;
  ASSERT_OK(db->Get(ReadOptions(), "k", &value));
  EXPECT_EQ("new", value);
  EXPECT_TRUE(db->Get(ReadOptions(), "m", &value).IsNotFound());
  ASSERT_OK(db->Get(ReadOptions(), "z", &value));
  EXPECT_EQ("z", value);
  // The iterator merges by sequence, and agrees.
  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  it->Seek("k");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("new", it->value().ToString());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("z", it->key().ToString());
}

}  // namespace o3lsm
