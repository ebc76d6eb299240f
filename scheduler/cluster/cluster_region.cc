// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "scheduler/cluster/cluster_region.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::cluster {

namespace {

// Zeroes are written in pieces of this size, so that formatting a large
// region does not need a buffer of its size (nor one RDMA staging round).
constexpr uint64_t kZeroPiece = 64 << 10;

void Encode(const RegionHeader& h, char* dst) {
  memset(dst, 0, region_header::kSize);
  EncodeFixed64(dst + region_header::kMagic, h.magic);
  EncodeFixed32(dst + region_header::kVersion, h.version);
  EncodeFixed32(dst + region_header::kSlotSize, h.slot_size);
  EncodeFixed32(dst + region_header::kSlotCount, h.slot_count);
  EncodeFixed32(dst + region_header::kPayloadCapacity, h.payload_capacity);
  EncodeFixed64(dst + region_header::kTableOffset, h.table_offset);
  EncodeFixed64(dst + region_header::kSlotsOffset, h.slots_offset);
  EncodeFixed64(dst + region_header::kRegionLength, h.region_length);
  EncodeFixed64(dst + region_header::kChecksum,
                Checksum64(dst, region_header::kChecksum, h.magic));
}

Status ZeroBody(fabric::Fabric* fabric, const RegionRef& region) {
  std::vector<char> zeros(kZeroPiece, 0);
  // The bells are zeroed too: a reformatted board starts with quiet bells.
  for (uint64_t off = region_header::kSize; off < region.length;
       off += kZeroPiece) {
    const uint64_t n = std::min(kZeroPiece, region.length - off);
    Status s = fabric->Write(region.start + off, zeros.data(), n);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status PersistRegion(fabric::Fabric* fabric, const RegionRef& region) {
  if (!fabric->persistent()) return Status::OK();
  return fabric->Persist(region.start, region.length);
}

}  // namespace

RegionRef GetRegion(fabric::Fabric* fabric, fabric::RegionKind kind) {
  RegionRef r;
  r.start = fabric->RegionStart(kind);
  r.length = fabric->RegionLength(kind);
  r.what = kind == fabric::RegionKind::kJobBoard    ? "job board"
           : kind == fabric::RegionKind::kNodeTable ? "node table"
                                                    : fabric::RegionName(kind);
  r.what += " at " + r.start.ToString();
  return r;
}

std::string Hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
  return buf;
}

uint64_t WallMicros() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

Status FormatRegion(fabric::Fabric* fabric, const RegionRef& region,
                    const RegionHeader& h) {
  if (region.length < kRegionHeaderSize) {
    return Status::InvalidArgument(
        region.what,
        "region of " + std::to_string(region.length) + " bytes is too small");
  }
  // The magic goes last (zeroed first), so that a crash mid-format leaves a
  // region that reads as "not formatted", never a valid header over
  // half-zeroed slots.
  const uint64_t zero = 0;
  Status s = fabric->Write(region.start, &zero, 8);
  if (s.ok()) s = ZeroBody(fabric, region);
  char buf[region_header::kSize];
  Encode(h, buf);
  if (s.ok()) s = fabric->Write(region.start + 8, buf + 8, sizeof(buf) - 8);
  if (s.ok()) s = PersistRegion(fabric, region);
  if (s.ok()) s = fabric->Write(region.start, buf, 8);
  if (s.ok()) s = PersistRegion(fabric, region);
  return s;
}

Status EnsureRegionFormatted(fabric::Fabric* fabric, const RegionRef& region,
                             const RegionHeader& h) {
  if (region.length < kRegionHeaderSize) {
    return Status::InvalidArgument(
        region.what,
        "region of " + std::to_string(region.length) + " bytes is too small");
  }
  uint64_t observed = 0;
  Status s =
      fabric->CompareAndSwap64(region.start, 0, kFormattingMarker, &observed);
  if (!s.ok()) return s;
  if (observed == 0) {
    // We won: nobody else writes the region until the magic appears.
    s = ZeroBody(fabric, region);
    char buf[region_header::kSize];
    Encode(h, buf);
    if (s.ok()) s = fabric->Write(region.start + 8, buf + 8, sizeof(buf) - 8);
    if (s.ok()) s = PersistRegion(fabric, region);
    if (s.ok()) {
      s = fabric->CompareAndSwap64(region.start, kFormattingMarker, h.magic,
                                   &observed);
    }
    if (s.ok() && observed != kFormattingMarker) {
      return Status::Corruption(region.what,
                                "header word changed to " + Hex(observed) +
                                    " while this process formatted it");
    }
    if (s.ok()) s = PersistRegion(fabric, region);
    return s;
  }
  // Someone formatted it already, or is doing so: wait for the magic.
  const auto deadline =
      std::chrono::steady_clock::now() + fabric->default_timeout();
  while (observed == kFormattingMarker) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable(
          region.what,
          "another process began formatting it and did not "
          "finish (format the pool again to repair)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    s = fabric->Read(region.start, &observed, 8);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status ReadRegionHeader(fabric::Fabric* fabric, const RegionRef& region,
                        uint64_t magic, uint32_t version, RegionHeader* h) {
  if (region.length < kRegionHeaderSize) {
    return Status::Corruption(region.what, "region of " +
                                               std::to_string(region.length) +
                                               " bytes cannot hold a header");
  }
  char buf[region_header::kSize];
  Status s = fabric->Read(region.start, buf, sizeof(buf));
  if (!s.ok()) return s;
  const uint64_t found = DecodeFixed64(buf + region_header::kMagic);
  if (found == 0) {
    return Status::Unavailable(region.what, "not formatted");
  }
  if (found == kFormattingMarker) {
    return Status::Unavailable(region.what, "being formatted");
  }
  if (found != magic) {
    return Status::Corruption(
        region.what, "bad magic " + Hex(found) + ", expected " + Hex(magic));
  }
  const uint64_t stored = DecodeFixed64(buf + region_header::kChecksum);
  const uint64_t computed = Checksum64(buf, region_header::kChecksum, magic);
  if (stored != computed) {
    return Status::Corruption(region.what,
                              "header checksum mismatch at offset " +
                                  std::to_string(region_header::kChecksum) +
                                  ": stored " + Hex(stored) + ", computed " +
                                  Hex(computed));
  }
  h->magic = found;
  h->version = DecodeFixed32(buf + region_header::kVersion);
  if (h->version != version) {
    return Status::NotSupported(region.what,
                                "format version " + std::to_string(h->version));
  }
  h->slot_size = DecodeFixed32(buf + region_header::kSlotSize);
  h->slot_count = DecodeFixed32(buf + region_header::kSlotCount);
  h->payload_capacity = DecodeFixed32(buf + region_header::kPayloadCapacity);
  h->table_offset = DecodeFixed64(buf + region_header::kTableOffset);
  h->slots_offset = DecodeFixed64(buf + region_header::kSlotsOffset);
  h->region_length = DecodeFixed64(buf + region_header::kRegionLength);
  if (h->region_length != region.length) {
    return Status::Corruption(
        region.what,
        "header says the region has " + std::to_string(h->region_length) +
            " bytes, the superblock " + std::to_string(region.length));
  }
  return Status::OK();
}

}  // namespace o3lsm::cluster
