// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Table is an open SST file (docs/sst_format.md): a sorted, immutable map
// from internal keys to values. Open reads and verifies the footer and the
// metadata blocks (bloom filter, properties, index) with one read of the
// file's tail, and keeps them in memory; data blocks are read on demand,
// verified, and kept in the block cache when one is configured.
//
// Thread safety: a Table is immutable after Open; all const methods may be
// called concurrently.
// Lifetimes: the Table must outlive its iterators; the block cache given in
// TableOptions must outlive the Table.
// Errors: damaged bytes give Corruption naming the file and the offset of
// the damaged structure; never a crash and never a wrong entry.

#ifndef O3LSM_LSM_TABLE_TABLE_H_
#define O3LSM_LSM_TABLE_TABLE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "o3lsm/env.h"
#include "o3lsm/iterator.h"
#include "o3lsm/options.h"

#include "lsm/cache/cache.h"
#include "lsm/table/block.h"
#include "lsm/table/bloom.h"
#include "lsm/table/format.h"
#include "lsm/table/index_fences.h"
#include "lsm/table/table_options.h"
#include "lsm/table/table_properties.h"

namespace o3lsm {

class Table {
 public:
  // Opens the SST fname, whose first file_size bytes file holds. Takes
  // ownership of file. On success *table is the open table; on failure
  // *table is unchanged and the status says what is wrong and where.
  [[nodiscard]] static Status Open(const TableOptions& options,
                                   std::string fname,
                                   std::unique_ptr<RandomAccessFile> file,
                                   uint64_t file_size,
                                   std::unique_ptr<Table>* table);

  ~Table();
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  // An iterator over every entry, in InternalKeyComparator order. The
  // caller deletes it. Data blocks come through the block cache when there
  // is one; options.fill_cache says whether blocks read from the file are
  // added to it. Blocks read from the file are always checksum-verified.
  Iterator* NewIterator(const ReadOptions& options) const;

  // The point-lookup path. If the bloom filter rules out
  // ExtractUserKey(internal_key), returns OK at once. Otherwise finds the
  // data block the index assigns to internal_key and calls handle(key,
  // value) on that block's first entry >= internal_key, if there is one
  // (the index separators guarantee that any entry with internal_key's user
  // key and a key >= internal_key lies in that block). handle is called at
  // most once; its result is ignored here. The Slices passed to handle are
  // valid only during the call. Returns a read error or Corruption, or OK.
  // REQUIRES: internal_key is >= 8 bytes.
  [[nodiscard]] Status InternalGet(
      const ReadOptions& options, const Slice& internal_key,
      const std::function<bool(const Slice& found_key, const Slice& value)>&
          handle) const;

  // The approximate file offset where internal_key's data begins (the end
  // of the data region for keys past the last entry).
  // REQUIRES: internal_key is >= 8 bytes.
  uint64_t ApproximateOffsetOf(const Slice& internal_key) const;

  const TableProperties& properties() const { return properties_; }
  const std::string& file_name() const { return fname_; }
  uint64_t file_size() const { return file_size_; }

  // Tests: whether the block at offset is in the block cache.
  bool TEST_BlockInCache(uint64_t block_offset) const;

  // Positions index at the first index entry >= internal_key, through the
  // fences when they were built.
  void SeekIndex(BlockIter* index, const Slice& internal_key) const;

 private:
  struct AlignedFree {
    void operator()(char* p) const;
  };
  using AlignedBuffer = std::unique_ptr<char, AlignedFree>;
  static AlignedBuffer NewAlignedBuffer(size_t n);

  Table(const TableOptions& options, std::string fname,
        std::unique_ptr<RandomAccessFile> file, uint64_t file_size);

  // Reads [metadata_start, footer offset) into metadata_ (or points
  // metadata_ into the file's mapping), reusing the tail already read.
  [[nodiscard]] Status LoadMetadataRegion(const Slice& tail,
                                          uint64_t tail_start,
                                          bool tail_in_scratch);
  // Verifies the trailer of the metadata block at handle; *contents is the
  // block without trailer.
  [[nodiscard]] Status MetadataBlock(const char* what,
                                     const BlockHandle& handle,
                                     Slice* contents) const;

  // Fills key[16] with the block cache key of the block at offset.
  void CacheKey(uint64_t offset, char* key) const;
  // Decodes and bounds-checks a data block handle from an index value.
  [[nodiscard]] Status DecodeDataHandle(Slice index_value,
                                        BlockHandle* handle) const;
  // Gets data block number block_number at handle: either pinned in the
  // block cache (*cache_handle set; the caller releases it) or read from the
  // file (*contents set; inserted into the cache if options.fill_cache, unless
  // it is used in place, see verified_).
  [[nodiscard]] Status FetchDataBlock(const ReadOptions& options,
                                      const BlockHandle& handle,
                                      uint32_t block_number,
                                      Cache::Handle** cache_handle,
                                      BlockContents* contents) const;
  // The block_function of NewIterator's two-level iterator.
  Iterator* NewDataBlockIterator(const ReadOptions& options,
                                 const Slice& index_value,
                                 uint32_t block_number) const;

  const TableOptions options_;
  const std::string fname_;
  const std::unique_ptr<RandomAccessFile> file_;
  const uint64_t file_size_;
  uint64_t cache_id_ = 0;  // prefixes this table's block cache keys
  uint64_t tier_key_ = 0;  // its blocks' key in options_.block_tier; 0: none

  Footer footer_;
  // The metadata region, when it is not read in place from a mapping.
  AlignedBuffer metadata_buffer_;
  const char* metadata_ = nullptr;  // bytes [footer_.metadata_start, ...)
  std::optional<Block> index_block_;
  IndexFences index_fences_;  // empty if the index could not be fenced
  BloomFilterReader filter_;  // !valid() when the table has no filter
  TableProperties properties_;

  // For an uncompressed table in a mapped file (RandomAccessFile::
  // ReadsInPlace): data blocks are used where they lie, with no copy and no
  // block cache, and each block's checksum is verified on its first use only
  // (as a cached block would be). One flag per data block, numbered by its
  // index entry. Null otherwise, and the block cache is used.
  std::unique_ptr<std::atomic<uint8_t>[]> verified_;
  uint32_t num_data_blocks_ = 0;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_TABLE_H_
