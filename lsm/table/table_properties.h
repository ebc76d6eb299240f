// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// TableProperties: facts about one SST file, gathered by TableBuilder and
// stored in the file's properties block, a bytewise-ordered block of
// name -> value entries (numbers as varint64, keys as raw bytes; see
// docs/sst_format.md). Readers skip names they do not know, so new
// properties can be added without a format version bump.
//
// Thread safety: a value.

#ifndef O3LSM_LSM_TABLE_TABLE_PROPERTIES_H_
#define O3LSM_LSM_TABLE_TABLE_PROPERTIES_H_

#include <cstdint>
#include <string>

#include "o3lsm/options.h"
#include "o3lsm/status.h"

#include "lsm/dbformat.h"

namespace o3lsm {

struct TableProperties {
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;  // entries of type kTypeDeletion
  uint64_t raw_key_size = 0;   // internal keys, before prefix compression
  uint64_t raw_value_size = 0;
  uint64_t data_size = 0;    // data blocks as stored, trailers included
  uint64_t index_size = 0;   // index block, trailer included
  uint64_t filter_size = 0;  // filter block, trailer included; 0 if none
  uint64_t num_data_blocks = 0;
  SequenceNumber smallest_seqno = 0;
  SequenceNumber largest_seqno = 0;
  std::string smallest_key;  // internal keys; empty if num_entries == 0
  std::string largest_key;
  CompressionType compression = CompressionType::kNone;
  uint32_t format_version = 0;
  uint64_t creation_time = 0;  // unix seconds
  // Random per table, drawn when it is written: what a shared block cache
  // keys the table's blocks by, so that a file number used again never
  // serves another table's bytes. 0: none (a table written before it).
  uint64_t unique_id = 0;

  // One "name: value" line per property, for people (the shell's sst dump).
  std::string ToString() const;
};

// Appends the encoded properties block (without trailer) to *dst.
void EncodeTableProperties(const TableProperties& props, std::string* dst);

// Decodes a properties block. On a malformed block returns Corruption with
// the reason; the caller adds file and offset.
[[nodiscard]] Status DecodeTableProperties(const Slice& block,
                                           TableProperties* props);

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_TABLE_PROPERTIES_H_
