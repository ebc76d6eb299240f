// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/table/table_builder.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <random>

#include "lsm/dbformat.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

// Metadata begins at a multiple of this file offset, so that the filter's
// 64-byte lines coincide with cache lines wherever the reader's copy of the
// region is equally aligned (a memory mapping, or Table's aligned buffer).
constexpr uint64_t kMetadataAlignment = 64;

// A block size beyond this is a configuration mistake; clamping it keeps
// blocks far below what a reader accepts.
constexpr size_t kMaxBlockSize = size_t{64} << 20;

TableOptions Sanitize(TableOptions o) {
  o.block_size = std::clamp<size_t>(o.block_size, 1, kMaxBlockSize);
  o.block_restart_interval = std::max(o.block_restart_interval, 1);
  o.format_version = std::clamp(o.format_version, kOldestTableFormatVersion,
                                kTableFormatVersion);
  return o;
}

}  // namespace

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file,
                           std::string fname)
    : options_(Sanitize(options)),
      file_(file),
      fname_(std::move(fname)),
      data_block_(options_.block_restart_interval),
      // Every index entry is a restart point: a Get binary-searches the
      // index with no linear scan and reads keys in place.
      index_block_(1),
      compressor_(options_.compression, options_.compression_level) {
  if (options_.bloom_bits_per_key > 0) {
    filter_ = std::make_unique<BloomFilterBuilder>(options_.bloom_bits_per_key);
  }
  props_.compression = options_.compression;
  props_.format_version = options_.format_version;
}

TableBuilder::~TableBuilder() { assert(closed_); }

void TableBuilder::Add(const Slice& key, const Slice& value) {
  assert(!closed_);
  if (!status_.ok()) return;
  ParsedInternalKey parsed;
  if (!ParseInternalKey(key, &parsed)) {
    status_ =
        Status::InvalidArgument(fname_, "malformed internal key at entry " +
                                            std::to_string(props_.num_entries));
    return;
  }
  if (key.size() + value.size() > kMaxEntrySize) {
    status_ = Status::InvalidArgument(
        fname_, "entry of " + std::to_string(key.size() + value.size()) +
                    " bytes exceeds the limit of " +
                    std::to_string(kMaxEntrySize));
    return;
  }
  assert(props_.num_entries == 0 ||
         InternalKeyComparator().Compare(key, last_key_) > 0);

  if (pending_index_entry_) {
    assert(data_block_.empty());
    AddIndexEntry(&key);
  }
  if (data_block_.empty()) {
    block_first_key_.assign(parsed.user_key.data(), parsed.user_key.size());
  }
  if (filter_ != nullptr) filter_->AddKey(parsed.user_key);

  if (props_.num_entries == 0) {
    props_.smallest_key.assign(key.data(), key.size());
    props_.smallest_seqno = parsed.sequence;
    props_.largest_seqno = parsed.sequence;
  } else {
    props_.smallest_seqno = std::min(props_.smallest_seqno, parsed.sequence);
    props_.largest_seqno = std::max(props_.largest_seqno, parsed.sequence);
  }
  props_.num_entries++;
  if (parsed.type == kTypeDeletion) props_.num_deletions++;
  props_.raw_key_size += key.size();
  props_.raw_value_size += value.size();

  last_key_.assign(key.data(), key.size());
  data_block_.Add(key, value);
  if (data_block_.CurrentSizeEstimate() >= options_.block_size) {
    FlushDataBlock();
  }
}

void TableBuilder::AddIndexEntry(const Slice* next_key) {
  std::string value;
  pending_handle_.EncodeTo(&value);
  if (options_.format_version >= 2) {
    // Keyed by the block's last key, with its first user key in the value:
    // a bounded scan sees from the index alone whether a block holds
    // anything inside its bounds, in either direction.
    PutLengthPrefixedSlice(&value, pending_first_key_);
  } else if (next_key != nullptr) {
    InternalKeyComparator().FindShortestSeparator(&last_key_, *next_key);
  } else {
    InternalKeyComparator().FindShortSuccessor(&last_key_);
  }
  index_block_.Add(last_key_, value);
  pending_index_entry_ = false;
}

void TableBuilder::FlushDataBlock() {
  if (data_block_.empty() || !status_.ok()) return;
  assert(!pending_index_entry_);
  WriteDataBlock(data_block_.Finish(), &pending_handle_);
  data_block_.Reset();
  if (status_.ok()) {
    pending_index_entry_ = true;
    pending_first_key_.swap(block_first_key_);
    props_.num_data_blocks++;
  }
}

void TableBuilder::WriteDataBlock(const Slice& raw, BlockHandle* handle) {
  if (options_.compression != CompressionType::kNone &&
      compressor_.Compress(raw, &block_buf_) &&
      block_buf_.size() < raw.size() - raw.size() / 8) {
    // Compression is kept only if it saves at least 1/8: below that, the
    // reader's decompression costs more than the saved bytes are worth.
    WriteStoredBlock(block_buf_, options_.compression, handle);
  } else {
    WriteStoredBlock(raw, CompressionType::kNone, handle);
  }
}

void TableBuilder::WriteStoredBlock(const Slice& stored, CompressionType type,
                                    BlockHandle* handle) {
  handle->offset = offset_;
  handle->size = stored.size();
  // The checksum covers the block and the type byte as one contiguous
  // range, so the trailer is assembled behind the block in block_buf_.
  if (stored.data() != block_buf_.data()) {
    block_buf_.assign(stored.data(), stored.size());
  }
  block_buf_.push_back(static_cast<char>(type));
  PutFixed32(&block_buf_,
             BlockChecksum(block_buf_.data(), stored.size(), offset_));
  Append(block_buf_);
}

void TableBuilder::Append(const Slice& data) {
  if (!status_.ok()) return;
  status_ = file_->Append(data);
  if (status_.ok()) offset_ += data.size();
}

Status TableBuilder::Finish() {
  assert(!closed_);
  FlushDataBlock();
  closed_ = true;
  if (!status_.ok()) return status_;

  props_.data_size = offset_;
  props_.largest_key = last_key_;
  if (pending_index_entry_) AddIndexEntry(nullptr);

  const uint64_t padding =
      (kMetadataAlignment - offset_ % kMetadataAlignment) % kMetadataAlignment;
  if (padding > 0) Append(std::string(padding, '\0'));

  Footer footer;
  footer.metadata_start = offset_;
  if (filter_ != nullptr) {
    const std::string filter = filter_->Finish();
    WriteStoredBlock(filter, CompressionType::kNone, &footer.filter);
    props_.filter_size = filter.size() + kBlockTrailerSize;
  }

  // The index is complete now; its size goes into the properties, which
  // are written before it.
  const Slice index = index_block_.Finish();
  props_.index_size = index.size() + kBlockTrailerSize;
  if (creation_time_ == 0) {
    creation_time_ = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
  }
  props_.creation_time = creation_time_;
  while (unique_id_ == 0) {
    thread_local std::mt19937_64 random_ids(
        std::random_device{}() ^
        static_cast<uint64_t>(
            std::chrono::steady_clock::now().time_since_epoch().count()));
    unique_id_ = random_ids();
  }
  props_.unique_id = unique_id_;
  std::string properties;
  EncodeTableProperties(props_, &properties);
  WriteStoredBlock(properties, CompressionType::kNone, &footer.properties);
  WriteStoredBlock(index, CompressionType::kNone, &footer.index);

  std::string encoded_footer;
  footer.EncodeTo(offset_, &encoded_footer);
  Append(encoded_footer);
  return status_;
}

void TableBuilder::Abandon() {
  assert(!closed_);
  closed_ = true;
}

}  // namespace o3lsm
