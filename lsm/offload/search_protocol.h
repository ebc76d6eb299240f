// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The messages of delegated search (docs/offload.md, "Delegated search"):
// a compute node asks the memory node to look keys up in DM segments, in
// place, and the memory node answers. Both travel through a mailbox slot
// in DM (search_mailbox.h), so both are untrusted bytes to their reader:
// every message ends in a checksum of what precedes it, and decoding checks
// every length against the bytes there are.
//
// A request names, for each key, the segments that may hold it, newest
// first, and in each the fenced range (or two) where its versions lie: the
// compute node's SegmentIndex already knows them, so the memory node runs
// exactly the range lookup a one-sided read would, without a round trip,
// and verifies the same fence checksums.
//
// Request:  fixed32 kRequestMagic | fixed64 id | varint32 keys |
//           per key: varint32 len, lookup key (user key + 8-byte tag) |
//                    varint32 targets | per target:
//                      fixed64 segment (pool offset of its first byte)
//                      fixed32 image_length | fixed64 order_offset
//                      u8 layout | u8 fences (1 or 2) |
//                      per fence: fixed32 offset, length, first_node,
//                                 checksum |
//           fixed32 Checksum32 of all the above.
// Reply:    fixed32 kReplyMagic | fixed64 id (the request's) |
//           varint32 keys | per key: u8 outcome | varint32 target |
//             varint64 sequence | fixed32 entry_offset | fixed32
//             entry_length | fixed32 entry_checksum |
//             varint32 len, bytes (value, or an error's message) |
//           fixed32 Checksum32 of all the above.
//
// Thread safety: values; the functions are pure.

#ifndef O3LSM_LSM_OFFLOAD_SEARCH_PROTOCOL_H_
#define O3LSM_LSM_OFFLOAD_SEARCH_PROTOCOL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lsm/dbformat.h"
#include "lsm/offload/segment_format.h"
#include "lsm/offload/segment_image.h"
#include "o3lsm/slice.h"
#include "o3lsm/status.h"

namespace o3lsm {

inline constexpr uint32_t kSearchRequestMagic = 0x51533354;  // "T3SQ"
inline constexpr uint32_t kSearchReplyMagic = 0x52533354;    // "T3SR"

// One candidate segment of a key, and the fenced ranges to search in it.
struct SearchTarget {
  uint64_t segment = 0;  // pool offset of the segment's header
  uint32_t image_length = 0;
  uint64_t order_offset = 0;  // kArenaCopy: order block, from the segment
  SegmentLayout layout = SegmentLayout::kArenaCopy;
  // The fence of the key and, when the next range starts with the same
  // user key, that one too.
  SegmentIndex::Fence fences[2];
  uint8_t num_fences = 1;
};

struct SearchKey {
  std::string lookup_key;  // LookupKey::internal_key(): user key + tag
  std::vector<SearchTarget> targets;  // newest first
};

struct SearchRequest {
  uint64_t id = 0;
  std::vector<SearchKey> keys;
};

enum class SearchOutcome : uint8_t {
  kAbsent = 0,    // no target holds a version visible to the key
  kValue = 1,     // value holds it
  kDeletion = 2,  // a tombstone decides it
  // The value is too big for the reply: read entry_length bytes at
  // entry_offset of the target's image, check them against
  // entry_checksum.
  kValueElsewhere = 3,
  kCorruption = 4,  // a target's bytes failed their checks; value: why
  kRejected = 5,    // the request was malformed; value: why
};
inline constexpr uint8_t kMaxSearchOutcome = 5;

struct SearchKeyReply {
  SearchOutcome outcome = SearchOutcome::kAbsent;
  uint32_t target = 0;  // the target that decided (kValue .. kCorruption)
  SequenceNumber sequence = 0;
  // The deciding entry in the target's image: where it starts (its key
  // length varint), its bytes, and their Checksum32 (seeded with the
  // offset). For the key-offset cache and kValueElsewhere.
  uint32_t entry_offset = 0;
  uint32_t entry_length = 0;
  uint32_t entry_checksum = 0;
  std::string value;  // kValue: the value; kCorruption, kRejected: why
};

struct SearchReply {
  uint64_t id = 0;
  std::vector<SearchKeyReply> keys;
};

// Bytes EncodeSearchRequest would append for request (to split a batch of
// keys over mailboxes before encoding).
size_t SearchKeyEncodedLength(const SearchKey& key);
inline constexpr size_t kSearchRequestOverhead = 4 + 8 + 5 + 4;
inline constexpr size_t kSearchReplyOverhead = 4 + 8 + 5 + 4;
// Bytes a key's reply takes with a value of value_size bytes (an upper
// bound).
size_t SearchKeyReplyLength(size_t value_size);

void EncodeSearchRequest(const SearchRequest& request, std::string* out);
void EncodeSearchReply(const SearchReply& reply, std::string* out);

// Corruption naming what is wrong when src is not one well-formed,
// checksummed message (trailing bytes included).
Status DecodeSearchRequest(const Slice& src, SearchRequest* request);
Status DecodeSearchReply(const Slice& src, SearchReply* reply);

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_SEARCH_PROTOCOL_H_
