// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Options that control a database (Options), a read (ReadOptions), a write
// (WriteOptions) and a flush (FlushOptions). Plain structs: set the fields
// you care about, leave the rest at their defaults.
//
// Defaults follow RocksDB's where both engines have the knob, so that
// o3lsm-bench and RocksDB's db_bench run the same configuration from the same
// flags.

#ifndef O3LSM_INCLUDE_OPTIONS_H_
#define O3LSM_INCLUDE_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "o3lsm/env.h"  // InfoLogLevel
#include "o3lsm/slice.h"

namespace o3lsm {

namespace fabric {
class Fabric;
}  // namespace fabric

class Env;
class Logger;
class Snapshot;
class Statistics;

// Per-block compression of SST files. Stored in every block trailer:
// DO NOT RENUMBER.
enum class CompressionType : unsigned char {
  kNone = 0,
  kZstd = 1,
  kLz4 = 2,
  kSnappy = 3,  // db_bench's default
};

// How a sealed memtable is laid out in a DM segment
// (Options::dm_segment_layout). Stored in every segment header: DO NOT
// RENUMBER.
enum class SegmentLayout : uint32_t {
  // A perfect skiplist rebuilt in key order on the compute node: one pass
  // that copies every byte; a compute-node lookup is one round trip.
  kSortedImage = 0,
  // The memtable arena's used bytes as they are (one bulk copy) plus an
  // order block; a compute-node lookup is two round trips.
  kArenaCopy = 1,
};

// How a lookup reads the DM segments that may hold its key
// (Options::dm_read_mode; docs/offload.md, "Reads of DM segments").
enum class DmReadMode : uint8_t {
  // Per lookup, the cheaper of the two below by measured latency, the
  // number of candidate segments and the memory node's published load;
  // one-sided where no memory node serves search (e.g. a bare cxl: pool).
  kAdaptive = 0,
  // Bloom filter and fences on the compute node, then one-sided reads of
  // each candidate segment, newest first.
  kOneSided = 1,
  // One request to the memory node, whose CPUs search every candidate in
  // place; one-sided when no memory node answers.
  kDelegated = 2,
  // The key-offset cache first (Options::dm_key_cache_bytes): a hit reads
  // the one entry it names; a miss is delegated (one-sided without a
  // memory node) and fills the cache. kOneSided and kDelegated use no
  // cache; kAdaptive uses it and picks the way for misses.
  kCached = 3,
};

// Work moved off the compute node, as bits of Options::offload.
enum OffloadLayer : uint32_t {
  // Sealed memtables move into disaggregated memory (DM): the write buffer
  // grows past the compute node's memory.
  kOffloadMemtable = 1u << 0,
  // Memtables in DM are flushed to SSTs by whichever node is idle.
  kOffloadFlush = 1u << 1,
  // Compactions run on whichever node is idle.
  kOffloadCompaction = 1u << 2,
};

// Parses "none" or a comma list of "memtable", "flush", "compaction" (also
// "all") into OffloadLayer bits. InvalidArgument naming the bad word.
class Status;
Status ParseOffloadLayers(const std::string& text, uint32_t* layers);
// The inverse: "none" or e.g. "memtable,flush,compaction".
std::string OffloadLayersToString(uint32_t layers);

// "adaptive", "one-sided" or "delegated", and back. InvalidArgument naming
// the bad word.
Status ParseDmReadMode(const std::string& text, DmReadMode* mode);
const char* DmReadModeName(DmReadMode mode);

// "arena" or "sorted", and back. InvalidArgument naming the bad word.
Status ParseSegmentLayout(const std::string& text, SegmentLayout* layout);
const char* SegmentLayoutName(SegmentLayout layout);

struct Options {
  // ---- Opening ----

  // Create the database if it is missing. Default: false.
  bool create_if_missing = false;

  // Fail if the database already exists. Default: false.
  bool error_if_exists = false;

  // Fail Open on any WAL corruption, even a torn tail (which is otherwise
  // truncated, since a crash while appending produces one). Default: false.
  bool paranoid_checks = false;

  // File system and clock. Default: Env::Default() (POSIX).
  Env* env = nullptr;

  // Where human-readable progress and errors go. Default: nullptr, which
  // writes a LOG file inside the database directory, one line per event:
  //   2026/12/06-19:36:29.123456 140234 [INFO] opened /db: ...
  // (local time to the microsecond, thread id, level, message).
  std::shared_ptr<Logger> info_log;

  // Lines of the database's own LOG below this level are dropped (a
  // logger given in info_log keeps its own level). Default: kInfo.
  InfoLogLevel info_log_level = InfoLogLevel::kInfo;

  // The LOG is renamed to LOG.old.<microseconds since the epoch> and a new
  // one started once it reaches this many bytes; 0 = never while open (it
  // is still renamed at every open). Default: 0.
  size_t max_log_file_size = 0;

  // Old LOG files (LOG.old.*) kept; older ones are deleted when the LOG
  // rolls over and at open. Default: 1000.
  size_t keep_log_file_num = 1000;

  // Every this many seconds a background thread writes the "o3lsm.stats"
  // property (DB::GetProperty) into the LOG; 0 = never. Close stops it at
  // once. Default: 600.
  unsigned int stats_dump_period_sec = 600;

  // ---- Write buffer ----

  // Bytes of updates a memtable holds before it is sealed and flushed.
  // Default: 64 MiB.
  size_t write_buffer_size = 64 << 20;

  // Local write-buffer budget, in units of write_buffer_size: the mutable
  // memtables plus sealed ones awaiting flush (or a move to disaggregated
  // memory). Writes stop when it is used up. Default: 2.
  int max_write_buffer_number = 2;

  // Each writer of a commit group inserts its own batch into the memtables,
  // in parallel with the group's other writers (the leader still writes the
  // WAL once for the group). When false, the leader inserts the whole
  // group. Default: true.
  bool allow_concurrent_memtable_write = true;

  // Key-range shards of the write buffer. Each shard has its own memtable
  // of write_buffer_size / memtable_shards bytes, sealed and flushed on its
  // own, and its L0 files cover only its key range. Shard boundaries are
  // chosen from the keys written and re-chosen when one shard takes far
  // more than its share. Default: 1.
  int memtable_shards = 1;

  // Bytes of each memtable's whole-key bloom filter, as a fraction of its
  // size: lookups of keys a memtable does not hold (most of them, once the
  // data outgrows the write buffer) skip its skiplist, which matters most
  // while sealed memtables wait for a flush or a move into DM. Filled as
  // keys are inserted (one hash and a few atomic ORs per key). 0 turns it
  // off; at most 0.25. Default: 0.02 (about 20 bits per key for 100-byte
  // values). RocksDB calls it memtable_prefix_bloom_size_ratio, with
  // memtable_whole_key_filtering.
  double memtable_bloom_size_ratio = 0.02;

  // ---- SST files ----

  // Approximate uncompressed size of a data block. Default: 4 KiB.
  size_t block_size = 4096;

  // Keys between restart points of a data block's prefix compression.
  // Default: 16.
  int block_restart_interval = 16;

  // Bloom filter bits per key, 0 for no filter. Default: 10 (about 1% false
  // positives).
  int bloom_bits_per_key = 10;

  // Compression of data blocks. Default: kNone.
  CompressionType compression = CompressionType::kNone;

  // Compression level handed to the compressor (zstd 1..19, lz4 ignores
  // it). Default: 3.
  int compression_level = 3;

  // Bytes of uncompressed blocks kept in the sharded LRU block cache.
  // Default: 32 MiB.
  size_t block_cache_size = 32 << 20;

  // Reads tables through memory mappings and uses their blocks in place
  // (verified on first use); when false, every block read outside the
  // block cache is a pread into a buffer the block cache then keeps.
  // Mappings measured faster at 1 and 8 threads (docs/benchmarks.md, "Many
  // threads"): RocksDB's default is false, this one is true. Default: true.
  bool allow_mmap_reads = true;

  // Open SST files kept in the table cache. Up to half of them stay pinned
  // to their file's metadata for as long as the file lives, so that reads
  // reach them without a cache lookup; the rest are kept least recently
  // used. Default: 1000.
  int max_open_files = 1000;

  // ---- Compaction (leveled) ----

  // Levels, L0 included. Default: 7.
  int num_levels = 7;

  // L0 depth that triggers an L0->L1 compaction. L0 depth is the most L0
  // files any one key is in: the L0 file count without key-range shards;
  // with them, each shard's files count on their own. Default: 4.
  int level0_file_num_compaction_trigger = 4;

  // Read-triggered compaction (LevelDB's seek compaction, priced for
  // tables in memory). A seek that must position more than one sorted run
  // (overlapping L0 files, or files of several levels) is charged to the
  // newest file holding its key, once for each run a compaction of that
  // file would save it. Once a file has been charged file_size / this many
  // seeks (at least 100), it is compacted into the next level when no level
  // is over its trigger or target. Iterator seeks are charged (every 16th,
  // sampled per thread); point lookups are not: bloom filters make an extra
  // run cost them little. At the default, the seeks a file is allowed cost
  // its readers about as much CPU as compacting it (docs/benchmarks.md,
  // "Read-triggered compaction"). The same price flushes the memtables
  // (without offloading) once seeks made while no write grows them have
  // cost their bytes, if they hold a quarter of write_buffer_size or more
  // (docs/architecture.md, "Read-triggered flushes"). 0 turns both off.
  // Default: 1024.
  uint64_t seek_compaction_bytes_per_seek = 1024;

  // L0 depth at which writes are slowed to delayed_write_rate. Default: 20.
  int level0_slowdown_writes_trigger = 20;

  // L0 depth at which writes wait for compaction. Default: 36.
  int level0_stop_writes_trigger = 36;

  // Target size of L1; each further level is max_bytes_for_level_multiplier
  // times larger. Default: 256 MiB.
  uint64_t max_bytes_for_level_base = 256ull << 20;

  // Growth factor between level targets. Default: 10.
  double max_bytes_for_level_multiplier = 10;

  // Target size of an SST written by compaction. Default: 64 MiB.
  uint64_t target_file_size_base = 64ull << 20;

  // Write rate while writes are slowed down, bytes per second.
  // Default: 16 MiB/s.
  uint64_t delayed_write_rate = 16ull << 20;

  // Flushes run at most this many at a time. Default: 1.
  int max_background_flushes = 1;

  // Compactions run at most this many at a time. Default: 1.
  int max_background_compactions = 1;

  // With compaction offload: a compaction of more input than
  // target_file_size_base splits into at most this many sub-jobs by key
  // range, run in parallel by the cluster's executors and installed in
  // one version edit (docs/offload.md, "Compaction sub-jobs"); 1 never
  // splits. Local compactions are not split. Default: 4.
  int max_subcompactions = 4;

  // Turns automatic compactions off (CompactRange still works).
  // Default: false.
  bool disable_auto_compactions = false;

  // ---- Disaggregated memory (docs/offload.md) ----

  // What runs off the compute node: bits of OffloadLayer. Default: 0 (a
  // monolithic engine).
  uint32_t offload = 0;

  // The DM pool, as a Fabric URI (docs/fabric.md), e.g.
  // "emulated:/dev/shm/o3lsm-pool", "cxl:/dev/dax0.0",
  // "ofi://mn:7470?secret=/etc/o3lsm/cluster.key&cluster_id=7".
  // Empty: a pool inside this process, created at Open (embedded mode:
  // every role runs as threads of this process). Default: "".
  std::string dm_pool;

  // Bytes of DM that sealed memtables may occupy: the write buffer's
  // extension beyond local memory. When it is used up, sealed memtables stay
  // local, and writes slow down, then wait, as the local budget fills.
  // Default: 0, meaning 8 x write_buffer_size.
  uint64_t dm_write_buffer_budget = 0;

  // With memtable offload: bytes a shard's memtable holds before it is
  // sealed and moved into DM. Small memtables keep the compute node's
  // inserts in its caches; flushes merge a shard's segments in DM into
  // L0 files of about write_buffer_size / memtable_shards or more, so
  // segment size does not shrink L0 files. Rounded to fill the pool's
  // allocation chunks. Default: 0, meaning 2 MiB (or write_buffer_size /
  // memtable_shards if smaller).
  size_t dm_segment_size = 0;

  // With memtable offload: how a sealed memtable is laid out in DM (see
  // SegmentLayout; measured in docs/benchmarks.md). Default: kArenaCopy.
  SegmentLayout dm_segment_layout = SegmentLayout::kArenaCopy;

  // Worker threads this process runs to execute offloaded flushes and
  // compactions when it owns an embedded pool. Default: 1.
  int embedded_workers = 1;

  // With memtable offload: how lookups read DM segments (see DmReadMode).
  // Default: kAdaptive.
  DmReadMode dm_read_mode = DmReadMode::kAdaptive;

  // With memtable offload: bytes of the compute node's key-offset cache,
  // which remembers where in DM the newest version of a hot key lies (as
  // delegated searches answer it), so that its next lookup reads that one
  // entry. -1: write_buffer_size / 16, at least 1 MiB; 0: no cache.
  // Default: -1.
  int64_t dm_key_cache_bytes = -1;

  // With an embedded pool: bytes of a block cache tier the database makes
  // in DM, where SST blocks read from storage are kept and looked for
  // before storage (docs/offload.md). A pool that `o3lsm-node
  // --role=memory` serves has the one its memory node makes
  // (--block-cache-size); every database of the pool that offloads uses
  // it. Tables read through memory mappings read the page cache instead:
  // the tier serves tables opened with allow_mmap_reads = false. 0: none.
  // Default: 0.
  uint64_t dm_block_cache_size = 0;

  // Threads this process runs as the memory node's search CPUs when it
  // owns an embedded pool (delegated search); 0: none, lookups never
  // delegate. A pool served by `o3lsm-node --role=memory` has its own
  // (--search-threads). Default: 1.
  int embedded_search_threads = 1;

  // Wraps the DM pool's fabric once it is open, before the engine uses it,
  // the way an Env wraps files: to inject faults or latency
  // (interconnect/fault_injection_fabric.h), or to check that no verb runs
  // under the DB mutex (interconnect/round_trip_check_fabric.h). It is
  // handed the open fabric and returns the one to use (owning the first).
  // Default: empty (the pool's fabric as opened).
  std::function<std::unique_ptr<fabric::Fabric>(
      std::unique_ptr<fabric::Fabric>)>
      dm_fabric_wrapper;

  // ---- Statistics ----

  // Where the database counts its events (tickers) and times its
  // operations (histograms), e.g. CreateDBStatistics() from
  // o3lsm/statistics.h; several databases may share one. Read through it,
  // or through the "o3lsm.statistics" property. nullptr: nothing is
  // counted, and the engine reads no clock for it. Default: nullptr.
  std::shared_ptr<Statistics> statistics;

  // "HOST:PORT" (e.g. "127.0.0.1:9464"; "[::1]:9464" for IPv6): DB::Open
  // serves the statistics at http://HOST:PORT/metrics in the Prometheus
  // text format until Close (docs/statistics.md, "Prometheus"): tickers
  // as counters, histograms as summaries, and a few gauges of the DB's
  // properties. With statistics null, DB::Open creates one for it. Open
  // fails with IOError naming the address when it cannot listen there (the
  // port is taken), and with NotSupported in a build without
  // O3LSM_WITH_METRICS. Ignored by OpenForReadOnly. Default: "" (off).
  std::string metrics_listen;
};

struct ReadOptions {
  // Blocks read from storage are always verified, and cached blocks were
  // verified when they were read. A table whose blocks are used in place
  // from a file mapping has each block verified on its first use only;
  // true verifies a mapped block on every use too, catching the file
  // being damaged under the mapping. Default: false.
  bool verify_checksums = false;

  // Put blocks read for this operation into the block cache. Default: true.
  bool fill_cache = true;

  // Read as of this snapshot; nullptr reads the latest state.
  // Default: nullptr.
  const Snapshot* snapshot = nullptr;

  // Iteration bounds: an iterator yields only keys >= *iterate_lower_bound
  // (inclusive) and < *iterate_upper_bound (exclusive). Seeks outside the
  // bounds land on the bound. The bounds reach every level: a bounded scan,
  // forward or backward, opens no SST file, reads no SST block (tables of
  // format 2, docs/sst_format.md) and reads no fenced range of a DM segment
  // that lies wholly outside them. The Slices (and the bytes they point at)
  // must outlive the iterator. Get and MultiGet ignore them.
  // Default: nullptr (unbounded).
  const Slice* iterate_lower_bound = nullptr;
  const Slice* iterate_upper_bound = nullptr;
};

struct WriteOptions {
  // fdatasync the WAL before acknowledging the write, so that it survives a
  // power failure, not only a process crash. Default: false.
  bool sync = false;

  // Skip the WAL: the write is lost if the process crashes before its
  // memtable is flushed. Default: false.
  bool disable_wal = false;
};

struct FlushOptions {
  // Wait until the flush is installed. Default: true.
  bool wait = true;
};

}  // namespace o3lsm

#endif  // O3LSM_INCLUDE_OPTIONS_H_
