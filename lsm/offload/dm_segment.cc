// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/dm_segment.h"

#include <chrono>
#include <cstring>

#include "lsm/memtable/skiplist.h"
#include "util/checksum.h"

namespace o3lsm {

namespace {

uint64_t NowMicros() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace

Status ReadSegment(fabric::Fabric* fabric, const SegmentLocation& where,
                   SegmentHeader* header, std::shared_ptr<char[]>* bytes) {
  const std::string what = "DM segment " + where.addr.ToString();
  if (where.length < SegmentHeader::kEncodedLength ||
      where.length > fabric->pool_size()) {
    return Status::Corruption(what, "impossible length " +
                                        std::to_string(where.length));
  }
  std::shared_ptr<char[]> buf(new char[where.length]);
  Status s = fabric->Read(where.addr, buf.get(), where.length);
  if (!s.ok()) return s;
  s = header->DecodeFrom(Slice(buf.get(), SegmentHeader::kEncodedLength));
  if (!s.ok()) return Status::Corruption(what, s.message());
  if (header->total_length() != where.length) {
    return Status::Corruption(what, "length " + std::to_string(where.length) +
                                        " disagrees with its header (" +
                                        std::to_string(header->total_length()) +
                                        ")");
  }
  const char* image = buf.get() + SegmentHeader::kEncodedLength;
  if (Checksum64(image, header->image_length) != header->image_checksum) {
    return Status::Corruption(what, "image checksum mismatch");
  }
  if (!SkipList(image, header->image_length).HeaderValid()) {
    return Status::Corruption(what, "bad skiplist header");
  }
  *bytes = std::move(buf);
  return Status::OK();
}

Status DmSegment::Create(std::shared_ptr<DmContext> ctx, MemTable* mem,
                         const Placement& placement, int bloom_bits_per_key,
                         std::shared_ptr<DmSegment>* segment) {
  if (!ctx->available()) {
    return Status::Unavailable("DM pool", "memory node marked unavailable");
  }
  const uint64_t start = NowMicros();
  SegmentImage image;
  Status s = BuildSegmentImage(mem, bloom_bits_per_key, &image);
  if (!s.ok()) return s;

  const std::string keys =
      EncodeSegmentKeys(image.smallest_user_key, image.largest_user_key);
  SegmentHeader header;
  header.segment_id = ctx->NewSegmentId();
  header.owner = ctx->allocator()->owner();
  header.generation = ctx->allocator()->generation();
  header.shard = placement.shard;
  header.router_generation = placement.router_generation;
  header.smallest_seq = image.smallest_seq;
  header.largest_seq = image.largest_seq;
  header.entries = image.entries;
  header.image_length = static_cast<uint32_t>(image.size);
  header.image_checksum = image.checksum;
  header.keys_length = static_cast<uint32_t>(keys.size());
  header.created_micros = start;
  char encoded[SegmentHeader::kEncodedLength];
  header.EncodeTo(encoded);

  fabric::DmAddr addr;
  s = ctx->allocator()->Allocate(header.total_length(), &addr);
  if (!s.ok()) return s;
  // One batch, one round trip: header, image and keys, written straight
  // from where they are (no staging copy).
  fabric::WorkRequest writes[3] = {
      fabric::WorkRequest::Write(addr, encoded, sizeof(encoded)),
      fabric::WorkRequest::Write(addr + SegmentHeader::kEncodedLength,
                                 image.data.get(), image.size),
      fabric::WorkRequest::Write(
          addr + SegmentHeader::kEncodedLength + image.size, keys.data(),
          keys.size()),
  };
  s = ctx->fabric()->Execute(writes);
  if (s.ok()) s = ctx->fabric()->Persist(addr, header.total_length());
  if (!s.ok()) {
    ctx->allocator()->Free(addr).PermitUncheckedError();
    return s;
  }
  DmCounters& c = ctx->counters();
  c.segments_moved.fetch_add(1, std::memory_order_relaxed);
  c.bytes_moved.fetch_add(header.total_length(), std::memory_order_relaxed);
  c.live_segments.fetch_add(1, std::memory_order_relaxed);
  c.live_bytes.fetch_add(ctx->allocator()->FootprintOf(header.total_length()),
                         std::memory_order_relaxed);
  c.move_micros.fetch_add(NowMicros() - start, std::memory_order_relaxed);
  segment->reset(new DmSegment(std::move(ctx), addr, header,
                               std::move(image.index),
                               std::move(image.smallest_user_key),
                               std::move(image.largest_user_key)));
  return Status::OK();
}

DmSegment::DmSegment(std::shared_ptr<DmContext> ctx, fabric::DmAddr addr,
                     SegmentHeader header, SegmentIndex index,
                     std::string smallest, std::string largest)
    : ctx_(std::move(ctx)),
      addr_(addr),
      header_(header),
      index_(std::move(index)),
      smallest_(std::move(smallest)),
      largest_(std::move(largest)) {}

DmSegment::~DmSegment() {
  DmCounters& c = ctx_->counters();
  c.live_segments.fetch_sub(1, std::memory_order_relaxed);
  c.live_bytes.fetch_sub(ctx_->allocator()->FootprintOf(header_.total_length()),
                         std::memory_order_relaxed);
  // A pool that went away took the segment with it; nothing to free.
  if (ctx_->available() && ctx_->allocator()->Free(addr_).ok()) {
    c.segments_freed.fetch_add(1, std::memory_order_relaxed);
  }
}

bool DmSegment::Get(const LookupKey& key, std::string* value,
                    Status* s) const {
  if (!index_.KeyMayMatch(key.user_key())) return false;
  const int i = index_.FindFence(key.internal_key());
  if (i < 0) return false;
  const auto& fences = index_.fences();
  const SegmentIndex::Fence& fence = fences[i];
  // When the next range starts with the same user key, the answer may be
  // its first entry: fetch both ranges in one batch, one round trip.
  const bool with_next =
      static_cast<size_t>(i) + 1 < fences.size() &&
      ExtractUserKey(fences[i + 1].first_key) == key.user_key();
  const size_t len = fence.length + (with_next ? fences[i + 1].length : 0);
  char stack_buf[4096];
  std::unique_ptr<char[]> heap_buf;
  char* buf = stack_buf;
  if (len > sizeof(stack_buf)) {
    heap_buf.reset(new char[len]);
    buf = heap_buf.get();
  }
  fabric::WorkRequest reads[2] = {
      fabric::WorkRequest::Read(ImageAddr(fence.offset), buf, fence.length),
      {}};
  size_t n = 1;
  if (with_next) {
    reads[n++] = fabric::WorkRequest::Read(ImageAddr(fences[i + 1].offset),
                                           buf + fence.length,
                                           fences[i + 1].length);
  }
  Status rs = ctx_->fabric()->Execute(std::span<fabric::WorkRequest>(reads, n));
  DmCounters& c = ctx_->counters();
  c.remote_gets.fetch_add(1, std::memory_order_relaxed);
  c.remote_get_bytes.fetch_add(len, std::memory_order_relaxed);
  if (!rs.ok()) {
    *s = rs;
    return true;
  }
  RangeLookup r = GetFromFencedRange(fence, buf, key, value, s);
  if (r == RangeLookup::kPastRange && with_next) {
    r = GetFromFencedRange(fences[i + 1], buf + fence.length, key, value, s);
  }
  return r == RangeLookup::kDecided;
}

Iterator* DmSegment::NewIterator() {
  SegmentHeader header;
  std::shared_ptr<char[]> bytes;
  Status s = ReadSegment(ctx_->fabric(), location(), &header, &bytes);
  if (!s.ok()) return NewErrorIterator(s);
  ctx_->counters().bytes_read_back.fetch_add(header.total_length(),
                                             std::memory_order_relaxed);
  const char* image = bytes.get() + SegmentHeader::kEncodedLength;
  return NewSkipListIterator(image, header.image_length, std::move(bytes));
}

}  // namespace o3lsm
