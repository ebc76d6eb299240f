// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Random logs, randomly cut and damaged: the reader never crashes, never
// reads out of bounds (ASan), and returns only records that were written, in
// order, as a prefix of the log. Where the damage is simple enough to know
// the right answer (a cut, one flipped byte), the end state is checked too.

#include <algorithm>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "lsm/wal/log_format.h"
#include "lsm/wal/log_reader.h"
#include "tests/testutil.h"
#include "tests/wal/log_test_util.h"
#include "util/random.h"

namespace o3lsm::log {

namespace {

using EndState = Reader::EndState;

constexpr int kLogs = 20;
constexpr int kRecordsPerLog = 500;  // 10,000 records in all
constexpr int kDamagesPerLog = 30;

std::vector<std::string> RandomRecords(Random64* rnd, int n) {
  std::vector<std::string> records;
  for (int i = 0; i < n; ++i) {
    size_t len;
    if (rnd->OneIn(200)) {
      len = rnd->Uniform(3 * kBlockSize);
    } else if (rnd->OneIn(20)) {
      len = rnd->Uniform(kBlockSize);
    } else if (rnd->OneIn(10)) {
      len = 0;
    } else {
      len = rnd->Uniform(300);
    }
    records.push_back(::o3lsm::test::RandomBytes(rnd, len, false));
  }
  return records;
}

// Records read must be the first records written, whatever the damage.
void ExpectPrefix(const test::WrittenLog& log, const test::ReadBack& back) {
  ASSERT_LE(back.records.size(), log.records.size());
  for (size_t i = 0; i < back.records.size(); ++i) {
    ASSERT_EQ(log.records[i], back.records[i]) << "record " << i;
  }
  const uint64_t expected_good =
      back.records.empty() ? 0 : log.ends[back.records.size() - 1];
  EXPECT_EQ(expected_good, back.last_good_offset);
  EXPECT_NE(EndState::kReading, back.end_state);
  EXPECT_EQ(back.end_state == EndState::kCleanEof, back.status.ok())
      << back.status.ToString();
}

}  // namespace

TEST(LogFuzz, RandomCutsAndDamage) {
  Random64 rnd(2024);
  int outcomes[5] = {0, 0, 0, 0, 0};
  for (int l = 0; l < kLogs; ++l) {
    const test::WrittenLog log =
        test::WriteLog(RandomRecords(&rnd, kRecordsPerLog), 7);
    const size_t size = log.contents.size();
    for (int d = 0; d < kDamagesPerLog; ++d) {
      std::string contents = log.contents;
      const int mode = static_cast<int>(rnd.Uniform(3));
      if (mode == 0) {
        // A cut, sometimes right at a record's end: everything before it is
        // read back.
        const size_t cut = rnd.OneIn(4) ? log.ends[rnd.Uniform(log.ends.size())]
                                        : rnd.Uniform(size + 1);
        contents.resize(cut);
        test::ReadBack back = test::ReadLog(contents, 7);
        ExpectPrefix(log, back);
        size_t complete = 0;
        while (complete < log.ends.size() && log.ends[complete] <= cut) {
          ++complete;
        }
        EXPECT_EQ(complete, back.records.size()) << "cut " << cut;
        EXPECT_TRUE(back.end_state == EndState::kCleanEof ||
                    back.end_state == EndState::kTornTail);
        ++outcomes[static_cast<int>(back.end_state)];
      } else if (mode == 1) {
        // One flipped byte: corruption if a record follows the damaged one,
        // a torn tail if it was the last, nothing if it hit padding.
        const size_t at = rnd.Uniform(size);
        contents[at] ^= static_cast<char>(1 + rnd.Uniform(255));
        test::ReadBack back = test::ReadLog(contents, 7);
        ExpectPrefix(log, back);
        const int hit = log.RecordAt(at);
        if (hit < 0) {
          EXPECT_EQ(log.records.size(), back.records.size());
          EXPECT_EQ(EndState::kCleanEof, back.end_state);
        } else {
          EXPECT_EQ(static_cast<size_t>(hit), back.records.size())
              << "flip at " << at;
          EXPECT_EQ(static_cast<size_t>(hit) + 1 < log.records.size()
                        ? EndState::kCorruption
                        : EndState::kTornTail,
                    back.end_state)
              << "flip at " << at << ": " << back.status.ToString();
        }
        ++outcomes[static_cast<int>(back.end_state)];
      } else {
        // Anything goes: several flips, zeroed ranges, a cut, garbage.
        const int edits = 1 + static_cast<int>(rnd.Uniform(6));
        for (int e = 0; e < edits && !contents.empty(); ++e) {
          const size_t at = rnd.Uniform(contents.size());
          switch (rnd.Uniform(4)) {
            case 0:
              contents[at] = static_cast<char>(rnd.Next());
              break;
            case 1: {
              const size_t n = std::min<size_t>(rnd.Uniform(2 * kBlockSize),
                                                contents.size() - at);
              std::fill_n(contents.begin() + at, n, '\0');
              break;
            }
            case 2:
              contents.resize(at);
              break;
            default:
              contents +=
                  ::o3lsm::test::RandomBytes(&rnd, rnd.Uniform(500), false);
              break;
          }
        }
        test::ReadBack back = test::ReadLog(
            std::make_unique<test::StringSource>(contents, 4096, true), 7);
        ExpectPrefix(log, back);
        ++outcomes[static_cast<int>(back.end_state)];
      }
      if (HasFatalFailure()) return;
    }
  }
  // The loop reached every kind of ending.
  EXPECT_GT(outcomes[static_cast<int>(EndState::kCleanEof)], 0);
  EXPECT_GT(outcomes[static_cast<int>(EndState::kTornTail)], 0);
  EXPECT_GT(outcomes[static_cast<int>(EndState::kCorruption)], 0);
}

}  // namespace o3lsm::log
