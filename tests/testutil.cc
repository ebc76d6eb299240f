// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tests/testutil.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

namespace o3lsm::test {

ScratchDir::ScratchDir(const std::string& label) {
  const char* base = getenv("O3LSM_TEST_TMPDIR");
  std::string root = (base != nullptr && base[0] != '\0') ? base : "/tmp";
  std::filesystem::create_directories(root);
  static std::atomic<int> counter{0};
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info != nullptr ? std::string(info->test_suite_name()) +
                                           "." + info->name()
                                     : std::string("o3lsm");
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  path_ = root + "/" + name + "-" + label + "-" + std::to_string(getpid()) +
          "-" + std::to_string(counter.fetch_add(1));
  RemoveTree(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  if (getenv("O3LSM_KEEP_TEST_DIRS") == nullptr) RemoveTree(path_);
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string RandomBytes(Random64* rnd, size_t n, bool printable) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) {
    s[i] = printable ? static_cast<char>(' ' + rnd->Uniform(95))
                     : static_cast<char>(rnd->Uniform(256));
  }
  return s;
}

pid_t SpawnProcess(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int ReapProcess(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace o3lsm::test
