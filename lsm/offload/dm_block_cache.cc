// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/dm_block_cache.h"

#include <chrono>
#include <cstdio>
#include <vector>

#include "util/checksum.h"
#include "util/coding.h"
#include "util/clock.h"

namespace o3lsm {

namespace {

constexpr const char* kWhat = "DM block cache";

// Tag fields.
constexpr size_t kVersion = 0;
constexpr size_t kKey = 8;
constexpr size_t kOffset = 16;
constexpr size_t kLengthAndSum = 24;
constexpr size_t kWritten = 32;

uint32_t StoredChecksum(uint64_t table_key, uint64_t offset,
                        const Slice& stored) {
  return Checksum32(stored.data(), stored.size(), table_key ^ offset);
}

// The pool's mailbox region has room for the descriptor (magic, address,
// bytes).
bool HasDescriptor(const fabric::Fabric* fabric) {
  return fabric->RegionLength(fabric::RegionKind::kMailboxes) >=
         DmBlockCache::kDescriptorOffset + 24;
}

fabric::DmAddr DescriptorAddr(const fabric::Fabric* fabric) {
  return fabric->RegionStart(fabric::RegionKind::kMailboxes) +
         DmBlockCache::kDescriptorOffset;
}

}  // namespace

Status DmBlockCache::Create(fabric::Fabric* fabric,
                            fabric::DmAllocator* allocator, uint64_t bytes) {
  if (!HasDescriptor(fabric)) {
    return Status::NotSupported(kWhat, "the pool has no room to publish it");
  }
  const fabric::DmAddr descriptor = DescriptorAddr(fabric);
  uint64_t magic = 0;
  Status s = fabric->Read(descriptor, &magic, 8);
  if (!s.ok()) return s;
  if (magic == kMagic) return Status::OK();  // the pool has one
  if (magic != 0) return Status::Corruption(kWhat, "bad descriptor");
  const uint64_t per_set = uint64_t{kWays} * (kTagSize + kSlotSize);
  if (bytes < kHeaderSize + per_set) {
    return Status::InvalidArgument(kWhat, "too small for one set of " +
                                              std::to_string(per_set) +
                                              " bytes");
  }
  const uint64_t sets = std::min<uint64_t>((bytes - kHeaderSize) / per_set,
                                           uint64_t{1} << 30);
  const uint64_t length = kHeaderSize + sets * per_set;
  fabric::DmAddr base;
  s = allocator->Allocate(length, &base);
  if (!s.ok()) return s;
  // The tags start out never used, whatever the heap held before.
  const uint64_t tags = sets * kWays * kTagSize;
  const std::string zeros(std::min<uint64_t>(tags, 1 << 20), '\0');
  for (uint64_t done = 0; done < tags && s.ok(); done += zeros.size()) {
    s = fabric->Write(base + kHeaderSize + done, zeros.data(),
                      std::min<uint64_t>(zeros.size(), tags - done));
  }
  char header[kHeaderSize] = {};
  EncodeFixed64(header, kMagic);
  EncodeFixed64(header + 8, sets);
  EncodeFixed64(header + 16, kWays);
  EncodeFixed64(header + 24, kSlotSize);
  if (s.ok()) s = fabric->Write(base, header, sizeof(header));
  // Address and size first, then the magic that makes them valid.
  uint64_t where[2] = {base.offset(), length};
  uint64_t found = 0;
  if (s.ok()) {
    fabric::WorkRequest publish[] = {
        fabric::WorkRequest::Write(descriptor + 8, where, sizeof(where)),
        fabric::WorkRequest::CompareAndSwap(descriptor, 0, kMagic, &found),
    };
    s = fabric->Execute(publish);
  }
  if (!s.ok() || found != 0) {
    // Failed, or another node published one first: give this one back.
    allocator->Free(base).PermitUncheckedError();
  }
  return s;
}

Status DmBlockCache::Open(fabric::Fabric* fabric,
                          std::unique_ptr<DmBlockCache>* cache) {
  if (!HasDescriptor(fabric)) {
    return Status::NotFound(kWhat, "the pool has none");
  }
  uint64_t d[3];
  Status s = fabric->Read(DescriptorAddr(fabric), d, sizeof(d));
  if (!s.ok()) return s;
  if (d[0] == 0) return Status::NotFound(kWhat, "the pool has none");
  if (d[0] != kMagic) return Status::Corruption(kWhat, "bad descriptor");
  const fabric::DmAddr base(fabric->pool_id(), d[1]);
  char header[kHeaderSize];
  s = fabric->Read(base, header, sizeof(header));
  if (!s.ok()) return s;
  const uint64_t sets = DecodeFixed64(header + 8);
  const uint64_t per_set = uint64_t{kWays} * (kTagSize + kSlotSize);
  if (DecodeFixed64(header) != kMagic || sets == 0 || sets > (1u << 30) ||
      DecodeFixed64(header + 16) != kWays ||
      DecodeFixed64(header + 24) != kSlotSize ||
      kHeaderSize + sets * per_set != d[2]) {
    return Status::Corruption(kWhat, "bad header");
  }
  cache->reset(new DmBlockCache(fabric, base, static_cast<uint32_t>(sets)));
  return Status::OK();
}

uint32_t DmBlockCache::SetOf(uint64_t table_key, uint64_t offset) const {
  char k[16];
  EncodeFixed64(k, table_key);
  EncodeFixed64(k + 8, offset);
  return static_cast<uint32_t>(Checksum64(k, sizeof(k)) % sets_);
}

Status DmBlockCache::ReadTags(uint32_t set, char* tags) const {
  return fabric_->Read(Tag(set, 0), tags, kWays * kTagSize);
}

bool DmBlockCache::Lookup(uint64_t table_key, uint64_t offset,
                          std::string* stored) {
  const uint32_t set = SetOf(table_key, offset);
  char tags[kWays * kTagSize];
  if (ReadTags(set, tags).ok()) {
    for (uint32_t way = 0; way < kWays; way++) {
      const char* t = tags + way * kTagSize;
      const uint64_t version = DecodeFixed64(t + kVersion);
      if (version == 0 || (version & 1) != 0 ||
          DecodeFixed64(t + kKey) != table_key ||
          DecodeFixed64(t + kOffset) != offset) {
        continue;
      }
      const uint32_t length = DecodeFixed32(t + kLengthAndSum);
      const uint32_t sum = DecodeFixed32(t + kLengthAndSum + 4);
      if (length == 0 || length > kSlotSize) break;
      stored->resize(length);
      if (!fabric_->Read(Slot(set, way), stored->data(), length).ok()) break;
      if (StoredChecksum(table_key, offset, *stored) != sum) {
        // Damaged, or rewritten while we read: the caller reads storage.
        damaged_.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      hits_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void DmBlockCache::Insert(uint64_t table_key, uint64_t offset,
                          const Slice& stored) {
  if (stored.size() == 0 || stored.size() > kSlotSize) {
    declined_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const uint32_t set = SetOf(table_key, offset);
  char tags[kWays * kTagSize];
  if (!ReadTags(set, tags).ok()) return;
  // A never-used way, or the one written longest ago.
  uint32_t victim = 0;
  uint64_t oldest = UINT64_MAX;
  for (uint32_t way = 0; way < kWays; way++) {
    const char* t = tags + way * kTagSize;
    const uint64_t version = DecodeFixed64(t + kVersion);
    if ((version & 1) == 0 && version != 0 &&
        DecodeFixed64(t + kKey) == table_key &&
        DecodeFixed64(t + kOffset) == offset) {
      return;  // another node kept it already
    }
    const uint64_t written = version == 0 ? 0 : DecodeFixed64(t + kWritten);
    if (written < oldest) {
      oldest = written;
      victim = way;
    }
  }
  const uint64_t version =
      DecodeFixed64(tags + victim * kTagSize + kVersion);
  if ((version & 1) != 0) {
    declined_.fetch_add(1, std::memory_order_relaxed);
    return;  // being written by someone else
  }
  uint64_t found = 0;
  if (!fabric_->CompareAndSwap64(Tag(set, victim), version, version + 1,
                                 &found)
           .ok() ||
      found != version) {
    declined_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Locked (odd): a reader that still matches the old tag fails the
  // checksum. Slot, tag fields, then the even version, in one batch.
  char fields[kTagSize - 8] = {};
  EncodeFixed64(fields + kKey - 8, table_key);
  EncodeFixed64(fields + kOffset - 8, offset);
  EncodeFixed32(fields + kLengthAndSum - 8, static_cast<uint32_t>(stored.size()));
  EncodeFixed32(fields + kLengthAndSum - 4,
                StoredChecksum(table_key, offset, stored));
  EncodeFixed64(fields + kWritten - 8, WallMicros());
  const uint64_t unlocked = version + 2;
  fabric::WorkRequest batch[] = {
      fabric::WorkRequest::Write(Slot(set, victim), stored.data(),
                                 stored.size()),
      fabric::WorkRequest::Write(Tag(set, victim) + 8, fields, sizeof(fields)),
      fabric::WorkRequest::Write(Tag(set, victim), &unlocked, 8),
  };
  if (fabric_->Execute(batch).ok()) {
    inserts_.fetch_add(1, std::memory_order_relaxed);
  }
}

DmBlockCache::Stats DmBlockCache::stats() const {
  Stats st;
  st.hits = hits_.load(std::memory_order_relaxed);
  st.misses = misses_.load(std::memory_order_relaxed);
  st.inserts = inserts_.load(std::memory_order_relaxed);
  st.declined = declined_.load(std::memory_order_relaxed);
  st.damaged = damaged_.load(std::memory_order_relaxed);
  return st;
}

std::string DmBlockCache::Describe() const {
  const Stats st = stats();
  char buf[256];
  snprintf(buf, sizeof(buf),
           "  DM block cache: %.1f MiB at %s; %llu hits, %llu misses, %llu "
           "blocks kept, %llu declined, %llu damaged\n",
           capacity() / 1048576.0, base_.ToString().c_str(),
           static_cast<unsigned long long>(st.hits),
           static_cast<unsigned long long>(st.misses),
           static_cast<unsigned long long>(st.inserts),
           static_cast<unsigned long long>(st.declined),
           static_cast<unsigned long long>(st.damaged));
  return buf;
}

}  // namespace o3lsm
