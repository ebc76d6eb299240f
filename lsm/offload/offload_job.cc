// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/offload_job.h"

#include <atomic>
#include <map>
#include <memory>

#include "lsm/compaction/compaction.h"
#include "lsm/compaction/compaction_job.h"
#include "lsm/compaction/flush_job.h"
#include "lsm/version/filename.h"
#include "lsm/version/table_cache.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

// Encodings of specs and results: persisted in DM job slots.
// DO NOT RENUMBER; bump the version on any change.
constexpr uint32_t kFlushSpecVersion = 1;
// Version 2 added range_begin and range_end, version 3 range_tombstones.
// Specs live only while a job is out, between processes of one build: no
// older version is read.
constexpr uint32_t kCompactionSpecVersion = 3;
constexpr uint32_t kResultVersion = 1;
// Bounds that keep a damaged length from allocating without limit.
constexpr uint32_t kMaxListLength = 1 << 20;

Status Malformed(const char* what, const char* field) {
  return Status::Corruption(what, std::string("malformed ") + field);
}

void PutTable(std::string* dst, const JobTableSettings& t) {
  PutVarint32(dst, t.block_size);
  PutVarint32(dst, t.block_restart_interval);
  PutVarint32(dst, static_cast<uint32_t>(t.bloom_bits_per_key));
  dst->push_back(static_cast<char>(t.compression));
  PutVarint32(dst, static_cast<uint32_t>(t.compression_level));
}

bool GetTable(Slice* in, JobTableSettings* t) {
  uint32_t bloom, level;
  if (!GetVarint32(in, &t->block_size) ||
      !GetVarint32(in, &t->block_restart_interval) ||
      !GetVarint32(in, &bloom) || in->empty()) {
    return false;
  }
  const auto c = static_cast<unsigned char>((*in)[0]);
  in->remove_prefix(1);
  if (c > static_cast<unsigned char>(CompressionType::kSnappy)) return false;
  t->compression = static_cast<CompressionType>(c);
  if (!GetVarint32(in, &level)) return false;
  t->bloom_bits_per_key = static_cast<int32_t>(bloom);
  t->compression_level = static_cast<int32_t>(level);
  return t->block_size >= 256 && t->block_size <= (16u << 20) &&
         t->block_restart_interval >= 1 && t->bloom_bits_per_key >= 0 &&
         t->bloom_bits_per_key <= 64;
}

void PutJobFile(std::string* dst, const JobFile& f) {
  PutVarint64(dst, f.number);
  PutVarint64(dst, f.file_size);
  PutLengthPrefixedSlice(dst, f.smallest);
  PutLengthPrefixedSlice(dst, f.largest);
}

bool GetJobFile(Slice* in, JobFile* f) {
  Slice a, b;
  if (!GetVarint64(in, &f->number) || !GetVarint64(in, &f->file_size) ||
      !GetLengthPrefixedSlice(in, &a) || !GetLengthPrefixedSlice(in, &b) ||
      a.size() < 8 || b.size() < 8 || f->number == 0) {
    return false;
  }
  f->smallest = a.ToString();
  f->largest = b.ToString();
  return true;
}

void PutJobFiles(std::string* dst, const std::vector<JobFile>& files) {
  PutVarint32(dst, static_cast<uint32_t>(files.size()));
  for (const auto& f : files) PutJobFile(dst, f);
}

bool GetJobFiles(Slice* in, std::vector<JobFile>* files) {
  uint32_t n;
  // Each entry takes bytes: a count beyond what is left is damage, not a
  // reason to allocate.
  if (!GetVarint32(in, &n) || n > kMaxListLength || n > in->size()) {
    return false;
  }
  files->resize(n);
  for (auto& f : *files) {
    if (!GetJobFile(in, &f)) return false;
  }
  return true;
}

FileRef RefOf(const JobFile& f) {
  auto meta = std::make_shared<FileMetaData>();
  meta->number = f.number;
  meta->file_size = f.file_size;
  meta->smallest.DecodeFrom(f.smallest);
  meta->largest.DecodeFrom(f.largest);
  return meta;
}

std::vector<FileRef> RefsOf(const std::vector<JobFile>& files) {
  std::vector<FileRef> r;
  r.reserve(files.size());
  for (const auto& f : files) r.push_back(RefOf(f));
  return r;
}

}  // namespace

JobTableSettings JobTableSettings::From(const TableOptions& t) {
  JobTableSettings s;
  s.block_size = static_cast<uint32_t>(t.block_size);
  s.block_restart_interval = static_cast<uint32_t>(t.block_restart_interval);
  s.bloom_bits_per_key = t.bloom_bits_per_key;
  s.compression = t.compression;
  s.compression_level = t.compression_level;
  return s;
}

TableOptions JobTableSettings::ToTableOptions() const {
  TableOptions t;
  t.block_size = block_size;
  t.block_restart_interval = static_cast<int>(block_restart_interval);
  t.bloom_bits_per_key = bloom_bits_per_key;
  t.compression = compression;
  t.compression_level = compression_level;
  t.block_cache = nullptr;
  return t;
}

void FlushJobSpec::EncodeTo(std::string* dst) const {
  PutVarint32(dst, kFlushSpecVersion);
  PutLengthPrefixedSlice(dst, db_path);
  PutTable(dst, table);
  PutVarint64(dst, oldest_snapshot);
  PutVarint64(dst, file_number_base);
  PutVarint32(dst, max_attempts);
  PutVarint32(dst, static_cast<uint32_t>(segments.size()));
  for (const auto& s : segments) {
    PutFixed64(dst, s.addr.raw());
    PutVarint64(dst, s.length);
  }
}

Status FlushJobSpec::DecodeFrom(const Slice& src) {
  Slice in = src;
  uint32_t version, n;
  Slice path;
  if (!GetVarint32(&in, &version) || version != kFlushSpecVersion) {
    return Malformed("flush job spec", "version");
  }
  if (!GetLengthPrefixedSlice(&in, &path) || path.empty()) {
    return Malformed("flush job spec", "db path");
  }
  db_path = path.ToString();
  if (!GetTable(&in, &table)) return Malformed("flush job spec", "table");
  if (!GetVarint64(&in, &oldest_snapshot) ||
      !GetVarint64(&in, &file_number_base) || !GetVarint32(&in, &max_attempts) ||
      !GetVarint32(&in, &n) || n == 0 || n > kMaxListLength ||
      n > in.size() || file_number_base == 0 || max_attempts == 0) {
    return Malformed("flush job spec", "header");
  }
  segments.resize(n);
  for (auto& s : segments) {
    uint64_t raw;
    if (!GetFixed64(&in, &raw) || !GetVarint64(&in, &s.length)) {
      return Malformed("flush job spec", "segment list");
    }
    s.addr = fabric::DmAddr::FromRaw(raw);
  }
  if (!in.empty()) return Malformed("flush job spec", "trailing bytes");
  return Status::OK();
}

void CompactionJobSpec::EncodeTo(std::string* dst) const {
  PutVarint32(dst, kCompactionSpecVersion);
  PutLengthPrefixedSlice(dst, db_path);
  PutTable(dst, table);
  PutVarint64(dst, oldest_snapshot);
  PutVarint32(dst, static_cast<uint32_t>(level));
  PutVarint32(dst, static_cast<uint32_t>(output_level));
  PutVarint64(dst, max_output_file_size);
  PutJobFiles(dst, inputs[0]);
  PutJobFiles(dst, inputs[1]);
  PutVarint32(dst, static_cast<uint32_t>(deeper.size()));
  for (const auto& level_files : deeper) PutJobFiles(dst, level_files);
  PutJobFiles(dst, grandparents);
  PutVarint64(dst, file_number_base);
  PutVarint32(dst, outputs_per_attempt);
  PutVarint32(dst, max_attempts);
  PutLengthPrefixedSlice(dst, range_begin);
  PutLengthPrefixedSlice(dst, range_end);
  PutVarint32(dst, static_cast<uint32_t>(range_tombstones.size()));
  for (const RangeTombstone& t : range_tombstones) {
    PutLengthPrefixedSlice(dst, t.begin);
    PutLengthPrefixedSlice(dst, t.end);
    PutVarint64(dst, t.seq);
  }
}

Status CompactionJobSpec::DecodeFrom(const Slice& src) {
  Slice in = src;
  uint32_t version, lvl, out_lvl, ndeeper;
  Slice path;
  if (!GetVarint32(&in, &version) || version != kCompactionSpecVersion) {
    return Malformed("compaction job spec", "version");
  }
  if (!GetLengthPrefixedSlice(&in, &path) || path.empty()) {
    return Malformed("compaction job spec", "db path");
  }
  db_path = path.ToString();
  if (!GetTable(&in, &table)) return Malformed("compaction job spec", "table");
  if (!GetVarint64(&in, &oldest_snapshot) || !GetVarint32(&in, &lvl) ||
      !GetVarint32(&in, &out_lvl) || !GetVarint64(&in, &max_output_file_size) ||
      lvl > 64 || out_lvl > 64 || out_lvl < lvl) {
    return Malformed("compaction job spec", "levels");
  }
  level = static_cast<int32_t>(lvl);
  output_level = static_cast<int32_t>(out_lvl);
  if (!GetJobFiles(&in, &inputs[0]) || !GetJobFiles(&in, &inputs[1]) ||
      inputs[0].empty()) {
    return Malformed("compaction job spec", "inputs");
  }
  if (!GetVarint32(&in, &ndeeper) || ndeeper > 64) {
    return Malformed("compaction job spec", "deeper levels");
  }
  deeper.resize(ndeeper);
  for (auto& level_files : deeper) {
    if (!GetJobFiles(&in, &level_files)) {
      return Malformed("compaction job spec", "deeper levels");
    }
  }
  if (!GetJobFiles(&in, &grandparents) || !GetVarint64(&in, &file_number_base) ||
      !GetVarint32(&in, &outputs_per_attempt) ||
      !GetVarint32(&in, &max_attempts) || file_number_base == 0 ||
      outputs_per_attempt == 0 || max_attempts == 0 || max_output_file_size == 0) {
    return Malformed("compaction job spec", "outputs");
  }
  Slice begin, end;
  if (!GetLengthPrefixedSlice(&in, &begin) ||
      !GetLengthPrefixedSlice(&in, &end) ||
      (!begin.empty() && !end.empty() && begin.compare(end) >= 0)) {
    return Malformed("compaction job spec", "key range");
  }
  range_begin = begin.ToString();
  range_end = end.ToString();
  uint32_t ntombstones;
  if (!GetVarint32(&in, &ntombstones) || ntombstones > kMaxListLength) {
    return Malformed("compaction job spec", "range tombstones");
  }
  range_tombstones.clear();
  for (uint32_t i = 0; i < ntombstones; i++) {
    Slice tb, te;
    RangeTombstone t;
    if (!GetLengthPrefixedSlice(&in, &tb) ||
        !GetLengthPrefixedSlice(&in, &te) || !GetVarint64(&in, &t.seq) ||
        tb.compare(te) >= 0 || t.seq == 0 || t.seq > oldest_snapshot) {
      return Malformed("compaction job spec", "range tombstones");
    }
    t.begin = tb.ToString();
    t.end = te.ToString();
    range_tombstones.push_back(std::move(t));
  }
  if (!in.empty()) return Malformed("compaction job spec", "trailing bytes");
  return Status::OK();
}

namespace {
constexpr char kRetryFailure = 'R';
constexpr char kFinalFailure = 'F';
}  // namespace

void JobFailure::EncodeTo(std::string* dst) const {
  dst->push_back(retry ? kRetryFailure : kFinalFailure);
  dst->append(why);
}

void JobFailure::DecodeFrom(const Slice& src) {
  retry = true;
  if (!src.empty() && (src[0] == kRetryFailure || src[0] == kFinalFailure)) {
    retry = src[0] == kRetryFailure;
    why.assign(src.data() + 1, src.size() - 1);
  } else {
    why = src.ToString();
  }
}

void JobResult::EncodeTo(std::string* dst) const {
  PutVarint32(dst, kResultVersion);
  PutVarint32(dst, static_cast<uint32_t>(outputs.size()));
  for (const auto& f : outputs) {
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutLengthPrefixedSlice(dst, f.smallest.Encode());
    PutLengthPrefixedSlice(dst, f.largest.Encode());
    PutVarint64(dst, f.smallest_seqno);
    PutVarint64(dst, f.largest_seqno);
    PutVarint64(dst, f.num_entries);
    PutVarint64(dst, f.num_deletions);
  }
  PutVarint64(dst, micros);
  PutVarint64(dst, records_in);
  PutVarint64(dst, records_dropped);
  PutVarint64(dst, bytes_read);
  PutVarint64(dst, bytes_written);
}

Status JobResult::DecodeFrom(const Slice& src) {
  Slice in = src;
  uint32_t version, n;
  if (!GetVarint32(&in, &version) || version != kResultVersion ||
      !GetVarint32(&in, &n) || n > kMaxListLength || n > in.size()) {
    return Malformed("job result", "header");
  }
  outputs.resize(n);
  for (auto& f : outputs) {
    Slice a, b;
    if (!GetVarint64(&in, &f.number) || !GetVarint64(&in, &f.file_size) ||
        !GetLengthPrefixedSlice(&in, &a) || !GetLengthPrefixedSlice(&in, &b) ||
        !f.smallest.DecodeFrom(a) || !f.largest.DecodeFrom(b) ||
        !GetVarint64(&in, &f.smallest_seqno) ||
        !GetVarint64(&in, &f.largest_seqno) ||
        !GetVarint64(&in, &f.num_entries) ||
        !GetVarint64(&in, &f.num_deletions) || f.number == 0) {
      return Malformed("job result", "output file");
    }
  }
  if (!GetVarint64(&in, &micros) || !GetVarint64(&in, &records_in) ||
      !GetVarint64(&in, &records_dropped) || !GetVarint64(&in, &bytes_read) ||
      !GetVarint64(&in, &bytes_written) || !in.empty()) {
    return Malformed("job result", "statistics");
  }
  return Status::OK();
}

Status ExecuteFlushJob(fabric::Fabric* fabric, Env* env,
                       const FlushJobSpec& spec, uint32_t attempt,
                       const std::function<bool()>& alive, JobResult* result) {
  *result = JobResult();
  if (attempt >= spec.max_attempts) {
    return Status::Aborted("flush job", "attempt " + std::to_string(attempt) +
                                            " past the job's output numbers");
  }
  std::vector<Iterator*> inputs;
  for (const SegmentLocation& where : spec.segments) {
    SegmentHeader header;
    std::shared_ptr<char[]> bytes;
    Status s = ReadSegment(fabric, where, &header, &bytes);
    if (!s.ok()) {
      for (Iterator* it : inputs) delete it;
      return s;
    }
    result->bytes_read += header.total_length();
    const char* image = bytes.get() + SegmentHeader::kEncodedLength;
    inputs.push_back(
        NewSkipListIterator(image, header.image_length, std::move(bytes)));
  }
  if (!alive()) {
    for (Iterator* it : inputs) delete it;
    return Status::Aborted("flush job", "claim revoked");
  }
  const uint64_t number = spec.file_number_base + attempt;
  bool used = false;
  FileMetaData meta;
  FlushJobStats stats;
  Status s = RunFlushJob(std::move(inputs), env, spec.db_path,
                         spec.table.ToTableOptions(), spec.oldest_snapshot,
                         [&used, number]() -> uint64_t {
                           if (used) return 0;  // one L0 file per flush
                           used = true;
                           return number;
                         },
                         &meta, &stats);
  if (s.ok() && !alive()) {
    // Revoked while we wrote: the owner re-posted the job; this output is
    // not going to be installed.
    env->RemoveFile(TableFileName(spec.db_path, number)).PermitUncheckedError();
    return Status::Aborted("flush job", "claim revoked");
  }
  if (!s.ok()) return s;
  if (meta.number != 0) result->outputs.push_back(meta);
  result->micros = stats.micros;
  result->records_in = stats.input_records;
  result->records_dropped = stats.dropped_records;
  result->bytes_written = stats.bytes_written;
  return Status::OK();
}

Status ExecuteCompactionJob(Env* env, const CompactionJobSpec& spec,
                            uint32_t attempt,
                            const std::function<bool()>& alive,
                            JobResult* result) {
  *result = JobResult();
  if (attempt >= spec.max_attempts) {
    return Status::Aborted("compaction job",
                           "attempt " + std::to_string(attempt) +
                               " past the job's output numbers");
  }
  // The compaction sees only what it needs of the owner's version: its
  // inputs, the grandparents and the deeper levels.
  const int levels = spec.output_level + 1 + static_cast<int>(spec.deeper.size());
  std::vector<std::vector<FileRef>> files(std::max(levels, spec.output_level + 2));
  files[spec.level] = RefsOf(spec.inputs[0]);
  if (spec.output_level != spec.level) {
    files[spec.output_level] = RefsOf(spec.inputs[1]);
  }
  for (size_t i = 0; i < spec.deeper.size(); i++) {
    files[spec.output_level + 1 + i] = RefsOf(spec.deeper[i]);
  }
  VersionRef version = Version::FromFiles(std::move(files));
  Compaction c(spec.level, spec.output_level, version,
               spec.max_output_file_size);
  c.inputs(0) = version->files(spec.level);
  if (spec.output_level != spec.level) {
    c.inputs(1) = version->files(spec.output_level);
  }
  c.grandparents() = RefsOf(spec.grandparents);
  c.ComputeRange();

  const TableOptions topts = spec.table.ToTableOptions();
  TableCache table_cache(spec.db_path, env, topts, 64);
  const uint64_t first = spec.file_number_base +
                         static_cast<uint64_t>(attempt) * spec.outputs_per_attempt;
  uint64_t next = first;
  const uint64_t end = first + spec.outputs_per_attempt;
  std::atomic<bool> cancelled{false};
  CompactionJob job(&c, env, spec.db_path, topts, &table_cache,
                    spec.oldest_snapshot,
                    [&]() -> uint64_t {
                      // Checked per output file: a revoked job stops early.
                      if (!alive()) cancelled.store(true);
                      return next < end ? next++ : 0;
                    },
                    &cancelled);
  job.SetKeyRange(spec.range_begin, spec.range_end);
  if (!spec.range_tombstones.empty()) {
    std::map<SequenceNumber, RangeTombstone> by_seq;
    for (const RangeTombstone& t : spec.range_tombstones) by_seq[t.seq] = t;
    job.SetRangeTombstones(MakeRangeTombstoneSet(by_seq));
  }
  Status s = job.Run();
  if (s.ok() && !alive()) {
    for (const auto& f : job.outputs()) {
      env->RemoveFile(TableFileName(spec.db_path, f.number))
          .PermitUncheckedError();
    }
    return Status::Aborted("compaction job", "claim revoked");
  }
  if (!s.ok()) return s;
  result->outputs = job.outputs();
  result->micros = job.stats().micros;
  result->records_in = job.stats().input_records;
  result->records_dropped = job.stats().dropped_records;
  result->bytes_read = job.stats().bytes_read;
  result->bytes_written = job.stats().bytes_written;
  return Status::OK();
}

}  // namespace o3lsm
