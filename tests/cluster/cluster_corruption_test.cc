// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Damaged bytes in the job board and node table regions: a bad region
// header is a clear error naming the region; a bad slot is Corruption for
// that slot alone while every other slot keeps working; random garbage
// never crashes anyone.

#include <chrono>
#include <gtest/gtest.h>

#include "scheduler/cluster/cluster_region.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/node_table.h"
#include "tests/cluster/cluster_test_util.h"
#include "tests/testutil.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::cluster {
namespace {

using namespace std::chrono_literals;
using fabric::DmAddr;
using fabric::RegionKind;

// Rewrites a field of a region header, with (or without) a valid checksum.
void PatchHeader(fabric::Fabric* f, RegionKind kind, int offset, uint64_t v,
                 int width, bool fix_checksum) {
  const DmAddr at = f->RegionStart(kind);
  char h[region_header::kSize];
  ASSERT_OK(f->Read(at, h, sizeof(h)));
  if (width == 8) {
    EncodeFixed64(h + offset, v);
  } else {
    EncodeFixed32(h + offset, static_cast<uint32_t>(v));
  }
  if (fix_checksum) {
    EncodeFixed64(h + region_header::kChecksum,
                  Checksum64(h, region_header::kChecksum, DecodeFixed64(h)));
  }
  ASSERT_OK(f->Write(at, h, sizeof(h)));
}

TEST(ClusterCorruption, BadRegionHeadersAreClearErrors) {
  for (RegionKind kind : {RegionKind::kJobBoard, RegionKind::kNodeTable}) {
    const std::string name =
        kind == RegionKind::kJobBoard ? "job board" : "node table";
    SCOPED_TRACE(name);
    struct Case {
      int offset, width;
      uint64_t value;
      bool fix;
      Status::Code code;
    } cases[] = {
        {region_header::kMagic, 8, 0x1234, false, Status::Code::kCorruption},
        {region_header::kSlotCount, 4, 7, false, Status::Code::kCorruption},
        {region_header::kVersion, 4, 9, true, Status::Code::kNotSupported},
        {region_header::kSlotCount, 4, 0xffffffff, true,
         Status::Code::kCorruption},
        {region_header::kSlotSize, 4, 100, true, Status::Code::kCorruption},
        {region_header::kSlotsOffset, 8, 1ull << 40, true,
         Status::Code::kCorruption},
        {region_header::kRegionLength, 8, 1 << 30, true,
         Status::Code::kCorruption},
        {region_header::kTableOffset, 8, 7, true, Status::Code::kCorruption},
        {region_header::kPayloadCapacity, 4, 1 << 20, true,
         Status::Code::kCorruption},
    };
    for (const Case& k : cases) {
      test::TestCluster c;
      ASSERT_OK(test::OpenTestCluster(&c));
      PatchHeader(c.fabric.get(), kind, k.offset, k.value, k.width, k.fix);
      Status s;
      if (kind == RegionKind::kJobBoard) {
        std::unique_ptr<JobBoard> b;
        s = JobBoard::Open(c.fabric.get(), &b);
      } else {
        std::unique_ptr<NodeTable> t;
        s = NodeTable::Open(c.fabric.get(), &t);
      }
      EXPECT_EQ(k.code, s.code())
          << "field at " << k.offset << ": " << s.ToString();
      EXPECT_NE(std::string::npos, s.ToString().find(name)) << s.ToString();
    }
  }
}

TEST(ClusterCorruption, GarbageStateWordSpoilsOnlyItsSlot) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket bad, good;
  ASSERT_OK(b->Post(1, JobType::kFlush, "victim", 0, &bad));
  const uint64_t garbage = 0xf0f0f0f0deadbeefull;  // state 15
  ASSERT_OK(c.fabric->Write(b->TEST_WordAddr(bad.slot), &garbage, 8));

  JobView v;
  Status s = b->Inspect(bad, &v);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos,
            s.ToString().find("job slot " + std::to_string(bad.slot)))
      << s.ToString();
  EXPECT_TRUE(b->Release(bad).IsCorruption());
  EXPECT_TRUE(b->Repost(&bad, 0).IsCorruption());
  bool success;
  std::string result;
  EXPECT_TRUE(b->ReadResult(bad, &success, &result).IsCorruption());

  // Everything else works around it.
  ASSERT_OK(b->Post(1, JobType::kFlush, "fine", 0, &good));
  EXPECT_NE(bad.slot, good.slot);
  ClaimedJob job;
  ASSERT_OK(b->Claim(2, kAnyJobType, 0ns, &job));
  EXPECT_EQ("fine", job.payload);
  EXPECT_TRUE(b->Claim(2, kAnyJobType, 0ns, &job).IsNotFound());
  std::vector<JobView> views;
  ASSERT_OK(b->List(&views));
  ASSERT_EQ(2u, views.size());
  int corrupt = 0;
  for (const JobView& x : views) {
    if (x.slot == bad.slot) {
      EXPECT_NE(std::string::npos, x.corruption.find("not a valid job state"));
      corrupt++;
    } else {
      EXPECT_TRUE(x.corruption.empty());
    }
  }
  EXPECT_EQ(1, corrupt);
  // The board fills up around the broken slot, then ResetSlot repairs it.
  std::vector<JobTicket> more;
  JobTicket t;
  while (b->Post(3, JobType::kFlush, "more", 0, &t).ok()) more.push_back(t);
  EXPECT_EQ(b->slot_count() - 2, more.size());
  ASSERT_OK(b->ResetSlot(bad.slot));
  ASSERT_OK(b->Post(3, JobType::kFlush, "in the repaired slot", 0, &t));
  EXPECT_EQ(bad.slot, t.slot);
  EXPECT_TRUE(b->ResetSlot(b->slot_count()).IsInvalidArgument());
}

TEST(ClusterCorruption, DamagedPayloadFailsTheJobNotTheExecutor) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket bad, good;
  ASSERT_OK(b->Post(1, JobType::kFlush, "payload to damage", 0, &bad));
  // One byte of the payload flips.
  const char x = 'X';
  ASSERT_OK(c.fabric->Write(b->TEST_SlotAddr(bad.slot) + job_slot::kPayload + 3,
                            &x, 1));
  ClaimedJob job;
  EXPECT_TRUE(b->Claim(2, kAnyJobType, 0ns, &job).IsNotFound());
  EXPECT_EQ(1u, b->corrupt_slots_seen());
  bool success = true;
  std::string result;
  ASSERT_OK(b->ReadResult(bad, &success, &result));
  EXPECT_FALSE(success);
  EXPECT_NE(std::string::npos, result.find("payload checksum mismatch"))
      << result;

  // A damaged header the same way; the good job behind it is claimed.
  ASSERT_OK(b->Release(bad));
  ASSERT_OK(b->Post(1, JobType::kFlush, "header to damage", 0, &bad));
  ASSERT_OK(b->Post(1, JobType::kFlush, "good", 0, &good));
  const uint32_t huge = 1 << 30;
  ASSERT_OK(c.fabric->Write(
      b->TEST_SlotAddr(bad.slot) + job_slot::kPayloadLength, &huge, 4));
  JobView v;
  Status s = b->Inspect(bad, &v);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  ASSERT_OK(b->Claim(2, kAnyJobType, 0ns, &job));
  EXPECT_EQ("good", job.payload);
  // Whether the damaged job was tried before or after the good one, it is
  // failed by now.
  EXPECT_TRUE(b->Claim(2, kAnyJobType, 0ns, &job).IsNotFound());
  EXPECT_EQ(2u, b->corrupt_slots_seen());
  ASSERT_OK(b->ReadResult(bad, &success, &result));
  EXPECT_FALSE(success);
  EXPECT_NE(std::string::npos, result.find("checksum")) << result;
}

TEST(ClusterCorruption, DamagedResultIsRejected) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket t;
  ASSERT_OK(b->Post(1, JobType::kFlush, "p", 0, &t));
  ClaimedJob job;
  ASSERT_OK(b->Claim(2, kAnyJobType, 0ns, &job));
  ASSERT_OK(b->Complete(job, true, "the result"));
  const DmAddr area =
      b->TEST_SlotAddr(t.slot) + job_slot::kPayload + b->max_payload();
  const char x = '!';
  ASSERT_OK(c.fabric->Write(area + 2, &x, 1));
  bool success;
  std::string result;
  Status s = b->ReadResult(t, &success, &result);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  const uint32_t huge = 1 << 30;
  ASSERT_OK(c.fabric->Write(b->TEST_SlotAddr(t.slot) + job_slot::kResultLength,
                            &huge, 4));
  s = b->ReadResult(t, &success, &result);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  // The owner's way out: retry, and the new attempt's result is good.
  ASSERT_OK(b->Retry(&t, 0));
  ASSERT_OK(b->Claim(2, kAnyJobType, 0ns, &job));
  ASSERT_OK(b->Complete(job, true, "the result"));
  ASSERT_OK(b->ReadResult(t, &success, &result));
  EXPECT_EQ("the result", result);
}

TEST(ClusterCorruption, RandomGarbageNeverCrashes) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  NodeTable* nt = c.table.get();
  Random64 rnd(2024);
  const DmAddr board = c.fabric->RegionStart(RegionKind::kJobBoard);
  const uint64_t board_len = c.fabric->RegionLength(RegionKind::kJobBoard);
  const DmAddr table = c.fabric->RegionStart(RegionKind::kNodeTable);
  const uint64_t table_len = c.fabric->RegionLength(RegionKind::kNodeTable);
  for (int round = 0; round < 60; round++) {
    // Some legitimate traffic...
    JobTicket t;
    Status s = b->Post(1 + rnd.Uniform(3), JobType::kFlush,
                       o3lsm::test::RandomBytes(&rnd, rnd.Uniform(100)), 0, &t);
    NodeRegistration r;
    Status rs = nt->Register(NodeRole::kWorker, "n", 2, &r);
    if (rs.ok()) rs = nt->Publish(r, NodeLoad());
    // ...then garbage anywhere past the region headers.
    for (int i = 0; i < 4; i++) {
      const std::string junk =
          o3lsm::test::RandomBytes(&rnd, 1 + rnd.Uniform(64), false);
      const uint64_t off =
          region_header::kSize * 4 + rnd.Uniform(board_len - 256 - junk.size());
      ASSERT_OK(c.fabric->Write(board + off, junk.data(), junk.size()));
      const uint64_t toff = 256 + rnd.Uniform(table_len - 256 - junk.size());
      ASSERT_OK(c.fabric->Write(table + toff, junk.data(), junk.size()));
    }
    // Every call returns a status; none crashes or hangs.
    std::vector<JobView> views;
    ASSERT_OK(b->List(&views));
    for (const JobView& v : views) {
      JobView again;
      (void)b->Inspect(v.ticket(), &again);
      bool ok;
      std::string res;
      (void)b->ReadResult(v.ticket(), &ok, &res);
    }
    ClaimedJob job;
    s = b->Claim(5, kAnyJobType, 0ns, &job);
    if (s.ok()) {
      (void)b->Heartbeat(job);
      (void)b->Complete(job, true, "r");
    }
    uint32_t released = 0;
    ASSERT_OK(b->ReleaseStale(1 + rnd.Uniform(3), &released));
    std::vector<NodeInfo> nodes;
    ASSERT_OK(nt->Snapshot(&nodes));
    for (const NodeInfo& n : nodes) {
      if (rnd.OneIn(2)) (void)nt->Evict(n.node, n.incarnation);
    }
  }
  // After repairs every slot is usable again.
  for (uint32_t slot = 0; slot < b->slot_count(); slot++) {
    ASSERT_OK(b->ResetSlot(slot));
  }
  std::vector<JobTicket> all(b->slot_count());
  for (JobTicket& t : all) ASSERT_OK(b->Post(1, JobType::kFlush, "x", 0, &t));
}

}  // namespace
}  // namespace o3lsm::cluster
