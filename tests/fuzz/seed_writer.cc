// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Writes the seed corpora of the fuzz targets: real structures produced by
// the engine's own writers (BlockBuilder, TableBuilder, log::Writer,
// WriteBatch, VersionEdit, EncodeSuperblock), so that the fuzzers start
// from valid inputs and mutate from there. The corpora are checked in
// under tests/fuzz/corpus/; rerun this after a format change:
//
//   o3lsm_fuzz_seed_writer tests/fuzz/corpus
//
// Inputs of targets with a flags byte (fuzz_targets.h) are written with
// several flag values.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "o3lsm/env.h"
#include "o3lsm/write_batch.h"

#include "interconnect/superblock.h"
#include "lsm/dbformat.h"
#include "lsm/table/block_builder.h"
#include "lsm/table/table_builder.h"
#include "lsm/version/version_edit.h"
#include "lsm/wal/log_writer.h"
#include "lsm/wal/write_batch_internal.h"

namespace o3lsm::fuzz {
namespace {

namespace fs = std::filesystem;

class StringFile final : public WritableFile {
 public:
  explicit StringFile(std::string* out) : out_(out) {}
  Status Append(const Slice& data) override {
    out_->append(data.data(), data.size());
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  uint64_t Size() const override { return out_->size(); }

 private:
  std::string* const out_;
};

class SeedWriter {
 public:
  explicit SeedWriter(fs::path root) : root_(std::move(root)) {}

  void Write(const char* target, const std::string& name,
             const std::string& bytes) {
    const fs::path dir = root_ / target;
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    written_++;
  }
  // Writes bytes behind each of the given flags bytes.
  void WriteFlagged(const char* target, const std::string& name,
                    const std::string& bytes,
                    std::initializer_list<uint8_t> flags) {
    for (uint8_t f : flags) {
      Write(target, name + "-f" + std::to_string(f),
            std::string(1, static_cast<char>(f)) + bytes);
    }
  }
  int written() const { return written_; }

 private:
  const fs::path root_;
  int written_ = 0;
};

std::string UserKey(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "user%06d", i * 7);
  return buf;
}

std::string IKey(const std::string& user_key, SequenceNumber seq,
                 ValueType type) {
  std::string k;
  AppendInternalKey(&k, ParsedInternalKey(user_key, seq, type));
  return k;
}

std::string Table(int entries, const TableOptions& options) {
  std::string file;
  StringFile f(&file);
  TableBuilder builder(options, &f, "seed.sst");
  builder.SetCreationTime(1700000000);  // reproducible seeds
  for (int i = 0; i < entries; i++) {
    const ValueType type = i % 5 == 4 ? kTypeDeletion : kTypeValue;
    builder.Add(IKey(UserKey(i), 1000 - i, type),
                type == kTypeValue ? "value-" + std::to_string(i) : "");
  }
  if (!builder.Finish().ok()) abort();
  return file;
}

void WriteBlocks(SeedWriter* w) {
  for (int interval : {1, 4, 16}) {
    BlockBuilder b(interval);
    for (int i = 0; i < 40; i++) {
      b.Add(IKey(UserKey(i), 100 - i, kTypeValue), "v" + std::to_string(i));
    }
    w->Write("block", "internal-r" + std::to_string(interval),
             b.Finish().ToString());
  }
  BlockBuilder bytewise(8);
  for (int i = 0; i < 20; i++) bytewise.Add(UserKey(i), std::to_string(i));
  w->Write("block", "bytewise", bytewise.Finish().ToString());
  BlockBuilder empty(16);
  w->Write("block", "empty", empty.Finish().ToString());
}

void WriteTables(SeedWriter* w) {
  TableOptions plain;
  plain.block_size = 256;
  const std::string small = Table(60, plain);
  w->WriteFlagged("table", "small", small, {0, 1, 2, 4, 7});
  w->WriteFlagged("footer", "small", small.substr(small.size() - 72), {0, 1});
  TableOptions nofilter = plain;
  nofilter.bloom_bits_per_key = 0;
  w->WriteFlagged("table", "nofilter", Table(30, nofilter), {0, 1});
  TableOptions zstd = plain;
  zstd.compression = CompressionType::kZstd;
  w->WriteFlagged("table", "zstd", Table(80, zstd), {0, 1});
  TableOptions lz4 = plain;
  lz4.compression = CompressionType::kLz4;
  w->WriteFlagged("table", "lz4", Table(80, lz4), {1, 3});
  w->WriteFlagged("table", "empty", Table(0, plain), {0, 1});
}

std::string Batch(int first, int n, SequenceNumber seq) {
  WriteBatch b;
  for (int i = first; i < first + n; i++) {
    if (i % 4 == 3) {
      b.Delete(UserKey(i));
    } else {
      b.Put(UserKey(i), std::string(static_cast<size_t>(i % 50), 'v'));
    }
  }
  WriteBatchInternal::SetSequence(&b, seq);
  return WriteBatchInternal::Contents(&b).ToString();
}

std::string Edit(int variant) {
  VersionEdit e;
  e.SetLogNumber(12 + variant);
  e.SetNextFile(40 + variant);
  e.SetLastSequence(5000 + variant);
  if (variant >= 1) {
    FileMetaData f;
    f.number = 33;
    f.file_size = 4096;
    f.smallest = InternalKey(UserKey(1), 10, kTypeValue);
    f.largest = InternalKey(UserKey(90), 20, kTypeDeletion);
    f.smallest_seqno = 10;
    f.largest_seqno = 20;
    f.num_entries = 90;
    f.num_deletions = 3;
    e.AddFile(variant % 7, f);
    e.RemoveFile(1, 21);
  }
  if (variant >= 2) {
    e.SetCompactPointer(2, InternalKey(UserKey(50), 7, kTypeValue));
  }
  std::string r;
  e.EncodeTo(&r);
  return r;
}

void WriteLogs(SeedWriter* w) {
  for (int i = 0; i < 3; i++)
    w->Write("write_batch", "batch" + std::to_string(i),
             Batch(i * 10, 3 + i * 5, 100 * i));
  w->Write("write_batch", "empty", Batch(0, 0, 1));
  for (int v = 0; v < 3; v++)
    w->Write("version_edit", "edit" + std::to_string(v), Edit(v));

  // A WAL and a MANIFEST of log number 7 (fuzz_targets.h), one spanning
  // blocks.
  std::string wal;
  {
    log::Writer writer(std::make_unique<StringFile>(&wal), 7);
    for (int i = 0; i < 5; i++) {
      if (!writer.AddRecord(Batch(i * 3, 3, i * 3 + 1)).ok()) abort();
    }
    if (!writer.AddRecord("").ok()) abort();
  }
  w->WriteFlagged("log_reader", "wal", wal, {0, 1});
  std::string big;
  {
    log::Writer writer(std::make_unique<StringFile>(&big), 7);
    if (!writer.AddRecord(Batch(0, 2, 1)).ok()) abort();
    if (!writer.AddRecord(std::string(40000, 'x')).ok()) abort();
    if (!writer.AddRecord(Batch(5, 2, 9)).ok()) abort();
  }
  w->WriteFlagged("log_reader", "spanning", big, {0, 1});
  std::string manifest;
  {
    log::Writer writer(std::make_unique<StringFile>(&manifest), 7);
    for (int v = 0; v < 3; v++) {
      if (!writer.AddRecord(Edit(v)).ok()) abort();
    }
  }
  w->WriteFlagged("log_reader", "manifest", manifest, {0, 1});
}

void WriteSuperblocks(SeedWriter* w) {
  fabric::PoolLayout layout;
  for (uint64_t size : {uint64_t{64} << 20, uint64_t{1} << 30}) {
    fabric::PoolInfo info;
    if (!fabric::PlanPool(size, 3, 0xC1A55, layout, &info).ok()) abort();
    info.creation_micros = 1700000000000000ull;
    std::string sb(fabric::kSuperblockSize, '\0');
    fabric::EncodeSuperblock(info, sb.data());
    // Only the encoded front matters; the rest of the 4 KiB is zero.
    sb.resize(256);
    w->WriteFlagged("superblock", "pool" + std::to_string(size >> 20) + "m", sb,
                    {0, 1, 2});
  }
}

void WriteCommandLines(SeedWriter* w) {
  const char* lines[] = {
      "put key value",
      "get \"my key\"; delete 'other key' # comment",
      "put \"\\x00\\xff\\t\\n\\\\\" '\"'\nscan a z",
      "compact\n\nflush;stats",
      "put \"unterminated",
  };
  int i = 0;
  for (const char* l : lines)
    w->Write("command_line", "line" + std::to_string(i++), l);
}

}  // namespace
}  // namespace o3lsm::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  o3lsm::fuzz::SeedWriter w(argv[1]);
  o3lsm::fuzz::WriteBlocks(&w);
  o3lsm::fuzz::WriteTables(&w);
  o3lsm::fuzz::WriteLogs(&w);
  o3lsm::fuzz::WriteSuperblocks(&w);
  o3lsm::fuzz::WriteCommandLines(&w);
  printf("wrote %d seeds under %s\n", w.written(), argv[1]);
  return 0;
}
