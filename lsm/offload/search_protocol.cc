// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/search_protocol.h"

#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

constexpr size_t kTargetFixedLength = 8 + 4 + 8 + 1 + 1;
constexpr size_t kFenceLength = 4 * 4;
// Keys and targets a decoder accepts: more than any mailbox holds, few
// enough that a forged count cannot make it allocate much.
constexpr uint32_t kMaxKeys = 1 << 16;
constexpr uint32_t kMaxTargets = 1 << 16;

void SealMessage(std::string* out, size_t start) {
  PutFixed32(out, Checksum32(out->data() + start, out->size() - start));
}

// Checks magic and checksum; leaves *body after the magic, before the
// checksum.
Status OpenMessage(const Slice& src, uint32_t magic, const char* what,
                   Slice* body) {
  if (src.size() < 8) return Status::Corruption(what, "truncated");
  const size_t n = src.size() - 4;
  if (Checksum32(src.data(), n) != DecodeFixed32(src.data() + n)) {
    return Status::Corruption(what, "checksum mismatch");
  }
  if (DecodeFixed32(src.data()) != magic) {
    return Status::Corruption(what, "bad magic");
  }
  *body = Slice(src.data() + 4, n - 4);
  return Status::OK();
}

bool GetByte(Slice* in, uint8_t* v) {
  if (in->empty()) return false;
  *v = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return true;
}

}  // namespace

size_t SearchKeyEncodedLength(const SearchKey& key) {
  size_t n = VarintLength(key.lookup_key.size()) + key.lookup_key.size() +
             VarintLength(key.targets.size());
  for (const SearchTarget& t : key.targets) {
    n += kTargetFixedLength + kFenceLength * t.num_fences;
  }
  return n;
}

size_t SearchKeyReplyLength(size_t value_size) {
  return 1 + 5 + 10 + 12 + VarintLength(value_size) + value_size;
}

void EncodeSearchRequest(const SearchRequest& request, std::string* out) {
  const size_t start = out->size();
  PutFixed32(out, kSearchRequestMagic);
  PutFixed64(out, request.id);
  PutVarint32(out, static_cast<uint32_t>(request.keys.size()));
  for (const SearchKey& key : request.keys) {
    PutLengthPrefixedSlice(out, key.lookup_key);
    PutVarint32(out, static_cast<uint32_t>(key.targets.size()));
    for (const SearchTarget& t : key.targets) {
      PutFixed64(out, t.segment);
      PutFixed32(out, t.image_length);
      PutFixed64(out, t.order_offset);
      out->push_back(static_cast<char>(t.layout));
      out->push_back(static_cast<char>(t.num_fences));
      for (int f = 0; f < t.num_fences; f++) {
        PutFixed32(out, t.fences[f].offset);
        PutFixed32(out, t.fences[f].length);
        PutFixed32(out, t.fences[f].first_node);
        PutFixed32(out, t.fences[f].checksum);
      }
    }
  }
  SealMessage(out, start);
}

Status DecodeSearchRequest(const Slice& src, SearchRequest* request) {
  constexpr const char* kWhat = "search request";
  Slice in;
  Status s = OpenMessage(src, kSearchRequestMagic, kWhat, &in);
  if (!s.ok()) return s;
  auto bad = [&](const char* why) { return Status::Corruption(kWhat, why); };
  uint32_t keys = 0;
  if (!GetFixed64(&in, &request->id) || !GetVarint32(&in, &keys)) {
    return bad("truncated header");
  }
  if (keys > kMaxKeys) return bad("too many keys");
  request->keys.clear();
  request->keys.reserve(keys);
  for (uint32_t k = 0; k < keys; k++) {
    SearchKey key;
    Slice lookup;
    uint32_t targets = 0;
    if (!GetLengthPrefixedSlice(&in, &lookup) || !GetVarint32(&in, &targets)) {
      return bad("truncated key");
    }
    if (lookup.size() < 8) return bad("lookup key shorter than its tag");
    if (targets > kMaxTargets ||
        targets > in.size() / (kTargetFixedLength + kFenceLength)) {
      return bad("more targets than bytes");
    }
    key.lookup_key = lookup.ToString();
    key.targets.resize(targets);
    for (SearchTarget& t : key.targets) {
      uint8_t layout = 0;
      if (!GetFixed64(&in, &t.segment) || !GetFixed32(&in, &t.image_length) ||
          !GetFixed64(&in, &t.order_offset) || !GetByte(&in, &layout) ||
          !GetByte(&in, &t.num_fences)) {
        return bad("truncated target");
      }
      if (layout != static_cast<uint8_t>(SegmentLayout::kArenaCopy) &&
          layout != static_cast<uint8_t>(SegmentLayout::kSortedImage)) {
        return bad("unknown segment layout");
      }
      t.layout = static_cast<SegmentLayout>(layout);
      if (t.num_fences < 1 || t.num_fences > 2) return bad("bad fence count");
      for (int f = 0; f < t.num_fences; f++) {
        SegmentIndex::Fence& fence = t.fences[f];
        if (!GetFixed32(&in, &fence.offset) ||
            !GetFixed32(&in, &fence.length) ||
            !GetFixed32(&in, &fence.first_node) ||
            !GetFixed32(&in, &fence.checksum)) {
          return bad("truncated fence");
        }
      }
    }
    request->keys.push_back(std::move(key));
  }
  if (!in.empty()) return bad("trailing bytes");
  return Status::OK();
}

void EncodeSearchReply(const SearchReply& reply, std::string* out) {
  const size_t start = out->size();
  PutFixed32(out, kSearchReplyMagic);
  PutFixed64(out, reply.id);
  PutVarint32(out, static_cast<uint32_t>(reply.keys.size()));
  for (const SearchKeyReply& k : reply.keys) {
    out->push_back(static_cast<char>(k.outcome));
    PutVarint32(out, k.target);
    PutVarint64(out, k.sequence);
    PutFixed32(out, k.entry_offset);
    PutFixed32(out, k.entry_length);
    PutFixed32(out, k.entry_checksum);
    PutLengthPrefixedSlice(out, k.value);
  }
  SealMessage(out, start);
}

Status DecodeSearchReply(const Slice& src, SearchReply* reply) {
  constexpr const char* kWhat = "search reply";
  Slice in;
  Status s = OpenMessage(src, kSearchReplyMagic, kWhat, &in);
  if (!s.ok()) return s;
  auto bad = [&](const char* why) { return Status::Corruption(kWhat, why); };
  uint32_t keys = 0;
  if (!GetFixed64(&in, &reply->id) || !GetVarint32(&in, &keys)) {
    return bad("truncated header");
  }
  if (keys > kMaxKeys || keys > in.size()) return bad("more keys than bytes");
  reply->keys.assign(keys, SearchKeyReply());
  for (SearchKeyReply& k : reply->keys) {
    uint8_t outcome = 0;
    Slice value;
    if (!GetByte(&in, &outcome) || !GetVarint32(&in, &k.target) ||
        !GetVarint64(&in, &k.sequence) || !GetFixed32(&in, &k.entry_offset) ||
        !GetFixed32(&in, &k.entry_length) ||
        !GetFixed32(&in, &k.entry_checksum) ||
        !GetLengthPrefixedSlice(&in, &value)) {
      return bad("truncated key");
    }
    if (outcome > kMaxSearchOutcome) return bad("unknown outcome");
    k.outcome = static_cast<SearchOutcome>(outcome);
    k.value = value.ToString();
  }
  if (!in.empty()) return bad("trailing bytes");
  return Status::OK();
}

}  // namespace o3lsm
