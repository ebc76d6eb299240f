// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Fuzz targets of the bytes that cross nodes through DM: memtable segments
// (lsm/offload/segment_format.h, segment_image.h) and job board slots with
// the job specs and results they carry (scheduler/cluster/job_board.h,
// lsm/offload/offload_job.h). Both read through a small in-process pool
// (dm_fuzz_pool.h), one per thread, so that the engine's own readers
// (ReadSegment, JobBoard) fetch the fuzzed bytes with fabric verbs.

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "interconnect/fabric.h"
#include "lsm/dbformat.h"
#include "lsm/memtable/memtable.h"
#include "lsm/memtable/skiplist.h"
#include "lsm/offload/dm_segment.h"
#include "lsm/offload/offload_job.h"
#include "lsm/offload/search_protocol.h"
#include "lsm/offload/search_server.h"
#include "lsm/offload/segment_format.h"
#include "lsm/offload/segment_image.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/job_slot_format.h"
#include "tests/fuzz/dm_fuzz_pool.h"
#include "tests/fuzz/fuzz_targets.h"
#include "tests/fuzz/fuzz_util.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::fuzz {

namespace {

constexpr int kMaxSteps = 4096;
constexpr int kMaxSeeks = 64;
constexpr int kMaxLookups = 64;

// Flag bit 1 of `segment` pads or cuts the segment to the length its header
// claims, up to this many bytes.
constexpr size_t kMaxClaimedSegment = 1 << 16;

// SegmentHeader fields (lsm/offload/segment_format.cc; persisted).
constexpr size_t kSegImageLenOff = 68;
constexpr size_t kSegImageSumOff = 72;
constexpr size_t kSegKeysLenOff = 80;
constexpr size_t kSegOrderLenOff = 96;
constexpr size_t kSegOrderSumOff = 100;
constexpr size_t kSegChecksumOff = SegmentHeader::kEncodedLength - 4;
// Bytes no field covers: after owner (u16 at 20) and after order_checksum
// (u64 at 100), up to the checksum.
constexpr std::pair<size_t, size_t> kSegPadding[] = {{22, 24},
                                                     {108, kSegChecksumOff}};
// SkipListHeader::head (lsm/memtable/skiplist.h).
constexpr size_t kSkipListHeadOff = 8;

// This thread's pool (dm_fuzz_pool.h), created on first use.
fabric::Fabric* FuzzPool() {
  thread_local std::unique_ptr<fabric::Fabric> pool;
  if (pool == nullptr) {
    Status s = OpenFuzzPool(&pool);
    FUZZ_CHECK(s.ok(), "cannot open the fuzz pool: " + s.ToString());
  }
  return pool.get();
}

// ---------------------------------------------------------------- segment

std::string EncodedHeader(const SegmentHeader& h) {
  std::string r(SegmentHeader::kEncodedLength, '\0');
  h.EncodeTo(r.data());
  return r;
}

// Recomputes the image and order block checksums (where they lie in the
// bytes) and the header checksum of a segment.
void FixSegmentChecksums(std::string* seg) {
  if (seg->size() < SegmentHeader::kEncodedLength) return;
  char* p = seg->data();
  const uint64_t image_length = DecodeFixed32(p + kSegImageLenOff);
  if (SegmentHeader::kEncodedLength + image_length <= seg->size()) {
    EncodeFixed64(p + kSegImageSumOff,
                  Checksum64(p + SegmentHeader::kEncodedLength, image_length));
  }
  const uint64_t order_at = SegmentHeader::kEncodedLength + image_length +
                            DecodeFixed32(p + kSegKeysLenOff);
  const uint64_t order_length = DecodeFixed32(p + kSegOrderLenOff);
  if (order_length > 0 && order_at + order_length <= seg->size()) {
    EncodeFixed64(p + kSegOrderSumOff, Checksum64(p + order_at, order_length));
  }
  EncodeFixed32(p + kSegChecksumOff, Checksum32(p, kSegChecksumOff));
}

// SegmentHeader::DecodeFrom, and what it promises. Returns its status.
Status CheckHeader(const std::string& seg, SegmentHeader* h) {
  Status s = h->DecodeFrom(seg);
  if (!s.ok()) return s;
  FUZZ_CHECK(
      h->smallest_seq <= h->largest_seq && h->largest_seq <= kMaxSequenceNumber,
      "accepted a bad sequence range");
  // Encoding what was decoded decodes to the same fields (compared through
  // their encoding, which holds every field).
  const std::string once = EncodedHeader(*h);
  SegmentHeader again;
  Status s2 = again.DecodeFrom(once);
  FUZZ_CHECK(s2.ok(), "re-encoded header does not decode: " + s2.ToString());
  FUZZ_CHECK(EncodedHeader(again) == once,
             "header changes across a round trip");
  // The re-encoding is the input itself, but for the padding, which
  // DecodeFrom does not look at and EncodeTo zeroes (and so for the
  // checksum, where the padding was not zero).
  std::string input = seg.substr(0, SegmentHeader::kEncodedLength);
  for (const auto& [begin, end] : kSegPadding) {
    std::fill(input.begin() + begin, input.begin() + end, '\0');
  }
  EncodeFixed32(input.data() + kSegChecksumOff,
                Checksum32(input.data(), kSegChecksumOff));
  FUZZ_CHECK(once == input, "accepted header does not re-encode to its bytes");
  return s;
}

void CheckSegmentKeys(const Slice& trailer) {
  std::string smallest, largest;
  if (!DecodeSegmentKeys(trailer, &smallest, &largest).ok()) return;
  std::string a, b;
  Status s = DecodeSegmentKeys(EncodeSegmentKeys(smallest, largest), &a, &b);
  FUZZ_CHECK(s.ok() && a == smallest && b == largest,
             "key range changes across a round trip");
}

// ReadSegment over the bytes placed in the pool's heap, as a worker reads a
// segment a flush job names.
void ReadThroughPool(const std::string& seg, const Status& header_status,
                     const SegmentHeader& header) {
  fabric::Fabric* pool = FuzzPool();
  const fabric::DmAddr addr = pool->RegionStart(fabric::RegionKind::kHeap);
  if (seg.empty() ||
      seg.size() > pool->RegionLength(fabric::RegionKind::kHeap)) {
    return;
  }
  Status s = pool->Write(addr, seg.data(), seg.size());
  FUZZ_CHECK(s.ok(), "pool write: " + s.ToString());
  SegmentHeader h;
  std::shared_ptr<char[]> bytes;
  s = ReadSegment(pool, SegmentLocation{addr, seg.size()}, &h, &bytes);
  if (!s.ok()) {
    FUZZ_CHECK(s.IsCorruption(), "ReadSegment: " + s.ToString());
    return;
  }
  // What ReadSegment promises its callers (ExecuteFlushJob,
  // DmSegment::NewIterator).
  FUZZ_CHECK(header_status.ok() && EncodedHeader(h) == EncodedHeader(header),
             "ReadSegment accepted a header DecodeFrom rejects or reads "
             "differently");
  FUZZ_CHECK(h.total_length() == seg.size(), "segment length mismatch");
  FUZZ_CHECK(memcmp(bytes.get(), seg.data(), seg.size()) == 0,
             "ReadSegment returned other bytes");
  const char* image = bytes.get() + SegmentHeader::kEncodedLength;
  FUZZ_CHECK(Checksum64(image, h.image_length) == h.image_checksum,
             "accepted an image whose checksum is wrong");
  FUZZ_CHECK(SkipList(image, h.image_length).HeaderValid(),
             "accepted an image whose skiplist header is bad");
  FUZZ_CHECK(h.order_length == 0 ||
                 Checksum64(bytes.get() + h.order_offset(), h.order_length) ==
                     h.order_checksum,
             "accepted an order block whose checksum is wrong");
}


struct Entry {
  uint32_t node;  // image offset of its level-0 link
  std::string ikey;
  std::string value;
  uint32_t offset;  // image offset of the entry (its key length varint)
  uint32_t length;  // bytes of the entry
};

using FenceLookup =
    std::function<RangeLookup(const LookupKey&, std::string*, Status*)>;

// Looks entries[i] up in a fenced range with lookup, and checks the answer
// against the entries the iterator found: the lookup walks the range's
// entries in key order from its first (entries[first]) and stops at the
// first entry >= the lookup key, so it answers from that entry, or reports
// Corruption, or leaves the range (a damaged image may place a node outside
// its fence's range). where_fence names the range.
void LookUpInFence(const FenceLookup& lookup, uint32_t where_fence,
                   const std::vector<Entry>& entries, size_t first, size_t i) {
  const InternalKeyComparator cmp;
  const Slice user_key = ExtractUserKey(entries[i].ikey);
  const SequenceNumber seq =
      DecodeFixed64(entries[i].ikey.data() + entries[i].ikey.size() - 8) >> 8;
  LookupKey lkey(user_key, seq);
  std::string value;
  Status s;
  const RangeLookup r = lookup(lkey, &value, &s);
  if (r == RangeLookup::kPastRange) return;
  if (r == RangeLookup::kDecided && s.IsCorruption()) return;
  // The entry the lookup stops at: entries[i] at the latest, since its type
  // is a deletion or a value (<= kValueTypeForSeek).
  size_t j = first;
  while (j < i && cmp.Compare(entries[j].ikey, lkey.internal_key()) < 0) j++;
  const Entry& e = entries[j];
  const std::string where = "entry " + std::to_string(i) + " found at entry " +
                            std::to_string(j) + " of fence at " +
                            std::to_string(where_fence);
  if (ExtractUserKey(e.ikey) != user_key) {
    FUZZ_CHECK(r == RangeLookup::kAbsent, where + ": not absent");
    return;
  }
  FUZZ_CHECK(r == RangeLookup::kDecided, where + ": undecided");
  switch (ExtractTag(e.ikey) & 0xff) {
    case kTypeValue:
      FUZZ_CHECK(s.ok() && value == e.value,
                 where + ": wrong value, status " + s.ToString());
      break;
    case kTypeDeletion:
      FUZZ_CHECK(s.IsNotFound(), where + ": not a deletion: " + s.ToString());
      break;
    default:
      FUZZ_CHECK(false, where + ": unknown type accepted: " + s.ToString());
  }
}

// Looks probe keys up in the whole image as one fenced range that starts
// at the head's level-0 link as it is, unchecked: GetFromFencedRange must
// cope with whatever it meets (and a range that fails its checksum is
// Corruption, whatever it holds). whole: an exact-size copy of the image.
void ProbeWholeImage(const char* whole, size_t n,
                     const std::vector<std::string>& user_keys) {
  if (n < kSkipListHeadOff + 4) return;
  const uint32_t head = DecodeFixed32(whole + kSkipListHeadOff);
  SegmentIndex::Fence fence{"", 0, static_cast<uint32_t>(n),
                            head <= n - 4 ? DecodeFixed32(whole + head) : head,
                            Checksum32(whole, n, 0)};
  for (const std::string& user_key : user_keys) {
    LookupKey lkey(user_key, kMaxSequenceNumber);
    std::string value;
    Status s;
    const RangeLookup r = GetFromFencedRange(fence, whole, lkey, &value, &s);
    FUZZ_CHECK(r != RangeLookup::kDecided || s.ok() || s.IsNotFound() ||
                   s.IsCorruption(),
               "GetFromFencedRange: " + s.ToString());
  }
  fence.checksum ^= 1;
  LookupKey lkey(user_keys[0], kMaxSequenceNumber);
  std::string value;
  Status s;
  const RangeLookup r = GetFromFencedRange(fence, whole, lkey, &value, &s);
  FUZZ_CHECK(r == RangeLookup::kDecided && s.IsCorruption(),
             "a range that fails its checksum is not Corruption");
}

// A sorted image's range: fence's bytes, in a buffer of their exact size
// (as DmSegment::Get fetches them).
FenceLookup RangeLookupOf(const SegmentIndex::Fence& fence, const char* range) {
  return [&fence, range](const LookupKey& lkey, std::string* value, Status* s) {
    return GetFromFencedRange(fence, range, lkey, value, s);
  };
}

// Looks the entries up in the fenced ranges of an arena copy, as
// DmSegment::Get does: the compute node's index (fences of kFenceInterval
// entries, with checksums) comes from the trusted side, here the entries
// the iterator found; each lookup decodes the fence's records from the
// order block (order_length bytes at order) and gathers the entries they
// name into a buffer of their exact size (GetFromFencedEntries). Damage to
// the block or the image must come out as Corruption, never a wrong answer.
void ExerciseOrderBlock(const char* base, size_t n,
                        const std::vector<Entry>& entries, const char* order,
                        size_t order_length) {
  const size_t records = order_length / kOrderRecordSize;
  for (size_t r = 0; r < records; r++) {
    OrderRecord rec;
    Status s = DecodeOrderRecord(order + r * kOrderRecordSize, n, &rec);
    FUZZ_CHECK(s.IsCorruption() ||
                   (s.ok() && uint64_t{rec.offset} + rec.length <= n),
               "DecodeOrderRecord: " + s.ToString());
  }
  const size_t stride = std::max<size_t>(1, entries.size() / kMaxLookups);
  for (size_t i = 0; i < entries.size(); i += stride) {
    if ((ExtractTag(entries[i].ikey) & 0xff) > kValueTypeForSeek) continue;
    const size_t first = i / kFenceInterval * kFenceInterval;
    const size_t count =
        std::min<size_t>(kFenceInterval, entries.size() - first);
    if ((first + count) * kOrderRecordSize > order_length) continue;
    SegmentIndex::Fence fence{entries[first].ikey,
                              static_cast<uint32_t>(first),
                              static_cast<uint32_t>(count), 0, 0};
    // The records as the build writes them, hints at the prefix the
    // range's bounds share (the next range's first key, or the last key).
    const Slice lo = ExtractUserKey(entries[first].ikey);
    const Slice hi = ExtractUserKey(first + count < entries.size()
                                        ? entries[first + count].ikey
                                        : entries.back().ikey);
    size_t at = 0;
    while (at < lo.size() && at < hi.size() && lo[at] == hi[at]) at++;
    std::string truth;
    for (size_t k = first; k < first + count; k++) {
      PutFixed32(&truth, entries[k].offset);
      PutFixed32(&truth, entries[k].length);
      PutFixed32(&truth, EntryChecksum(base + entries[k].offset,
                                       entries[k].length, entries[k].offset));
      PutFixed32(&truth, KeyHint(ExtractUserKey(entries[k].ikey), at));
    }
    fence.checksum = OrderRecordsChecksum(truth.data(), fence.length,
                                          fence.offset);
    // The block's records direct reads only if they pass the fence's
    // checksum (else DmSegment::Get reports Corruption).
    OrderRecord recs[kFenceInterval];
    const Status rs = DecodeFenceRecords(
        fence, order + first * kOrderRecordSize, n, recs);
    if (!rs.ok()) {
      FUZZ_CHECK(rs.IsCorruption(), "DecodeFenceRecords: " + rs.ToString());
      continue;
    }
    std::string gathered;
    for (size_t k = 0; k < count; k++) {
      gathered.append(base + recs[k].offset, recs[k].length);
    }
    std::unique_ptr<char[]> exact(new char[gathered.size()]);
    memcpy(exact.get(), gathered.data(), gathered.size());
    FenceLookup whole = [&](const LookupKey& lkey, std::string* value,
                            Status* s) {
      return GetFromFencedEntries(fence, recs, 0, fence.length, exact.get(),
                                  lkey, value, s);
    };
    LookUpInFence(whole, fence.offset, entries, first, i);
    // Only the entries whose hints tie with the key's, as a point lookup
    // reads them: the same answer.
    FenceLookup run = [&](const LookupKey& lkey, std::string* value,
                          Status* s) {
      uint32_t below, through;
      HintRun(recs, fence.length, KeyHint(lkey.user_key(), at), &below,
              &through);
      if (below == through) {
        return below == fence.length ? RangeLookup::kPastRange
                                     : RangeLookup::kAbsent;
      }
      size_t skip = 0;
      for (uint32_t k = 0; k < below; k++) skip += recs[k].length;
      return GetFromFencedEntries(fence, recs, below, through - below,
                                  exact.get() + skip, lkey, value, s);
    };
    LookUpInFence(run, fence.offset, entries, first, i);
  }
}

// Iterates a segment image (NewSkipListIterator, as ExecuteFlushJob and
// DmSegment::NewIterator do) and looks its keys up in fenced ranges
// (GetFromFencedRange, as DmSegment::Get does), and through the order
// block when there is one (order_length bytes at order). base: an
// exact-size copy.
void ExerciseImage(const char* base, size_t n, const char* order,
                   size_t order_length) {
  // Probes before and among the seed keys, and past every key (which walks
  // as far as the links lead).
  ProbeWholeImage(base, n, {"", "user", "\xff\xff probe"});
  std::unique_ptr<Iterator> it(NewSkipListIterator(base, n, nullptr));
  std::vector<Entry> entries;
  uint32_t prev = 0;
  int steps = 0;
  for (it->SeekToFirst(); it->Valid() && steps < kMaxSteps; it->Next()) {
    CheckIteratorState(*it, "segment image");
    // The iterator came here through the level-0 link of the previous node
    // (of the head first), and the entry follows the node's link.
    if (entries.empty()) prev = DecodeFixed32(base + kSkipListHeadOff);
    const uint32_t node = DecodeFixed32(base + prev);
    const char* key = it->key().data();
    FUZZ_CHECK(key > base + node + 4 && key <= base + node + 4 + 5 &&
                   it->key().size() >= 8 &&
                   it->value().data() + it->value().size() <= base + n,
               "entry not where the level-0 link points");
    const char* entry = key - VarintLength(it->key().size());
    const char* end = it->value().data() + it->value().size();
    entries.push_back({node, it->key().ToString(), it->value().ToString(),
                       static_cast<uint32_t>(entry - base),
                       static_cast<uint32_t>(end - entry)});
    prev = node;
    steps++;
  }
  CheckIteratorState(*it, "segment image");
  steps = 0;
  for (it->SeekToLast(); it->Valid() && steps < kMaxSteps; it->Prev()) {
    CheckIteratorState(*it, "segment image");
    steps++;
  }
  CheckIteratorState(*it, "segment image");
  int seeks = 0;
  for (const Entry& e : entries) {
    if (seeks++ >= kMaxSeeks) break;
    for (const std::string& target :
         {e.ikey, e.ikey + '\0', e.ikey.substr(0, e.ikey.size() / 2)}) {
      if (target.size() < 8) continue;
      it->Seek(target);
      CheckIteratorState(*it, "segment image");
      if (it->Valid()) it->Next();
      CheckIteratorState(*it, "segment image");
      it->Seek(target);
      if (it->Valid()) it->Prev();
      CheckIteratorState(*it, "segment image");
    }
  }
  if (entries.empty()) return;
  if (order_length > 0) {
    ExerciseOrderBlock(base, n, entries, order, order_length);
  }

  // The compute node's index of this image, as SegmentImageBuilder makes
  // it: a fence every kFenceInterval entries, each range running to the
  // next one's start; plus one fence over the whole image. Fences come from
  // the trusted side, so their checksums are right.
  std::vector<SegmentIndex::Fence> fences;
  for (size_t i = 0; i < entries.size(); i += kFenceInterval) {
    const uint32_t node = entries[i].node;
    const uint32_t links = 4 * (PerfectHeight(i) - 1);
    fences.push_back(
        {entries[i].ikey, node >= links ? node - links : 0, 0, node, 0});
  }
  for (size_t k = 0; k < fences.size(); k++) {
    const uint64_t end = k + 1 < fences.size() ? fences[k + 1].offset : n;
    fences[k].length = static_cast<uint32_t>(
        end > fences[k].offset ? end - fences[k].offset : 0);
  }
  fences.push_back({"", 0, static_cast<uint32_t>(n), entries[0].node, 0});
  // Each range in a buffer of its exact size: reading past it is a heap
  // overflow.
  std::vector<std::unique_ptr<char[]>> ranges;
  for (SegmentIndex::Fence& f : fences) {
    f.checksum = Checksum32(base + f.offset, f.length, f.offset);
    ranges.emplace_back(new char[f.length]);
    if (f.length > 0) memcpy(ranges.back().get(), base + f.offset, f.length);
  }
  const size_t stride = std::max<size_t>(1, entries.size() / kMaxLookups);
  for (size_t i = 0; i < entries.size(); i += stride) {
    if ((ExtractTag(entries[i].ikey) & 0xff) > kValueTypeForSeek) continue;
    const size_t k = i / kFenceInterval;
    LookUpInFence(RangeLookupOf(fences[k], ranges[k].get()), fences[k].offset,
                  entries, k * kFenceInterval, i);
    if (i < kFenceInterval) {
      LookUpInFence(RangeLookupOf(fences.back(), ranges.back().get()), 0,
                    entries, 0, i);
    }
  }
}

// ---------------------------------------------------------------- job

void CheckTableSettings(const JobTableSettings& t) {
  FUZZ_CHECK(t.block_size >= 256 && t.block_size <= (16u << 20) &&
                 t.block_restart_interval >= 1 && t.bloom_bits_per_key >= 0 &&
                 t.bloom_bits_per_key <= 64 &&
                 t.compression <= CompressionType::kSnappy,
             "accepted impossible table settings");
  (void)t.ToTableOptions();
}

// Encoding decoded (a T), decoding that and encoding again gives the same
// bytes. what names T in the failure.
template <typename T>
void CheckFixedPoint(const T& decoded, const std::string& what) {
  std::string once;
  decoded.EncodeTo(&once);
  T again;
  Status s = again.DecodeFrom(once);
  FUZZ_CHECK(s.ok(), "re-encoded " + what + " does not decode: " + s.ToString());
  std::string twice;
  again.EncodeTo(&twice);
  FUZZ_CHECK(once == twice, what + " changes across a round trip");
}

// Decodes bytes as each of the job encodings; whatever decodes must be
// valid and re-encode to a fixed point (CheckFixedPoint).
void DecodeFlushSpec(const Slice& bytes) {
  FlushJobSpec spec;
  if (!spec.DecodeFrom(bytes).ok()) return;
  FUZZ_CHECK(!spec.db_path.empty() && !spec.segments.empty() &&
                 spec.file_number_base != 0 && spec.max_attempts != 0,
             "accepted an impossible flush job spec");
  CheckTableSettings(spec.table);
  CheckFixedPoint(spec, "flush spec");
}

void CheckJobFiles(const std::vector<JobFile>& files) {
  for (const JobFile& f : files) {
    FUZZ_CHECK(f.number != 0 && f.smallest.size() >= 8 && f.largest.size() >= 8,
               "accepted an impossible job file");
  }
}

void DecodeCompactionSpec(const Slice& bytes) {
  CompactionJobSpec spec;
  if (!spec.DecodeFrom(bytes).ok()) return;
  FUZZ_CHECK(!spec.db_path.empty() && spec.level >= 0 &&
                 spec.level <= spec.output_level && spec.output_level <= 64 &&
                 !spec.inputs[0].empty() && spec.deeper.size() <= 64 &&
                 spec.file_number_base != 0 && spec.outputs_per_attempt != 0 &&
                 spec.max_attempts != 0 && spec.max_output_file_size != 0,
             "accepted an impossible compaction job spec");
  CheckTableSettings(spec.table);
  CheckJobFiles(spec.inputs[0]);
  CheckJobFiles(spec.inputs[1]);
  for (const auto& level : spec.deeper) CheckJobFiles(level);
  CheckJobFiles(spec.grandparents);
  for (const RangeTombstone& t : spec.range_tombstones) {
    FUZZ_CHECK(t.begin < t.end && t.seq != 0 && t.seq <= spec.oldest_snapshot,
               "accepted an impossible range tombstone");
  }
  CheckFixedPoint(spec, "compaction spec");
}

void DecodeResult(const Slice& bytes) {
  JobResult result;
  if (!result.DecodeFrom(bytes).ok()) return;
  for (const FileMetaData& f : result.outputs) {
    ParsedInternalKey a, b;
    FUZZ_CHECK(f.number != 0 && ParseInternalKey(f.smallest.Encode(), &a) &&
                   ParseInternalKey(f.largest.Encode(), &b),
               "accepted an impossible output file");
  }
  CheckFixedPoint(result, "job result");
}

// The state word: every 64-bit value decodes, and back to itself.
void DecodeWord(uint64_t raw) {
  const cluster::JobWord w = cluster::JobWord::Decode(raw);
  FUZZ_CHECK(w.Encode() == raw, "state word changes across a round trip");
  const uint32_t next = cluster::NextSerial(w.serial);
  FUZZ_CHECK(next != 0 && next <= cluster::kSerialMask, "bad next serial");
  (void)w.Valid();
  (void)w.ToString();
}

// Slot 0 of the pool's job board holds raw as its state word and slot as
// its bytes; the owner's and an executor's reads of it must keep their
// promises (job_board.h).
void ExerciseSlot(uint64_t raw, std::string slot, bool fix_checksums) {
  using cluster::JobState;
  fabric::Fabric* pool = FuzzPool();
  std::unique_ptr<cluster::JobBoard> board;
  Status s = cluster::JobBoard::Open(pool, &board);
  FUZZ_CHECK(s.ok(), "cannot open the fuzz job board: " + s.ToString());
  const cluster::JobWord w = cluster::JobWord::Decode(raw);
  if (fix_checksums) {
    FixJobSlotChecksums(&slot, board->TEST_SlotAddr(0).offset(), w.serial,
                        board->max_payload());
  }
  char word[8];
  EncodeFixed64(word, raw);
  s = pool->Write(board->TEST_SlotAddr(0), slot.data(), slot.size());
  if (s.ok()) s = pool->Write(board->TEST_WordAddr(0), word, sizeof(word));
  FUZZ_CHECK(s.ok(), "pool write: " + s.ToString());
  const bool posted = w.Valid() && w.state == JobState::kPosted;
  const bool is_free = w.Valid() && w.state == JobState::kFree;
  const bool finished =
      w.state == JobState::kDone || w.state == JobState::kFailed;
  const cluster::JobTicket ticket{0, w.serial, w.attempt};

  // The owner's views of the job: Inspect and List read the same bytes and
  // must agree on whether they check out.
  cluster::JobView view;
  const Status inspected = board->Inspect(ticket, &view);
  if (inspected.ok()) {
    FUZZ_CHECK(w.Valid() && !is_free && view.slot == 0 &&
                   view.serial == w.serial && view.state == w.state &&
                   view.attempt == w.attempt &&
                   view.payload_length <= board->max_payload(),
               "Inspect accepted " + w.ToString());
  } else {
    FUZZ_CHECK(inspected.IsCorruption() || inspected.IsNotFound(),
               "Inspect: " + inspected.ToString());
  }
  std::vector<cluster::JobView> views;
  s = board->List(&views);
  FUZZ_CHECK(s.ok(), "List: " + s.ToString());
  if (is_free) {
    FUZZ_CHECK(views.empty(), "List shows a free slot");
  } else {
    FUZZ_CHECK(views.size() == 1 && views[0].slot == 0,
               "List does not show slot 0 alone");
    FUZZ_CHECK(views[0].corruption.empty() == inspected.ok(),
               "List and Inspect disagree: " + inspected.ToString() + " vs " +
                   views[0].corruption);
  }

  bool success = false;
  std::string result;
  s = board->ReadResult(ticket, &success, &result);
  if (s.ok()) {
    FUZZ_CHECK(w.Valid() && finished &&
                   success == (w.state == JobState::kDone) &&
                   result.size() <= board->max_result(),
               "ReadResult accepted " + w.ToString());
    DecodeResult(result);
  }

  // An executor claims it: a posted job is either handed out, with a
  // payload that verified, or completed as failed by the board itself.
  cluster::ClaimedJob job;
  s = board->Claim(kFuzzJobExecutor, cluster::kAnyJobType,
                   std::chrono::nanoseconds(0), &job);
  if (!s.ok()) {
    FUZZ_CHECK(s.IsNotFound(), "Claim: " + s.ToString());
    if (!posted) return;
    s = board->ReadResult(ticket, &success, &result);
    FUZZ_CHECK(s.ok() && !success && result.rfind("corrupt job: ", 0) == 0,
               "a corrupt job was not completed as failed: " + s.ToString());
    return;
  }
  FUZZ_CHECK(posted && job.ticket.slot == 0 && job.ticket.serial == w.serial &&
                 job.ticket.attempt == w.attempt &&
                 static_cast<uint8_t>(job.type) == w.type &&
                 job.executor == kFuzzJobExecutor && job.owner != 0 &&
                 job.payload.size() <= board->max_payload(),
             "Claim handed out " + w.ToString());
  DecodeFlushSpec(job.payload);
  DecodeCompactionSpec(job.payload);
  s = board->Heartbeat(job);
  FUZZ_CHECK(s.ok(), "Heartbeat: " + s.ToString());
  // Any bytes up to max_result() come back as they were sent.
  const std::string sent = job.payload.substr(0, board->max_result());
  s = board->Complete(job, true, sent);
  FUZZ_CHECK(s.ok(), "Complete: " + s.ToString());
  s = board->ReadResult(job.ticket, &success, &result);
  FUZZ_CHECK(s.ok() && success && result == sent,
             "result does not read back: " + s.ToString());
}

}  // namespace

int FuzzSegment(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  FlaggedInput in = SplitFlags(data, size);
  std::string& seg = in.bytes;
  if ((in.flags & 2) != 0 && seg.size() >= SegmentHeader::kEncodedLength) {
    const uint64_t claimed =
        SegmentHeader::kEncodedLength +
        uint64_t{DecodeFixed32(seg.data() + kSegImageLenOff)} +
        DecodeFixed32(seg.data() + kSegKeysLenOff) +
        DecodeFixed32(seg.data() + kSegOrderLenOff);
    if (claimed <= kMaxClaimedSegment) seg.resize(claimed, '\0');
  }
  if (in.fix_checksums()) FixSegmentChecksums(&seg);

  SegmentHeader header;
  const Status hs = CheckHeader(seg, &header);
  ReadThroughPool(seg, hs, header);

  // The image, the keys trailer and the order block behind the header;
  // without a header that fits, everything after the first 128 bytes (or
  // everything) is the image.
  Slice image(seg);
  Slice order;
  if (seg.size() >= SegmentHeader::kEncodedLength) {
    image.remove_prefix(SegmentHeader::kEncodedLength);
    if (hs.ok() && header.image_length <= image.size()) {
      Slice rest(image.data() + header.image_length,
                 image.size() - header.image_length);
      image = Slice(image.data(), header.image_length);
      if (header.keys_length + uint64_t{header.order_length} <= rest.size()) {
        order = Slice(rest.data() + header.keys_length, header.order_length);
        rest = Slice(rest.data(), header.keys_length);
      }
      CheckSegmentKeys(rest);
    }
  }
  // Exact-size copies: reading past the image or the block is a heap
  // overflow.
  std::unique_ptr<char[]> copy(new char[image.size()]);
  if (!image.empty()) memcpy(copy.get(), image.data(), image.size());
  std::unique_ptr<char[]> order_copy(new char[order.size()]);
  if (!order.empty()) memcpy(order_copy.get(), order.data(), order.size());
  ExerciseImage(copy.get(), image.size(), order_copy.get(), order.size());
  return 0;
}

int FuzzJob(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  FlaggedInput in = SplitFlags(data, size);
  if ((in.flags & 2) == 0) {
    DecodeFlushSpec(in.bytes);
    DecodeCompactionSpec(in.bytes);
    DecodeResult(in.bytes);
    std::string word = in.bytes.substr(0, 8);
    word.resize(8, '\0');
    DecodeWord(DecodeFixed64(word.data()));
    return 0;
  }
  // Slot mode: the state word, then the slot's bytes (zeros where short).
  std::string bytes = std::move(in.bytes);
  bytes.resize(8 + kFuzzJobSlotSize, '\0');
  DecodeWord(DecodeFixed64(bytes.data()));
  ExerciseSlot(DecodeFixed64(bytes.data()), bytes.substr(8),
               in.fix_checksums());
  return 0;
}

// ----------------------------------------------------------------- search

namespace {

// The mailbox body a reply must fit (search_mailbox.h).
constexpr size_t kFuzzReplyCapacity = 4096 - 64;

// Makes the trailing checksum of a search message match the bytes before.
void FixSearchChecksum(std::string* bytes) {
  if (bytes->size() < 8) return;
  const size_t n = bytes->size() - 4;
  EncodeFixed32(bytes->data() + n, Checksum32(bytes->data(), n));
}

}  // namespace

int FuzzSearch(const uint8_t* data, size_t size) {
  if (size > kMaxInputSize) return 0;
  FlaggedInput in = SplitFlags(data, size);
  if (in.fix_checksums()) FixSearchChecksum(&in.bytes);
  if ((in.flags & 2) != 0) {
    SearchReply reply;
    if (!DecodeSearchReply(in.bytes, &reply).ok()) return 0;
    std::string again, twice;
    EncodeSearchReply(reply, &again);
    SearchReply back;
    FUZZ_CHECK(DecodeSearchReply(again, &back).ok(), "re-encoded reply");
    EncodeSearchReply(back, &twice);
    FUZZ_CHECK(again == twice, "reply round trip changed it");
    return 0;
  }
  SearchRequest request;
  const bool decoded = DecodeSearchRequest(in.bytes, &request).ok();
  if (decoded) {
    std::string again, twice;
    EncodeSearchRequest(request, &again);
    SearchRequest back;
    FUZZ_CHECK(DecodeSearchRequest(again, &back).ok(), "re-encoded request");
    EncodeSearchRequest(back, &twice);
    FUZZ_CHECK(again == twice, "request round trip changed it");
  }
  // The memory node answers whatever a mailbox holds, searching the pool
  // wherever the request points: always a well-formed reply that fits.
  std::string out;
  const uint64_t id = decoded ? request.id : 1;
  const int64_t keys =
      SearchServer::Answer(FuzzPool(), in.bytes, id, kFuzzReplyCapacity, &out);
  SearchReply reply;
  FUZZ_CHECK(DecodeSearchReply(out, &reply).ok(), "Answer's reply");
  FUZZ_CHECK(out.size() <= kFuzzReplyCapacity, "reply outgrows the mailbox");
  FUZZ_CHECK(reply.id == id, "reply id");
  if (keys >= 0) {
    FUZZ_CHECK(decoded && reply.keys.size() == request.keys.size() &&
                   static_cast<size_t>(keys) == reply.keys.size(),
               "a reply per key");
  } else {
    FUZZ_CHECK(reply.keys.size() == 1 &&
                   reply.keys[0].outcome == SearchOutcome::kRejected,
               "a rejected request says so");
  }
  return 0;
}

}  // namespace o3lsm::fuzz
