// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/table/table_properties.h"

#include <ctime>
#include <memory>

#include "lsm/table/block.h"
#include "lsm/table/block_builder.h"
#include "lsm/table/compression.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

// Property names as stored: persisted, do not rename. Kept in bytewise
// order, the order the block needs.
constexpr char kCompression[] = "o3lsm.compression";
constexpr char kCreationTime[] = "o3lsm.creation.time";
constexpr char kDataSize[] = "o3lsm.data.size";
constexpr char kFilterSize[] = "o3lsm.filter.size";
constexpr char kFormatVersion[] = "o3lsm.format.version";
constexpr char kIndexSize[] = "o3lsm.index.size";
constexpr char kLargestKey[] = "o3lsm.largest.key";
constexpr char kLargestSeqno[] = "o3lsm.largest.seqno";
constexpr char kNumDataBlocks[] = "o3lsm.num.data.blocks";
constexpr char kNumDeletions[] = "o3lsm.num.deletions";
constexpr char kNumEntries[] = "o3lsm.num.entries";
constexpr char kRawKeySize[] = "o3lsm.raw.key.size";
constexpr char kRawValueSize[] = "o3lsm.raw.value.size";
constexpr char kSmallestKey[] = "o3lsm.smallest.key";
constexpr char kSmallestSeqno[] = "o3lsm.smallest.seqno";
constexpr char kUniqueId[] = "o3lsm.unique.id";

std::string Varint(uint64_t v) {
  std::string s;
  PutVarint64(&s, v);
  return s;
}

std::string KeyText(const std::string& ikey) {
  if (ikey.empty()) return "(none)";
  InternalKey k;
  k.DecodeFrom(ikey);  // DebugString marks a malformed key "(bad)"
  return k.DebugString();
}

}  // namespace

void EncodeTableProperties(const TableProperties& p, std::string* dst) {
  // Restart interval 1: a tiny block read once; no prefix sharing needed.
  BlockBuilder block(1);
  block.Add(kCompression, Varint(static_cast<uint64_t>(p.compression)));
  block.Add(kCreationTime, Varint(p.creation_time));
  block.Add(kDataSize, Varint(p.data_size));
  block.Add(kFilterSize, Varint(p.filter_size));
  block.Add(kFormatVersion, Varint(p.format_version));
  block.Add(kIndexSize, Varint(p.index_size));
  block.Add(kLargestKey, p.largest_key);
  block.Add(kLargestSeqno, Varint(p.largest_seqno));
  block.Add(kNumDataBlocks, Varint(p.num_data_blocks));
  block.Add(kNumDeletions, Varint(p.num_deletions));
  block.Add(kNumEntries, Varint(p.num_entries));
  block.Add(kRawKeySize, Varint(p.raw_key_size));
  block.Add(kRawValueSize, Varint(p.raw_value_size));
  block.Add(kSmallestKey, p.smallest_key);
  block.Add(kSmallestSeqno, Varint(p.smallest_seqno));
  if (p.unique_id != 0) block.Add(kUniqueId, Varint(p.unique_id));
  Slice encoded = block.Finish();
  dst->append(encoded.data(), encoded.size());
}

Status DecodeTableProperties(const Slice& contents, TableProperties* p) {
  *p = TableProperties();
  uint64_t compression = 0;
  uint64_t format_version = 0;
  const struct {
    const char* name;
    uint64_t* field;
  } numbers[] = {
      {kCompression, &compression},
      {kCreationTime, &p->creation_time},
      {kDataSize, &p->data_size},
      {kFilterSize, &p->filter_size},
      {kFormatVersion, &format_version},
      {kIndexSize, &p->index_size},
      {kLargestSeqno, &p->largest_seqno},
      {kNumDataBlocks, &p->num_data_blocks},
      {kNumDeletions, &p->num_deletions},
      {kNumEntries, &p->num_entries},
      {kRawKeySize, &p->raw_key_size},
      {kRawValueSize, &p->raw_value_size},
      {kSmallestSeqno, &p->smallest_seqno},
      {kUniqueId, &p->unique_id},
  };

  Block block(BlockContents{contents, nullptr});
  BlockIter it(&block, BlockKeyOrder::kBytewise);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    const Slice name = it.key();
    Slice value = it.value();
    if (name == Slice(kSmallestKey)) {
      p->smallest_key = value.ToString();
      continue;
    }
    if (name == Slice(kLargestKey)) {
      p->largest_key = value.ToString();
      continue;
    }
    for (const auto& n : numbers) {
      if (name != Slice(n.name)) continue;
      if (!GetVarint64(&value, n.field) || !value.empty()) {
        return Status::Corruption("bad value of table property",
                                  name.ToString());
      }
      break;
    }
    // Other names come from newer writers: skipped.
  }
  if (!it.status().ok()) return it.status();
  if (compression > 0xff) {
    return Status::Corruption("bad table property", kCompression);
  }
  if (format_version > UINT32_MAX) {
    return Status::Corruption("bad table property", kFormatVersion);
  }
  p->compression = static_cast<CompressionType>(compression);
  p->format_version = static_cast<uint32_t>(format_version);
  return Status::OK();
}

std::string TableProperties::ToString() const {
  std::string out;
  auto line = [&out](const char* name, const std::string& value) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.push_back('\n');
  };
  auto num = [&line](const char* name, uint64_t v) {
    line(name, std::to_string(v));
  };
  num("num_entries", num_entries);
  num("num_deletions", num_deletions);
  num("num_data_blocks", num_data_blocks);
  num("raw_key_size", raw_key_size);
  num("raw_value_size", raw_value_size);
  num("data_size", data_size);
  num("index_size", index_size);
  num("filter_size", filter_size);
  num("smallest_seqno", smallest_seqno);
  num("largest_seqno", largest_seqno);
  line("smallest_key", KeyText(smallest_key));
  line("largest_key", KeyText(largest_key));
  line("compression", CompressionTypeName(compression));
  num("format_version", format_version);
  std::string when = std::to_string(creation_time);
  const auto t = static_cast<time_t>(creation_time);
  struct tm tm_utc;
  char buf[32];
  if (gmtime_r(&t, &tm_utc) != nullptr &&
      strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm_utc) > 0) {
    when += std::string(" (") + buf + ")";
  }
  line("creation_time", when);
  if (unique_id != 0) num("unique_id", unique_id);
  return out;
}

}  // namespace o3lsm
