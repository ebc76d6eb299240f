// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/segment_format.h"

#include <cstring>

#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

// Field offsets (do not change: persisted in DM).
constexpr size_t kMagicOff = 0;
constexpr size_t kVersionOff = 8;
constexpr size_t kSegmentIdOff = 12;
constexpr size_t kOwnerOff = 20;
constexpr size_t kGenerationOff = 24;
constexpr size_t kShardOff = 32;
constexpr size_t kRouterGenOff = 36;
constexpr size_t kSmallestSeqOff = 44;
constexpr size_t kLargestSeqOff = 52;
constexpr size_t kEntriesOff = 60;
constexpr size_t kImageLenOff = 68;
constexpr size_t kImageSumOff = 72;
constexpr size_t kKeysLenOff = 80;
constexpr size_t kCreatedOff = 84;
constexpr size_t kLayoutOff = 92;
constexpr size_t kOrderLenOff = 96;
constexpr size_t kOrderSumOff = 100;
constexpr size_t kChecksumOff = SegmentHeader::kEncodedLength - 4;

}  // namespace

void SegmentHeader::EncodeTo(char* dst) const {
  memset(dst, 0, kEncodedLength);
  EncodeFixed64(dst + kMagicOff, kMagic);
  EncodeFixed32(dst + kVersionOff, kVersion);
  EncodeFixed64(dst + kSegmentIdOff, segment_id);
  EncodeFixed16(dst + kOwnerOff, owner);
  EncodeFixed64(dst + kGenerationOff, generation);
  EncodeFixed32(dst + kShardOff, shard);
  EncodeFixed64(dst + kRouterGenOff, router_generation);
  EncodeFixed64(dst + kSmallestSeqOff, smallest_seq);
  EncodeFixed64(dst + kLargestSeqOff, largest_seq);
  EncodeFixed64(dst + kEntriesOff, entries);
  EncodeFixed32(dst + kImageLenOff, image_length);
  EncodeFixed64(dst + kImageSumOff, image_checksum);
  EncodeFixed32(dst + kKeysLenOff, keys_length);
  EncodeFixed64(dst + kCreatedOff, created_micros);
  EncodeFixed32(dst + kLayoutOff, static_cast<uint32_t>(layout));
  EncodeFixed32(dst + kOrderLenOff, order_length);
  EncodeFixed64(dst + kOrderSumOff, order_checksum);
  EncodeFixed32(dst + kChecksumOff, Checksum32(dst, kChecksumOff));
}

Status SegmentHeader::DecodeFrom(const Slice& src) {
  if (src.size() < kEncodedLength) {
    return Status::Corruption("DM segment header", "truncated");
  }
  const char* p = src.data();
  if (DecodeFixed64(p + kMagicOff) != kMagic) {
    return Status::Corruption("DM segment header", "bad magic");
  }
  if (DecodeFixed32(p + kChecksumOff) != Checksum32(p, kChecksumOff)) {
    return Status::Corruption("DM segment header", "checksum mismatch");
  }
  if (DecodeFixed32(p + kVersionOff) != kVersion) {
    return Status::Corruption("DM segment header",
                              "unsupported version " +
                                  std::to_string(DecodeFixed32(p + kVersionOff)));
  }
  segment_id = DecodeFixed64(p + kSegmentIdOff);
  owner = DecodeFixed16(p + kOwnerOff);
  generation = DecodeFixed64(p + kGenerationOff);
  shard = DecodeFixed32(p + kShardOff);
  router_generation = DecodeFixed64(p + kRouterGenOff);
  smallest_seq = DecodeFixed64(p + kSmallestSeqOff);
  largest_seq = DecodeFixed64(p + kLargestSeqOff);
  entries = DecodeFixed64(p + kEntriesOff);
  image_length = DecodeFixed32(p + kImageLenOff);
  image_checksum = DecodeFixed64(p + kImageSumOff);
  keys_length = DecodeFixed32(p + kKeysLenOff);
  created_micros = DecodeFixed64(p + kCreatedOff);
  const uint32_t raw_layout = DecodeFixed32(p + kLayoutOff);
  order_length = DecodeFixed32(p + kOrderLenOff);
  order_checksum = DecodeFixed64(p + kOrderSumOff);
  if (smallest_seq > largest_seq || largest_seq > kMaxSequenceNumber) {
    return Status::Corruption("DM segment header", "bad sequence range");
  }
  switch (raw_layout) {
    case static_cast<uint32_t>(SegmentLayout::kSortedImage):
      if (order_length != 0 || order_checksum != 0) {
        return Status::Corruption("DM segment header",
                                  "order block in a sorted image");
      }
      break;
    case static_cast<uint32_t>(SegmentLayout::kArenaCopy):
      if (entries > UINT32_MAX / kOrderRecordSize ||
          order_length != entries * kOrderRecordSize) {
        return Status::Corruption("DM segment header",
                                  "order block length " +
                                      std::to_string(order_length) + " for " +
                                      std::to_string(entries) + " entries");
      }
      break;
    default:
      return Status::Corruption("DM segment header",
                                "unknown layout " + std::to_string(raw_layout));
  }
  layout = static_cast<SegmentLayout>(raw_layout);
  return Status::OK();
}

std::string EncodeSegmentKeys(const Slice& smallest, const Slice& largest) {
  std::string r;
  PutLengthPrefixedSlice(&r, smallest);
  PutLengthPrefixedSlice(&r, largest);
  return r;
}

Status DecodeSegmentKeys(const Slice& src, std::string* smallest,
                         std::string* largest) {
  Slice in = src;
  Slice a, b;
  if (!GetLengthPrefixedSlice(&in, &a) || !GetLengthPrefixedSlice(&in, &b)) {
    return Status::Corruption("DM segment", "malformed key range");
  }
  smallest->assign(a.data(), a.size());
  largest->assign(b.data(), b.size());
  return Status::OK();
}

}  // namespace o3lsm
