// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// TableBuilder writes one SST file (docs/sst_format.md) from internal keys
// added in increasing InternalKeyComparator order:
//
//   data block 0 .. data block N-1 | padding to 64 bytes |
//   filter block | properties block | index block | footer (72 bytes)
//
// Data blocks are cut at about block_size bytes and optionally compressed;
// the index maps a shortest separator per block to its handle; the bloom
// filter covers user keys. The metadata blocks sit together at the end so
// that Table::Open reads them and the footer with one read of the tail.
//
// Lifecycle: Add()* then exactly one of Finish() or Abandon(). The builder
// writes through file but never syncs or closes it: the caller does, after
// Finish() returns OK.
// Thread safety: not thread-safe; one builder per thread.
// Ownership: file is not owned and must outlive the builder.

#ifndef O3LSM_LSM_TABLE_TABLE_BUILDER_H_
#define O3LSM_LSM_TABLE_TABLE_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "o3lsm/env.h"

#include "lsm/table/block_builder.h"
#include "lsm/table/bloom.h"
#include "lsm/table/compression.h"
#include "lsm/table/format.h"
#include "lsm/table/table_options.h"
#include "lsm/table/table_properties.h"

namespace o3lsm {

class TableBuilder {
 public:
  // Larger entries are refused with InvalidArgument: blocks must stay below
  // kMaxUncompressedBlockSize for readers to accept them.
  static constexpr size_t kMaxEntrySize = size_t{256} << 20;

  // REQUIRES: file is empty; fname names it (for error messages).
  TableBuilder(const TableOptions& options, WritableFile* file,
               std::string fname);
  // REQUIRES: Finish() or Abandon() was called.
  ~TableBuilder();
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;

  // Adds an entry. After an error (see status()) Add does nothing.
  // REQUIRES: internal_key is larger than every key added before (in
  // InternalKeyComparator order); neither Finish() nor Abandon() called.
  void Add(const Slice& internal_key, const Slice& value);

  // The creation time recorded in the properties, in unix seconds.
  // Default: the time Finish() runs.
  void SetCreationTime(uint64_t unix_seconds) { creation_time_ = unix_seconds; }
  // The table's unique id (TableProperties::unique_id); 0 (the default)
  // draws a random one at Finish().
  void SetUniqueId(uint64_t id) { unique_id_ = id; }

  // The first error met (a write error, an invalid key), or OK.
  [[nodiscard]] Status status() const { return status_; }

  // Writes the rest of the table. REQUIRES: neither Finish() nor Abandon()
  // called. On OK, the caller syncs and closes the file.
  [[nodiscard]] Status Finish();

  // Stops building; the caller deletes the partial file.
  // REQUIRES: neither Finish() nor Abandon() called.
  void Abandon();

  uint64_t NumEntries() const { return props_.num_entries; }
  // Bytes handed to the file so far; the final file size after Finish().
  uint64_t FileSize() const { return offset_; }
  // Complete after Finish(); counts so far before it.
  const TableProperties& properties() const { return props_; }

 private:
  void FlushDataBlock();
  // Compresses raw if configured and worth it, then writes it.
  void WriteDataBlock(const Slice& raw, BlockHandle* handle);
  // Adds the index entry of the pending block; next_key is the first key
  // after it (nullptr: the table's last block).
  void AddIndexEntry(const Slice* next_key);
  // Writes stored followed by its trailer at the current offset.
  void WriteStoredBlock(const Slice& stored, CompressionType type,
                        BlockHandle* handle);
  void Append(const Slice& data);

  const TableOptions options_;
  WritableFile* const file_;
  const std::string fname_;
  uint64_t offset_ = 0;
  Status status_;
  bool closed_ = false;

  BlockBuilder data_block_;
  BlockBuilder index_block_;
  std::unique_ptr<BloomFilterBuilder> filter_;  // null: no filter
  BlockCompressor compressor_;
  std::string block_buf_;  // a block being compressed or given its trailer

  std::string last_key_;
  // The index entry of the last flushed data block waits for the next key,
  // so that its separator can be chosen against that key (format 1).
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;
  std::string block_first_key_;    // user key: the data block being built
  std::string pending_first_key_;  // user key: the block awaiting its entry

  TableProperties props_;
  uint64_t creation_time_ = 0;  // 0: take the time at Finish()
  uint64_t unique_id_ = 0;      // 0: draw one at Finish()
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_TABLE_BUILDER_H_
