// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The jobs a compute node hands to other nodes, and how any node runs them.
//
//   flush       merge memtable segments that live in DM into one L0 SST;
//   compaction  merge SSTs of two levels into new SSTs of the lower one.
//
// A job is self-contained: its spec names the storage directory (shared by
// every node), the table format settings, the inputs (segments in DM, or
// SST files with their key ranges), the oldest snapshot, and the output file
// numbers, assigned in advance by the owner. Attempt k of a job writes
// outputs numbered from base + k * per_attempt, so an output's name carries
// its attempt: a slow or revived executor cannot overwrite the attempt the
// owner accepted, and the owner deletes the outputs of the others.
//
// The executor never touches the MANIFEST: it writes and syncs its files
// and returns their metadata; the owner alone installs one result.
//
// Specs and results are encoded with a version and validated on decode:
// they cross processes through DM, and a damaged one gives Corruption.
//
// Thread safety: pure functions; Execute* may run concurrently.

#ifndef O3LSM_LSM_OFFLOAD_OFFLOAD_JOB_H_
#define O3LSM_LSM_OFFLOAD_OFFLOAD_JOB_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "o3lsm/env.h"

#include "interconnect/fabric.h"
#include "lsm/offload/dm_segment.h"
#include "lsm/table/table_options.h"
#include "lsm/version/range_tombstone.h"
#include "lsm/version/version_edit.h"

namespace o3lsm {

// Table settings a job carries (the block cache stays the executor's).
struct JobTableSettings {
  uint32_t block_size = 4096;
  uint32_t block_restart_interval = 16;
  int32_t bloom_bits_per_key = 10;
  CompressionType compression = CompressionType::kNone;
  int32_t compression_level = 3;

  static JobTableSettings From(const TableOptions& t);
  TableOptions ToTableOptions() const;
};

struct FlushJobSpec {
  std::string db_path;
  JobTableSettings table;
  SequenceNumber oldest_snapshot = 0;
  uint64_t file_number_base = 0;  // attempt k writes file_number_base + k
  uint32_t max_attempts = 0;
  std::vector<SegmentLocation> segments;

  // Bytes each segment adds to the encoding, at most.
  static constexpr size_t kMaxEncodedSegmentLength = 8 + 10;

  void EncodeTo(std::string* dst) const;
  Status DecodeFrom(const Slice& src);
};

// A file of a compaction's inputs or of the levels below it.
struct JobFile {
  uint64_t number = 0;
  uint64_t file_size = 0;
  std::string smallest;  // internal keys
  std::string largest;
};

struct CompactionJobSpec {
  std::string db_path;
  JobTableSettings table;
  SequenceNumber oldest_snapshot = 0;
  int32_t level = 0;
  int32_t output_level = 0;
  uint64_t max_output_file_size = 0;
  std::vector<JobFile> inputs[2];  // at level and output_level
  // Files of deeper levels overlapping the inputs, one list per level
  // below output_level: a tombstone may be dropped only where they hold
  // nothing for its key.
  std::vector<std::vector<JobFile>> deeper;
  std::vector<JobFile> grandparents;  // at output_level + 1
  uint64_t file_number_base = 0;
  uint32_t outputs_per_attempt = 0;  // attempt k: [base + k*n, base + (k+1)*n)
  uint32_t max_attempts = 0;
  // A sub-job of a compaction split by key range: the user keys in
  // [range_begin, range_end) only (empty: unbounded). Spec version 2.
  std::string range_begin;
  std::string range_end;
  // Persisted range tombstones that every snapshot sees and that overlap
  // the inputs: the versions they hide are dropped, as a local compaction
  // drops them. Spec version 3.
  std::vector<RangeTombstone> range_tombstones;

  void EncodeTo(std::string* dst) const;
  Status DecodeFrom(const Slice& src);
};

struct JobResult {
  std::vector<FileMetaData> outputs;
  uint64_t micros = 0;
  uint64_t records_in = 0;
  uint64_t records_dropped = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;

  void EncodeTo(std::string* dst) const;
  Status DecodeFrom(const Slice& src);
};

// The result payload of a failed job: why, and whether another attempt
// (on another node) may succeed. A failure that every executor would hit
// (a result too large for the board) is final: the owner runs the job.
struct JobFailure {
  bool retry = true;
  std::string why;

  void EncodeTo(std::string* dst) const;
  // Never fails: bytes of another form are taken as a retryable reason.
  void DecodeFrom(const Slice& src);
};

// Runs a flush job, attempt `attempt`: reads and validates every segment
// from DM, merges them and writes one L0 file to spec.db_path. `alive` is
// called now and then; if it returns false (the claim was revoked), the job
// stops and deletes its output.
Status ExecuteFlushJob(fabric::Fabric* fabric, Env* env,
                       const FlushJobSpec& spec, uint32_t attempt,
                       const std::function<bool()>& alive, JobResult* result);

// Runs a compaction job, attempt `attempt`, reading its inputs from
// spec.db_path.
Status ExecuteCompactionJob(Env* env, const CompactionJobSpec& spec,
                            uint32_t attempt,
                            const std::function<bool()>& alive,
                            JobResult* result);

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_OFFLOAD_JOB_H_
