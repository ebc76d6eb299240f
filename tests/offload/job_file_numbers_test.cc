// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// JobFileNumbers: a number goes to a job only once the MANIFEST's next
// file number is past it.

#include "lsm/offload/job_file_numbers.h"

#include <gtest/gtest.h>

namespace o3lsm {
namespace {

struct FakeManifest {
  uint64_t next = 10;          // the database's counter
  uint64_t durable_next = 10;  // what the MANIFEST records
  int log_requests = 0;
};

JobFileNumbers Numbers(FakeManifest* m) {
  return JobFileNumbers(
      [m](uint64_t n) {
        const uint64_t first = m->next;
        m->next += n;
        return first;
      },
      [m] { return m->durable_next; }, [m] { m->log_requests++; });
}

TEST(JobFileNumbers, NothingIsHandedOutBeforeTheManifestRecordsIt) {
  FakeManifest m;
  JobFileNumbers numbers = Numbers(&m);
  numbers.Reserve();  // at open
  EXPECT_TRUE(numbers.waiting_for_record());
  EXPECT_EQ(0u, numbers.Take(4));  // not durable yet
  m.durable_next = m.next;          // the open's MANIFEST record
  EXPECT_FALSE(numbers.waiting_for_record());
  EXPECT_EQ(10u, numbers.Take(4));
  EXPECT_EQ(14u, numbers.Take(4));
  EXPECT_EQ(18u, numbers.handed_out_end());
}

TEST(JobFileNumbers, TheNextBlockIsReservedAndLoggedAtHalfTime) {
  FakeManifest m;
  JobFileNumbers numbers = Numbers(&m);
  numbers.Reserve();
  m.durable_next = m.next;
  const uint64_t half = JobFileNumbers::kBlock / 2;
  EXPECT_EQ(10u, numbers.Take(half + 1));
  EXPECT_EQ(0, m.log_requests);
  // Under half left: the next block is reserved and a record asked for.
  EXPECT_NE(0u, numbers.Take(1));
  EXPECT_EQ(1, m.log_requests);
  EXPECT_TRUE(numbers.waiting_for_record());
  // The rest of the block in use still goes out...
  const uint64_t left = JobFileNumbers::kBlock - half - 2;
  EXPECT_NE(0u, numbers.Take(left));
  // ... but not the next block until its record is written.
  EXPECT_EQ(0u, numbers.Take(1));
  m.durable_next = m.next;
  EXPECT_EQ(10 + JobFileNumbers::kBlock, numbers.Take(1));
  EXPECT_EQ(1, m.log_requests);
}

}  // namespace
}  // namespace o3lsm
