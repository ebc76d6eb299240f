// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Crash recovery: a child process writes with sync=true and is killed with
// SIGKILL at random moments (while writing, flushing and compacting, which
// its tiny memtables make constant). After each kill the database is
// reopened: every acknowledged operation must be there, the one in flight
// may or may not be, and nothing else may differ.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "o3lsm/db.h"
#include "tests/lsm/crash_workload.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

using Model = std::map<std::string, std::string>;

// Starts the writer; returns its pid and the read end of its stdout pipe.
pid_t StartWriter(const std::string& db, uint64_t first_op, int* out_fd) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    const std::string first = std::to_string(first_op);
    execl(O3LSM_CRASH_WRITER_BIN, O3LSM_CRASH_WRITER_BIN, db.c_str(),
          first.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  *out_fd = fds[0];
  return pid;
}

Model ReadAll(DB* db) {
  Model m;
  auto it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    m[it->key().ToString()] = it->value().ToString();
  }
  EXPECT_OK(it->status());
  return m;
}

}  // namespace

TEST(CrashTest, AcknowledgedSyncWritesSurviveSigkill) {
  test::ScratchDir dir;
  Random64 rnd(20261121);
  Model model;      // state after `applied` operations
  uint64_t applied = 0;
  constexpr int kCycles = 12;
  for (int cycle = 0; cycle < kCycles; cycle++) {
    int fd = -1;
    const pid_t pid = StartWriter(dir.path(), applied, &fd);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(150 + rnd.Uniform(500)));
    kill(pid, SIGKILL);
    int status;
    ASSERT_EQ(pid, waitpid(pid, &status, 0));
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited on its own, status "
                                     << status;
    // Every index the writer reported was acknowledged.
    uint64_t acked_end = applied;  // one past the last acknowledged op
    uint64_t op;
    while (read(fd, &op, sizeof(op)) == sizeof(op)) {
      ASSERT_EQ(acked_end, op);
      acked_end = op + 1;
    }
    close(fd);
    for (; applied < acked_end; applied++) crash::Apply(applied, &model);

    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(crash::CrashOptions(), dir.path(), &db))
        << "cycle " << cycle;
    const Model actual = ReadAll(db.get());
    if (actual != model) {
      // Only the operation in flight when the kill came may have landed.
      Model with_next = model;
      crash::Apply(applied, &with_next);
      ASSERT_EQ(with_next, actual)
          << "cycle " << cycle << ": state matches neither " << applied
          << " nor " << applied + 1 << " operations";
      model.swap(with_next);
      applied++;
    }
    // Point reads agree with the scan.
    for (int i = 0; i < 50 && applied > 0; i++) {
      const uint64_t k = rnd.Uniform(applied);
      std::string v;
      Status s = db->Get(ReadOptions(), crash::Key(k), &v);
      auto m = model.find(crash::Key(k));
      if (m == model.end()) {
        ASSERT_TRUE(s.IsNotFound()) << s.ToString();
      } else {
        ASSERT_OK(s);
        ASSERT_EQ(m->second, v);
      }
    }
  }
  EXPECT_GT(applied, 100u) << "the writer made too little progress to test";
}

}  // namespace o3lsm
