// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "o3lsm/env.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/testutil.h"

namespace o3lsm {

TEST(PosixEnv, WriteReadAppendAndList) {
  test::ScratchDir dir;
  Env* env = Env::Default();
  const std::string f = dir.Child("a");
  ASSERT_OK(WriteStringToFile(env, "hello ", f, true));
  std::unique_ptr<WritableFile> w;
  ASSERT_OK(env->NewAppendableFile(f, &w));
  EXPECT_EQ(6u, w->Size());
  ASSERT_OK(w->Append(std::string(100000, 'x')));
  ASSERT_OK(w->Sync());
  ASSERT_OK(w->Close());
  std::string data;
  ASSERT_OK(ReadFileToString(env, f, &data));
  EXPECT_EQ("hello " + std::string(100000, 'x'), data);

  std::unique_ptr<RandomAccessFile> r;
  ASSERT_OK(env->NewRandomAccessFile(f, &r));
  char scratch[16];
  Slice result;
  ASSERT_OK(r->Read(2, 4, &result, scratch));
  EXPECT_EQ("llo ", result.ToString());
  ASSERT_OK(r->Read(100004, 10, &result, scratch));
  EXPECT_EQ("xx", result.ToString());

  std::vector<std::string> children;
  ASSERT_OK(env->GetChildren(dir.path(), &children));
  EXPECT_EQ(std::vector<std::string>{"a"}, children);
  ASSERT_OK(env->TruncateFile(f, 3));
  uint64_t size;
  ASSERT_OK(env->GetFileSize(f, &size));
  EXPECT_EQ(3u, size);
  ASSERT_OK(env->RenameFile(f, dir.Child("b")));
  EXPECT_FALSE(env->FileExists(f));
  EXPECT_TRUE(env->FileExists(dir.Child("b")));
  ASSERT_OK(env->SyncDir(dir.path()));
}

TEST(PosixEnv, MissingFileIsNotFoundNamingThePath) {
  test::ScratchDir dir;
  std::unique_ptr<SequentialFile> f;
  Status s = Env::Default()->NewSequentialFile(dir.Child("nope"), &f);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("nope"));
}

TEST(PosixEnv, LockIsExclusiveWithinTheProcess) {
  test::ScratchDir dir;
  Env* env = Env::Default();
  std::unique_ptr<FileLock> l1, l2;
  ASSERT_OK(env->LockFile(dir.Child("LOCK"), &l1));
  Status s = env->LockFile(dir.Child("LOCK"), &l2);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  ASSERT_OK(env->UnlockFile(std::move(l1)));
  ASSERT_OK(env->LockFile(dir.Child("LOCK"), &l2));
  ASSERT_OK(env->UnlockFile(std::move(l2)));
}

}  // namespace o3lsm
