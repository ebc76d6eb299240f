// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Replays every checked-in input of the fuzz targets in the ordinary test
// build (GCC, and under ASan/UBSan): the seed corpora in
// tests/fuzz/corpus/<target>/ and the inputs that once crashed a target in
// tests/fuzz/regressions/<target>/ (docs/reliability.md). A crash input
// whose bug is not fixed yet lives in tests/fuzz/regressions/DISABLED/
// <target>/ and is replayed only by the DISABLED_ test.

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>

#include "tests/fuzz/fuzz_targets.h"

namespace o3lsm::fuzz {

namespace {

namespace fs = std::filesystem;

// Runs every file under dir/<target>/ through its target; returns how many.
int ReplayAll(const fs::path& dir) {
  int replayed = 0;
  for (const FuzzTarget& target : kFuzzTargets) {
    const fs::path sub = dir / target.name;
    if (!fs::is_directory(sub)) continue;
    for (const auto& entry : fs::directory_iterator(sub)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      SCOPED_TRACE(entry.path().string());
      EXPECT_EQ(0,
                target.function(reinterpret_cast<const uint8_t*>(bytes.data()),
                                bytes.size()));
      replayed++;
    }
  }
  return replayed;
}

const fs::path kFuzzDir = O3LSM_FUZZ_DIR;

}  // namespace

TEST(FuzzRegression, SeedCorporaDecodeWithoutCrashing) {
  EXPECT_GT(ReplayAll(kFuzzDir / "corpus"), 0);
  for (const FuzzTarget& target : kFuzzTargets) {
    EXPECT_TRUE(fs::is_directory(kFuzzDir / "corpus" / target.name))
        << "no seed corpus for " << target.name;
  }
}

TEST(FuzzRegression, CrashInputsNoLongerCrash) {
  ReplayAll(kFuzzDir / "regressions");
}

TEST(FuzzRegression, DISABLED_UnfixedCrashInputs) {
  ReplayAll(kFuzzDir / "regressions" / "DISABLED");
}

TEST(FuzzRegression, EmptyAndTinyInputs) {
  for (const FuzzTarget& target : kFuzzTargets) {
    SCOPED_TRACE(target.name);
    const uint8_t bytes[] = {0xff, 0x00, 0x01, 0x80, 0x7f, 0x01, 0x00, 0x00};
    for (size_t n = 0; n <= sizeof(bytes); n++) {
      EXPECT_EQ(0, target.function(bytes, n));
    }
  }
}

}  // namespace o3lsm::fuzz
