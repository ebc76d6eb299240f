// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "o3lsm/status.h"

#include <gtest/gtest.h>

namespace o3lsm {

TEST(Status, OkIsCheapAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ("OK", s.ToString());
  EXPECT_TRUE(s.message().empty());
}

TEST(Status, CodeAndMessagesArePrinted) {
  Status s = Status::Corruption("/db/000005.sst", "bad block at offset 4096");
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ("Corruption: /db/000005.sst: bad block at offset 4096",
            s.ToString());
  EXPECT_TRUE(s.data_loss());
  EXPECT_FALSE(s.retryable());
}

TEST(Status, RetryableCodes) {
  EXPECT_TRUE(Status::Unavailable("peer gone").retryable());
  EXPECT_TRUE(Status::TimedOut("lease").retryable());
  EXPECT_TRUE(Status::Busy("locked").retryable());
  EXPECT_FALSE(Status::IOError("disk").retryable());
  EXPECT_FALSE(Status::NotFound("k").data_loss());
}

TEST(Status, CopyAndMoveKeepTheMessage) {
  Status a = Status::IOError("file", "write");
  Status b = a;
  EXPECT_EQ(a.ToString(), b.ToString());
  Status c = std::move(a);
  EXPECT_EQ("IOError: file: write", c.ToString());
  b = Status::OK();
  EXPECT_TRUE(b.ok());
  b = c;
  EXPECT_EQ(c.ToString(), b.ToString());
}

}  // namespace o3lsm
