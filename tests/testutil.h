// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Helpers shared by the tests: Status assertions that print the status,
// scratch directories that clean up after themselves, random data.

#ifndef O3LSM_TESTS_TESTUTIL_H_
#define O3LSM_TESTS_TESTUTIL_H_

#include <gtest/gtest.h>
#include <string>
#include <sys/types.h>
#include <vector>

#include "o3lsm/status.h"

#include "util/random.h"

namespace o3lsm::test {

inline ::testing::AssertionResult IsOk(const char* expr, const Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << expr << " returned " << s.ToString();
}

#define ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::o3lsm::test::IsOk, (expr))
#define EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::o3lsm::test::IsOk, (expr))

// A fresh directory under $O3LSM_TEST_TMPDIR (or /tmp), removed with its
// contents on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& label = "t");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Child(const std::string& name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

// n random bytes (printable if printable).
std::string RandomBytes(Random64* rnd, size_t n, bool printable = true);

// Removes a directory tree; errors are ignored.
void RemoveTree(const std::string& path);

// Forks and execs args[0] with args; the child's pid (-1 if fork failed).
// A child that cannot exec exits with 127.
pid_t SpawnProcess(const std::vector<std::string>& args);

// Waits for a child: its exit code, 128 + signal if a signal ended it, or
// -1 if it cannot be waited for.
int ReapProcess(pid_t pid);

}  // namespace o3lsm::test

#endif  // O3LSM_TESTS_TESTUTIL_H_
