// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Fuzz targets of the SST decoders: blocks, the footer and block handles,
// and whole tables (docs/sst_format.md).

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "lsm/cache/cache.h"
#include "lsm/dbformat.h"
#include "lsm/table/block.h"
#include "lsm/table/format.h"
#include "lsm/table/table.h"
#include "tests/fuzz/fuzz_targets.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/memory_file.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::fuzz {

namespace {

// Bounds on the work per input: malformed blocks may hold many tiny
// entries.
constexpr int kMaxSteps = 4096;
constexpr int kMaxSeeks = 64;

// Walks it forward and backward and seeks to keys it saw (and to a few
// derived ones); returns the keys seen going forward.
std::vector<std::string> Exercise(Iterator* it, bool internal_keys,
                                  const char* where) {
  std::vector<std::string> keys;
  int steps = 0;
  for (it->SeekToFirst(); it->Valid() && steps < kMaxSteps; it->Next()) {
    CheckIteratorState(*it, where);
    keys.push_back(it->key().ToString());
    volatile size_t touch = it->value().size();
    (void)touch;
    steps++;
  }
  CheckIteratorState(*it, where);
  steps = 0;
  for (it->SeekToLast(); it->Valid() && steps < kMaxSteps; it->Prev()) {
    CheckIteratorState(*it, where);
    steps++;
  }
  CheckIteratorState(*it, where);
  int seeks = 0;
  for (const std::string& k : keys) {
    if (seeks++ >= kMaxSeeks) break;
    for (std::string target : {k, k + '\0', k.substr(0, k.size() / 2)}) {
      if (internal_keys && target.size() < 8) continue;
      it->Seek(target);
      CheckIteratorState(*it, where);
      if (it->Valid()) it->Next();
      CheckIteratorState(*it, where);
      it->Seek(target);
      if (it->Valid()) it->Prev();
      CheckIteratorState(*it, where);
    }
  }
  return keys;
}

// Recomputes the trailer checksum of the block at handle, if it lies in
// [0, limit).
void FixBlockTrailer(std::string* file, const BlockHandle& h, uint64_t limit) {
  if (!h.FitsIn(0, limit)) return;
  char* block = file->data() + h.offset;
  EncodeFixed32(block + h.size + 1, BlockChecksum(block, h.size, h.offset));
}

// Recomputes the footer checksum and the trailers of the metadata blocks
// and of every data block the index names (docs/sst_format.md: footer
// checksum over bytes [0, 60), seeded with the footer's offset).
void FixTableChecksums(std::string* file) {
  if (file->size() < Footer::kEncodedLength) return;
  const uint64_t footer_offset = file->size() - Footer::kEncodedLength;
  char* footer = file->data() + footer_offset;
  EncodeFixed32(footer + 60, Checksum32(footer, 60, footer_offset));
  Footer f;
  if (!f.DecodeFrom(Slice(footer, Footer::kEncodedLength), footer_offset,
                    "fuzz")
           .ok()) {
    return;
  }
  FixBlockTrailer(file, f.filter, footer_offset);
  FixBlockTrailer(file, f.properties, footer_offset);
  FixBlockTrailer(file, f.index, footer_offset);
  if (!f.index.FitsIn(0, footer_offset)) return;
  BlockContents contents;
  contents.data = Slice(file->data() + f.index.offset, f.index.size);
  Block index(std::move(contents));
  BlockIter it(&index, BlockKeyOrder::kInternal);
  int n = 0;
  for (it.SeekToFirst(); it.Valid() && n < kMaxSteps; it.Next(), n++) {
    Slice v = it.value();
    BlockHandle h;
    if (h.DecodeFrom(&v).ok()) FixBlockTrailer(file, h, f.metadata_start);
  }
}

}  // namespace

int FuzzBlock(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  // An exact-size copy: reading past the block is a heap overflow.
  std::unique_ptr<char[]> copy(new char[size]);
  if (size > 0) memcpy(copy.get(), data, size);
  BlockContents contents;
  contents.data = Slice(copy.get(), size);
  Block block(std::move(contents));
  for (BlockKeyOrder order :
       {BlockKeyOrder::kInternal, BlockKeyOrder::kBytewise}) {
    BlockIter it(&block, order);
    std::vector<std::string> keys =
        Exercise(&it, order == BlockKeyOrder::kInternal, "BlockIter");
    const uint32_t restarts = block.num_restarts();
    for (uint32_t i = 0; i < restarts && i < kMaxSeeks; i++) {
      Slice key;
      if (!it.RestartKey(i, &key)) break;
      if (order == BlockKeyOrder::kInternal && key.size() < 8) continue;
      const std::string target = key.ToString();
      it.SeekInRestartRange(target, 0, restarts - 1);
      CheckIteratorState(it, "SeekInRestartRange");
      it.SeekInRestartRange(target, i > 0 ? i - 1 : 0, i);
      CheckIteratorState(it, "SeekInRestartRange");
    }
  }
  return 0;
}

int FuzzFooter(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  FlaggedInput in = SplitFlags(data, size);
  constexpr uint64_t kFooterOffset = 1 << 20;
  if (in.fix_checksums() && in.bytes.size() == Footer::kEncodedLength) {
    char* p = in.bytes.data();
    EncodeFixed32(p + 60, Checksum32(p, 60, kFooterOffset));
  }
  Footer f;
  Status s = f.DecodeFrom(in.bytes, kFooterOffset, "fuzz.sst");
  if (s.ok()) {
    // A valid footer re-encodes to exactly its bytes.
    std::string again;
    f.EncodeTo(kFooterOffset, &again);
    FUZZ_CHECK(again == in.bytes, "footer re-encoding differs");
    FUZZ_CHECK(f.metadata_start <= kFooterOffset &&
                   (f.filter.size == 0 ||
                    f.filter.FitsIn(f.metadata_start, kFooterOffset)) &&
                   f.properties.FitsIn(f.metadata_start, kFooterOffset) &&
                   f.index.FitsIn(f.metadata_start, kFooterOffset),
               "accepted a handle outside the metadata region");
  }
  // Block handles from the same bytes: a decoded handle round-trips.
  Slice input(in.bytes);
  for (int i = 0; i < 64 && !input.empty(); i++) {
    BlockHandle h;
    if (!h.DecodeFrom(&input).ok()) break;
    FUZZ_CHECK(h.offset + h.size >= h.offset, "handle overflow accepted");
    std::string enc;
    h.EncodeTo(&enc);
    Slice e(enc);
    BlockHandle h2;
    FUZZ_CHECK(h2.DecodeFrom(&e).ok() && e.empty() && h2.offset == h.offset &&
                   h2.size == h.size,
               "block handle round trip");
  }
  return 0;
}

int FuzzTable(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  FlaggedInput in = SplitFlags(data, size);
  if (in.fix_checksums()) FixTableChecksums(&in.bytes);
  const bool in_place = (in.flags & 2) != 0;
  std::unique_ptr<Cache> cache;
  TableOptions options;
  if ((in.flags & 4) != 0) {
    cache = NewLRUCache(1 << 20);
    options.block_cache = cache.get();
  }
  const uint64_t file_size = in.bytes.size();
  std::unique_ptr<Table> table;
  Status s = Table::Open(
      options, "fuzz.sst",
      std::make_unique<MemoryRandomAccessFile>(std::move(in.bytes), in_place),
      file_size, &table);
  if (!s.ok()) return 0;
  std::vector<std::string> keys;
  {
    ReadOptions ro;
    ro.verify_checksums = (in.flags & 8) != 0;
    std::unique_ptr<Iterator> it(table->NewIterator(ro));
    keys = Exercise(it.get(), /*internal_keys=*/true, "Table iterator");
  }
  if (keys.size() >= 2 && keys.front().size() >= 8 && keys.back().size() >= 8) {
    // Bounded: the index's first keys (format 2) decide which blocks are
    // opened.
    const std::string lo = ExtractUserKey(keys[keys.size() / 3]).ToString();
    const std::string hi = ExtractUserKey(keys[keys.size() * 2 / 3]).ToString();
    const Slice lower(lo), upper(hi);
    ReadOptions ro;
    ro.iterate_lower_bound = &lower;
    ro.iterate_upper_bound = &upper;
    std::unique_ptr<Iterator> it(table->NewIterator(ro));
    Exercise(it.get(), /*internal_keys=*/true, "bounded Table iterator");
  }
  int lookups = 0;
  for (const std::string& k : keys) {
    if (lookups++ >= kMaxSeeks) break;
    if (k.size() < 8) continue;
    Status g = table->InternalGet(
        ReadOptions(), k, [](const Slice& found, const Slice& value) {
          volatile size_t touch = found.size() + value.size();
          (void)touch;
          return true;
        });
    g.PermitUncheckedError();
    (void)table->ApproximateOffsetOf(k);
  }
  std::string probe;
  AppendInternalKey(&probe,
                    ParsedInternalKey("probe", kMaxSequenceNumber, kTypeValue));
  table
      ->InternalGet(ReadOptions(), probe,
                    [](const Slice&, const Slice&) { return true; })
      .PermitUncheckedError();
  return 0;
}

}  // namespace o3lsm::fuzz
