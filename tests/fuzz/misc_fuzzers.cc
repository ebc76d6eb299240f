// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Fuzz targets of the DM pool superblock (docs/dm_format.md) and of the
// shell's command-line lexer.

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "interconnect/superblock.h"
#include "tests/fuzz/fuzz_targets.h"
#include "tests/fuzz/fuzz_util.h"
#include "tools/cli/command_line.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::fuzz {

namespace {

// docs/dm_format.md: the checksum (XXH3-64 seeded with the magic) covers
// bytes [0, 200) and is stored at 200; the pool size is at 16.
constexpr size_t kSuperblockChecksumOffset = 200;
constexpr size_t kPoolSizeOffset = 16;

}  // namespace

int FuzzSuperblock(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  FlaggedInput in = SplitFlags(data, size);
  // Short inputs are the front of a superblock; the rest reads as zeros.
  if (in.bytes.size() < fabric::kSuperblockSize) {
    in.bytes.resize(fabric::kSuperblockSize, '\0');
  }
  char* p = in.bytes.data();
  if (in.fix_checksums()) {
    EncodeFixed64(
        p + kSuperblockChecksumOffset,
        Checksum64(p, kSuperblockChecksumOffset, fabric::kSuperblockMagic));
  }
  // Bit 1: the backing store is exactly as large as the superblock claims;
  // otherwise a large one (or, bit 2, a tiny one).
  uint64_t available = uint64_t{1} << 40;
  if ((in.flags & 2) != 0) available = DecodeFixed64(p + kPoolSizeOffset);
  if ((in.flags & 4) != 0) available = fabric::kMinPoolSize;
  fabric::PoolInfo info;
  Status s = fabric::DecodeSuperblock(p, in.bytes.size(), available,
                                      "fuzz-pool", &info);
  if (!s.ok()) return 0;
  // What the decoder promises: regions inside the pool and the store, and
  // pairwise disjoint.
  FUZZ_CHECK(info.pool_size <= available, "pool larger than its store");
  for (int i = 0; i < fabric::kNumRegions; i++) {
    const fabric::Region& a = info.regions[i];
    FUZZ_CHECK(a.offset >= fabric::kSuperblockSize &&
                   a.offset <= info.pool_size &&
                   a.length <= info.pool_size - a.offset,
               "region " + std::to_string(i + 1) + " outside the pool");
    for (int j = i + 1; j < fabric::kNumRegions; j++) {
      const fabric::Region& b = info.regions[j];
      const bool disjoint = a.length == 0 || b.length == 0 ||
                            a.offset + a.length <= b.offset ||
                            b.offset + b.length <= a.offset;
      FUZZ_CHECK(disjoint, "regions " + std::to_string(i + 1) + " and " +
                               std::to_string(j + 1) + " overlap");
    }
  }
  // Re-encoding decodes to the same values.
  std::string again(fabric::kSuperblockSize, '\0');
  fabric::EncodeSuperblock(info, again.data());
  fabric::PoolInfo info2;
  s = fabric::DecodeSuperblock(again.data(), again.size(), available,
                               "fuzz-pool", &info2);
  FUZZ_CHECK(s.ok(), "re-encoded superblock does not decode: " + s.ToString());
  FUZZ_CHECK(info2.pool_size == info.pool_size &&
                 info2.pool_id == info.pool_id &&
                 info2.cluster_id == info.cluster_id &&
                 info2.chunk_size == info.chunk_size &&
                 info2.max_owners == info.max_owners &&
                 info2.format_version == info.format_version,
             "superblock fields change across a round trip");
  for (int i = 0; i < fabric::kNumRegions; i++) {
    FUZZ_CHECK(info2.regions[i].offset == info.regions[i].offset &&
                   info2.regions[i].length == info.regions[i].length,
               "region changes across a round trip");
  }
  return 0;
}

int FuzzCommandLine(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> words;
  for (const std::string& statement : cli::SplitStatements(text)) {
    words.clear();
    cli::SplitCommandLine(statement, &words).PermitUncheckedError();
  }
  words.clear();
  if (!cli::SplitCommandLine(text, &words).ok()) return 0;
  // tools/cli/command_line.h: every byte can be typed between double
  // quotes, so the words, each quoted and escaped, read back the same, as
  // one statement.
  std::string line;
  for (const std::string& w : words) {
    line += " \"";
    for (const char c : w) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        line += '\\';
        line += c;
      } else if (u >= 0x20 && u < 0x7f) {
        line += c;
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        line += "\\x";
        line += kHex[u >> 4];
        line += kHex[u & 15];
      }
    }
    line += '"';
  }
  std::vector<std::string> again;
  Status s = cli::SplitCommandLine(line, &again);
  FUZZ_CHECK(s.ok(), "quoted words do not split: " + s.ToString());
  FUZZ_CHECK(again == words, "quoted words split differently: " + line);
  const std::vector<std::string> statements = cli::SplitStatements(line);
  FUZZ_CHECK(words.empty() ? statements.empty() : statements.size() == 1,
             "quoted words make " + std::to_string(statements.size()) +
                 " statements: " + line);
  return 0;
}

}  // namespace o3lsm::fuzz
