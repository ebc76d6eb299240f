// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/table/table.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

#include "lsm/dbformat.h"
#include "lsm/table/block_tier.h"
#include "lsm/table/two_level_iterator.h"
#include "util/checksum.h"
#include "util/coding.h"
#include "util/stop_watch.h"

namespace o3lsm {

namespace {

// Open reads this much of the file's end at once: the footer, and in all
// but the largest tables the whole metadata region before it. Opening a
// table on shared or remote storage then costs one round trip instead of
// four (footer, then index, filter and properties), and on local disks one
// system call; a table whose metadata is larger than this needs exactly one
// more read.
constexpr uint64_t kTailReadSize = 64 * 1024;

constexpr size_t kCacheKeySize = 16;
constexpr std::align_val_t kMetadataAlignment{64};

void DeleteCachedBlock(const Slice& /*key*/, void* value) {
  delete static_cast<Block*>(value);
}

}  // namespace

void Table::AlignedFree::operator()(char* p) const {
  ::operator delete[](p, kMetadataAlignment);
}

Table::AlignedBuffer Table::NewAlignedBuffer(size_t n) {
  return AlignedBuffer(
      static_cast<char*>(::operator new[](n, kMetadataAlignment)));
}

Table::Table(const TableOptions& options, std::string fname,
             std::unique_ptr<RandomAccessFile> file, uint64_t file_size)
    : options_(options),
      fname_(std::move(fname)),
      file_(std::move(file)),
      file_size_(file_size) {}

Table::~Table() = default;

Status Table::Open(const TableOptions& options, std::string fname,
                   std::unique_ptr<RandomAccessFile> file, uint64_t file_size,
                   std::unique_ptr<Table>* table) {
  if (file_size < Footer::kEncodedLength) {
    return Status::Corruption(fname, "file too short (" +
                                         std::to_string(file_size) +
                                         " bytes) to be an o3lsm SST file");
  }
  const uint64_t tail_len = std::min(file_size, kTailReadSize);
  const uint64_t tail_start = file_size - tail_len;
  std::unique_ptr<char[]> scratch(new char[tail_len]);
  Slice tail;
  Status s = file->Read(tail_start, tail_len, &tail, scratch.get());
  if (!s.ok()) return s;
  if (tail.size() != tail_len) {
    return Status::Corruption(
        fname, "file too short: read " + std::to_string(tail.size()) + " of " +
                   std::to_string(tail_len) + " bytes " + AtOffset(tail_start) +
                   " (expected " + std::to_string(file_size) + " bytes)");
  }
  // Compared as integers: the result may point into unrelated memory (a
  // mapping), where pointer ordering is unspecified.
  const bool tail_in_scratch = reinterpret_cast<uintptr_t>(tail.data()) -
                                   reinterpret_cast<uintptr_t>(scratch.get()) <
                               tail_len;

  std::unique_ptr<Table> t(
      new Table(options, std::move(fname), std::move(file), file_size));
  const uint64_t footer_offset = file_size - Footer::kEncodedLength;
  s = t->footer_.DecodeFrom(
      Slice(tail.data() + tail_len - Footer::kEncodedLength,
            Footer::kEncodedLength),
      footer_offset, t->fname_);
  if (!s.ok()) return s;
  s = t->LoadMetadataRegion(tail, tail_start, tail_in_scratch);
  if (!s.ok()) return s;

  Slice contents;
  s = t->MetadataBlock("index", t->footer_.index, &contents);
  if (!s.ok()) return s;
  t->index_block_.emplace(BlockContents{contents, nullptr});
  {
    BlockIter probe(&*t->index_block_);
    probe.SetErrorContext(&t->fname_, t->footer_.index.offset);
    if (!probe.status().ok()) return probe.status();
  }
  // Damage the checksum missed would leave the fences empty: lookups then
  // search the index block alone, which reports it.
  t->index_fences_.Build(*t->index_block_);

  s = t->MetadataBlock("properties", t->footer_.properties, &contents);
  if (!s.ok()) return s;
  s = DecodeTableProperties(contents, &t->properties_);
  if (!s.ok()) {
    return Status::Corruption(
        t->fname_, "properties block " +
                       AtOffset(t->footer_.properties.offset) + ": " +
                       std::string(s.message()));
  }

  if (t->footer_.filter.size != 0) {
    s = t->MetadataBlock("filter", t->footer_.filter, &contents);
    if (!s.ok()) return s;
    t->filter_ = BloomFilterReader(contents);
    if (!t->filter_.valid()) {
      return Status::Corruption(
          t->fname_,
          "malformed filter block " + AtOffset(t->footer_.filter.offset));
    }
  }

  if (options.block_cache != nullptr) {
    t->cache_id_ = options.block_cache->NewId();
  }
  if (options.block_tier != nullptr && t->properties_.unique_id != 0) {
    // Keys this table's blocks in the shared tier: its unique id (and
    // size), never its file name or number, which another table may reuse.
    char id[16];
    EncodeFixed64(id, t->properties_.unique_id);
    EncodeFixed64(id + 8, file_size);
    t->tier_key_ = Checksum64(id, sizeof(id)) | 1;
  }
  // Blocks can be used in place only if every one is uncompressed, and
  // numbered by index entry only if the index has a restart point per entry.
  if (t->file_->ReadsInPlace() &&
      t->properties_.compression == CompressionType::kNone &&
      t->index_block_->num_restarts() == t->properties_.num_data_blocks &&
      t->properties_.num_data_blocks > 0) {
    t->num_data_blocks_ = static_cast<uint32_t>(t->properties_.num_data_blocks);
    t->verified_ =
        std::make_unique<std::atomic<uint8_t>[]>(t->num_data_blocks_);
  }
  *table = std::move(t);
  return Status::OK();
}

Status Table::LoadMetadataRegion(const Slice& tail, uint64_t tail_start,
                                 bool tail_in_scratch) {
  const uint64_t start = footer_.metadata_start;
  const uint64_t end = file_size_ - Footer::kEncodedLength;
  const size_t len = static_cast<size_t>(end - start);
  if (start >= tail_start) {
    const char* p = tail.data() + (start - tail_start);
    if (!tail_in_scratch) {
      metadata_ = p;  // in the file's mapping: no copy
      return Status::OK();
    }
    // Copied out of the tail buffer, which also holds data blocks: a table
    // keeps only its metadata in memory.
    metadata_buffer_ = NewAlignedBuffer(len);
    memcpy(metadata_buffer_.get(), p, len);
    metadata_ = metadata_buffer_.get();
    return Status::OK();
  }

  // The metadata is larger than the tail read: read the part before it.
  const size_t head_len = static_cast<size_t>(tail_start - start);
  AlignedBuffer buf = NewAlignedBuffer(len);
  Slice head;
  Status s = file_->Read(start, head_len, &head, buf.get());
  if (!s.ok()) return s;
  if (head.size() != head_len) {
    return Status::Corruption(fname_, "truncated metadata read " +
                                          AtOffset(start) + ": got " +
                                          std::to_string(head.size()) + " of " +
                                          std::to_string(head_len) + " bytes");
  }
  if (!tail_in_scratch && head.data() != buf.get() &&
      head.data() + head_len == tail.data()) {
    metadata_ = head.data();  // both parts lie in one mapping
    return Status::OK();
  }
  if (head.data() != buf.get()) memcpy(buf.get(), head.data(), head_len);
  memcpy(buf.get() + head_len, tail.data(), len - head_len);
  metadata_buffer_ = std::move(buf);
  metadata_ = metadata_buffer_.get();
  return Status::OK();
}

Status Table::MetadataBlock(const char* what, const BlockHandle& handle,
                            Slice* contents) const {
  // Footer::DecodeFrom checked that the block and its trailer lie in the
  // metadata region.
  const char* p = metadata_ + (handle.offset - footer_.metadata_start);
  const size_t n = static_cast<size_t>(handle.size);
  if (!BlockChecksumMatches(p, n, handle.offset)) {
    return Status::Corruption(fname_, std::string(what) +
                                          " block checksum mismatch " +
                                          AtOffset(handle.offset));
  }
  if (static_cast<CompressionType>(p[n]) != CompressionType::kNone) {
    return Status::Corruption(
        fname_, std::string(what) + " block " + AtOffset(handle.offset) +
                    " has compression type " +
                    std::to_string(static_cast<unsigned char>(p[n])) +
                    "; metadata is never compressed");
  }
  *contents = Slice(p, n);
  return Status::OK();
}

void Table::CacheKey(uint64_t offset, char* key) const {
  EncodeFixed64(key, cache_id_);
  EncodeFixed64(key + 8, offset);
}

Status Table::DecodeDataHandle(Slice index_value, BlockHandle* handle) const {
  if (!handle->DecodeFrom(&index_value).ok()) {
    return Status::Corruption(fname_, "index block " +
                                          AtOffset(footer_.index.offset) +
                                          ": bad data block handle");
  }
  if (!handle->FitsIn(0, footer_.metadata_start)) {
    return Status::Corruption(fname_,
                              "index block " + AtOffset(footer_.index.offset) +
                                  ": data block handle (offset " +
                                  std::to_string(handle->offset) + ", size " +
                                  std::to_string(handle->size) +
                                  ") runs past the data region, which ends " +
                                  AtOffset(footer_.metadata_start));
  }
  return Status::OK();
}

Status Table::FetchDataBlock(const ReadOptions& options,
                             const BlockHandle& handle, uint32_t block_number,
                             Cache::Handle** cache_handle,
                             BlockContents* contents) const {
  *cache_handle = nullptr;
  if (verified_ != nullptr && block_number < num_data_blocks_) {
    // In place in the mapping: verify the block the first time only,
    // unless the read asks for every time.
    std::atomic<uint8_t>& verified = verified_[block_number];
    const bool seen = verified.load(std::memory_order_acquire) != 0;
    Status s = ReadBlock(file_.get(), fname_, handle,
                         /*verify_checksum=*/!seen || options.verify_checksums,
                         contents);
    if (!s.ok()) return s;
    if (!contents->owns_memory()) {
      if (!seen) verified.store(1, std::memory_order_release);
      return Status::OK();
    }
    // Copied after all: treat it as any other block below.
    contents->data = Slice();
    contents->heap.reset();
  }

  // Index and filter blocks live in the table from its open on (as
  // RocksDB's with cache_index_and_filter_blocks = false), so only data
  // blocks meet the block cache and its tickers.
  Cache* const cache = options_.block_cache;
  Statistics* const statistics = options_.statistics;
  char key[kCacheKeySize];
  if (cache != nullptr) {
    CacheKey(handle.offset, key);
    *cache_handle = cache->Lookup(Slice(key, kCacheKeySize));
    if (*cache_handle != nullptr) {
      if (statistics != nullptr) {
        statistics->recordTick(kBlockCacheHit);
        statistics->recordTick(kBlockCacheDataHit);
        statistics->recordTick(
            kBlockCacheBytesRead,
            static_cast<const Block*>(cache->Value(*cache_handle))->size());
      }
      return Status::OK();
    }
    if (statistics != nullptr) {
      statistics->recordTick(kBlockCacheMiss);
      statistics->recordTick(kBlockCacheDataMiss);
    }
  }
  // The tier below the cache (blocks in DM): verified like a read from
  // the file; a block that fails is read from the file instead.
  const bool tier = tier_key_ != 0 && options_.block_tier->active();
  bool from_tier = false;
  if (tier) {
    std::string stored;
    from_tier =
        options_.block_tier->Lookup(tier_key_, handle.offset, &stored) &&
        stored.size() >= kBlockTrailerSize &&
        BlockFromStored(fname_, handle.offset, stored.data(),
                        stored.size() - kBlockTrailerSize, contents)
            .ok();
    RecordTick(statistics, from_tier ? kDmBlockCacheHit : kDmBlockCacheMiss);
  }
  if (!from_tier) {
    // Always verified: a block from storage is checked whatever the read
    // options say; cached blocks were checked when they were read.
    Status s = ReadBlock(file_.get(), fname_, handle,
                         /*verify_checksum=*/true, contents);
    if (!s.ok()) return s;
    if (tier) {
      options_.block_tier->Insert(
          tier_key_, handle.offset,
          StoredBlock(contents->data, CompressionType::kNone, handle.offset));
    }
  }
  if (cache != nullptr && options.fill_cache) {
    // A block read in place from a mapping is cached too: a hit skips the
    // checksum and the page-cache walk. Its memory belongs to the mapping,
    // which lives as long as this table; once the table is gone its cache
    // id is never looked up again, so a stale entry is only ever deleted.
    auto* block = new Block(std::move(*contents));
    *cache_handle = cache->Insert(Slice(key, kCacheKeySize), block,
                                  block->size(), &DeleteCachedBlock);
    if (statistics != nullptr) {
      statistics->recordTick(kBlockCacheAdd);
      statistics->recordTick(kBlockCacheDataAdd);
      statistics->recordTick(kBlockCacheBytesWrite, block->size());
    }
  }
  return Status::OK();
}

Status Table::InternalGet(
    const ReadOptions& options, const Slice& internal_key,
    const std::function<bool(const Slice&, const Slice&)>& handle) const {
  if (!filter_.KeyMayMatch(ExtractUserKey(internal_key))) {
    RecordTick(options_.statistics, kBloomFilterUseful);
    return Status::OK();
  }
  if (filter_.valid()) {
    RecordTick(options_.statistics, kBloomFilterFullPositive);
  }

  BlockIter index(&*index_block_);
  index.SetErrorContext(&fname_, footer_.index.offset);
  SeekIndex(&index, internal_key);
  if (!index.Valid()) return index.status();  // OK: past the last key
  BlockHandle block_handle;
  Status s = DecodeDataHandle(index.value(), &block_handle);
  if (!s.ok()) return s;

  Cache::Handle* cache_handle;
  BlockContents contents;
  s = FetchDataBlock(options, block_handle, index.restart_index(),
                     &cache_handle, &contents);
  if (!s.ok()) return s;
  std::optional<Block> uncached;
  const Block* block =
      cache_handle != nullptr
          ? static_cast<const Block*>(options_.block_cache->Value(cache_handle))
          : &uncached.emplace(std::move(contents));
  {
    BlockIter it(block);
    it.SetErrorContext(&fname_, block_handle.offset);
    it.Seek(internal_key);
    if (it.Valid()) handle(it.key(), it.value());
    s = it.status();
  }
  if (cache_handle != nullptr) options_.block_cache->Release(cache_handle);
  return s;
}

Iterator* Table::NewDataBlockIterator(const ReadOptions& options,
                                      const Slice& index_value,
                                      uint32_t block_number) const {
  BlockHandle handle;
  Status s = DecodeDataHandle(index_value, &handle);
  if (!s.ok()) return NewErrorIterator(s);
  Cache::Handle* cache_handle;
  BlockContents contents;
  s = FetchDataBlock(options, handle, block_number, &cache_handle, &contents);
  if (!s.ok()) return NewErrorIterator(s);

  BlockIter* iter;
  if (cache_handle != nullptr) {
    Cache* cache = options_.block_cache;
    iter = new BlockIter(static_cast<const Block*>(cache->Value(cache_handle)));
    iter->RegisterCleanup(
        [cache, cache_handle] { cache->Release(cache_handle); });
  } else {
    auto* block = new Block(std::move(contents));
    iter = new BlockIter(block);
    iter->RegisterCleanup([block] { delete block; });
  }
  iter->SetErrorContext(&fname_, handle.offset);
  return iter;
}

namespace {

// The index block's iterator, whose Seek goes through the table's fences
// as a point lookup's does (Table::SeekIndex): a seek in a large table
// otherwise binary-searches the whole index, a cache miss a step.
class FencedIndexIterator final : public Iterator {
 public:
  FencedIndexIterator(const Table* table, const Block* index,
                      const std::string* fname, uint64_t offset)
      : table_(table), iter_(index) {
    iter_.SetErrorContext(fname, offset);
  }

  bool Valid() const override { return iter_.Valid(); }
  void Seek(const Slice& target) override { table_->SeekIndex(&iter_, target); }
  void SeekToFirst() override { iter_.SeekToFirst(); }
  void SeekToLast() override { iter_.SeekToLast(); }
  void Next() override { iter_.Next(); }
  void Prev() override { iter_.Prev(); }
  Slice key() const override { return iter_.key(); }
  Slice value() const override { return iter_.value(); }
  Status status() const override { return iter_.status(); }
  uint32_t restart_index() const { return iter_.restart_index(); }

 private:
  const Table* const table_;
  BlockIter iter_;
};

// The first user key of the data block an index value (format 2) names.
bool IndexValueFirstKey(const Slice& index_value, Slice* user_key) {
  Slice v = index_value;
  BlockHandle handle;
  return handle.DecodeFrom(&v).ok() && GetLengthPrefixedSlice(&v, user_key);
}

}  // namespace

Iterator* Table::NewIterator(const ReadOptions& options) const {
  auto* index = new FencedIndexIterator(this, &*index_block_, &fname_,
                                        footer_.index.offset);
  // The two-level iterator owns both the index iterator and this function,
  // so the function may look at where the index stands.
  return NewTwoLevelIterator(
      index,
      [this, options, index](const Slice& value) {
        return NewDataBlockIterator(options, value, index->restart_index());
      },
      options.iterate_lower_bound, options.iterate_upper_bound,
      footer_.format_version >= 2 ? IndexValueFirstKey : nullptr);
}

void Table::SeekIndex(BlockIter* index, const Slice& internal_key) const {
  if (index_fences_.empty()) {
    index->Seek(internal_key);
    return;
  }
  uint32_t left, right;
  index_fences_.Bounds(internal_key, &left, &right);
  index->SeekInRestartRange(internal_key, left, right);
}

uint64_t Table::ApproximateOffsetOf(const Slice& internal_key) const {
  BlockIter index(&*index_block_);
  SeekIndex(&index, internal_key);
  if (index.Valid()) {
    Slice v = index.value();
    BlockHandle handle;
    if (handle.DecodeFrom(&v).ok()) return handle.offset;
  }
  // Past the last key (or a damaged index entry): the end of the data.
  return footer_.metadata_start;
}

bool Table::TEST_BlockInCache(uint64_t block_offset) const {
  Cache* cache = options_.block_cache;
  if (cache == nullptr) return false;
  char key[kCacheKeySize];
  CacheKey(block_offset, key);
  Cache::Handle* h = cache->Lookup(Slice(key, kCacheKeySize));
  if (h == nullptr) return false;
  cache->Release(h);
  return true;
}

}  // namespace o3lsm
