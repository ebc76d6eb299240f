// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// SealedMemTable's lifecycle: the legal paths to installation, and the
// illegal moves it refuses.

#include "lsm/db/sealed_memtable.h"

#include <gtest/gtest.h>

namespace o3lsm {
namespace {

using Phase = SealedMemTable::Phase;

MemTableRef FilledMemTable(uint64_t id) {
  auto mem = std::make_shared<MemTable>(id, 1 << 20, 4 << 20, 0);
  EXPECT_TRUE(mem->Add(1, kTypeValue, "b", "1"));
  EXPECT_TRUE(mem->Add(2, kTypeValue, "x", "2"));
  mem->set_log_number(7);
  return mem;
}

FileMetaData Table(uint64_t number) {
  FileMetaData f;
  f.number = number;
  return f;
}

TEST(SealedMemTable, TakesItsIdentityFromTheMemTable) {
  SealedMemTable m(FilledMemTable(42), 3, 9);
  EXPECT_EQ(42u, m.id());
  EXPECT_EQ(7u, m.log_number());
  EXPECT_EQ(3, m.shard());
  EXPECT_EQ(9u, m.router_generation());
  EXPECT_EQ("b", m.smallest());
  EXPECT_EQ("x", m.largest());
  EXPECT_TRUE(m.is(Phase::kLocal));
  EXPECT_TRUE(m.waiting());
  EXPECT_FALSE(m.in_dm());
  EXPECT_NE(nullptr, m.reader());
}

TEST(SealedMemTable, LocalFlushToInstall) {
  SealedMemTable m(FilledMemTable(1), 0, 0);
  m.StartFlush();
  EXPECT_FALSE(m.waiting());
  m.FailFlush();  // an I/O error: back to waiting, still local
  EXPECT_TRUE(m.is(Phase::kLocal));
  m.StartFlush();
  m.FinishFlush(Table(12));
  EXPECT_TRUE(m.is(Phase::kFlushed));
  EXPECT_EQ(12u, m.result().number);
  m.StartInstall();
  m.FailInstall();  // the MANIFEST write failed
  EXPECT_TRUE(m.is(Phase::kFlushed));
  m.StartInstall();
  EXPECT_TRUE(m.is(Phase::kInstalling));
}

TEST(SealedMemTable, AFailedMoveKeepsItLocal) {
  SealedMemTable m(FilledMemTable(1), 0, 0);
  m.StartMove();
  EXPECT_TRUE(m.is(Phase::kMoving));
  EXPECT_FALSE(m.waiting());  // neither flushed nor moved twice meanwhile
  m.FailMove();
  EXPECT_TRUE(m.is(Phase::kLocal));
  EXPECT_NE(nullptr, m.mem());
}

TEST(SealedMemTable, AHandedBackRemoteFlushIsFlushedHere) {
  SealedMemTable m(FilledMemTable(1), 0, 0);
  m.StartMove();
  // (A DM segment needs a pool; the lifecycle does not look inside it.)
  m.FinishMove(nullptr);
  EXPECT_TRUE(m.is(Phase::kInDm));
  EXPECT_EQ(nullptr, m.mem());  // the local copy went
  m.StartRemoteFlush();
  m.RemoteFlushHandedBack();
  EXPECT_TRUE(m.is(Phase::kInDm));
  EXPECT_TRUE(m.local_only());
  EXPECT_DEATH(m.StartRemoteFlush(), "illegal move in-dm -> remote-flushing");
  m.StartFlush();
  m.FinishFlush(Table(3));
  EXPECT_TRUE(m.is(Phase::kFlushed));
}

TEST(SealedMemTable, ALostPoolRebuildsFromTheWal) {
  SealedMemTable m(FilledMemTable(1), 0, 0);
  m.StartMove();
  m.FinishMove(nullptr);
  m.StartRemoteFlush();
  m.StartRebuild();
  EXPECT_FALSE(m.waiting());
  EXPECT_DEATH(m.RemoteFlushDone(Table(5)), "rebuilding -> flushed");
  m.FinishRebuild(FilledMemTable(1));
  EXPECT_TRUE(m.is(Phase::kLocal));
  EXPECT_TRUE(m.local_only());
  EXPECT_FALSE(m.in_dm());
  EXPECT_NE(nullptr, m.mem());
}

TEST(SealedMemTable, IllegalMovesAbort) {
  SealedMemTable m(FilledMemTable(1), 0, 0);
  EXPECT_DEATH(m.StartInstall(), "illegal move local -> installing");
  EXPECT_DEATH(m.FinishFlush(Table(1)), "illegal move local -> flushed");
  EXPECT_DEATH(m.StartRemoteFlush(), "illegal move local -> remote-flushing");
  EXPECT_DEATH(m.StartRebuild(), "illegal move local -> rebuilding");
  m.StartFlush();
  EXPECT_DEATH(m.StartMove(), "illegal move flushing -> moving");
}

}  // namespace
}  // namespace o3lsm
