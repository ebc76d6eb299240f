// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DB is an ordered, persistent map from byte-string keys to byte-string
// values. Keys are ordered bytewise (memcmp, shorter first on a tie).
//
//   std::unique_ptr<o3lsm::DB> db;
//   o3lsm::Options options;
//   options.create_if_missing = true;
//   o3lsm::Status s = o3lsm::DB::Open(options, "/tmp/testdb", &db);
//   if (s.ok()) s = db->Put(o3lsm::WriteOptions(), "key", "value");
//
// Thread safety: a DB is safe for concurrent use by many threads without
// external synchronization. One process at a time may open a database
// directory (Open fails with Busy otherwise).

#ifndef O3LSM_INCLUDE_DB_H_
#define O3LSM_INCLUDE_DB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "o3lsm/iterator.h"
#include "o3lsm/options.h"
#include "o3lsm/slice.h"
#include "o3lsm/status.h"
#include "o3lsm/write_batch.h"

namespace o3lsm {

// A consistent, read-only view of the database at one moment.
class Snapshot {
 protected:
  virtual ~Snapshot() = default;
};

class DB {
 public:
  // Opens the database at path. On success stores it in *db and returns OK;
  // otherwise leaves *db empty and returns the error (InvalidArgument for a
  // missing database without create_if_missing, Busy if another process has
  // it open, Corruption naming the file and offset of damaged metadata).
  static Status Open(const Options& options, const std::string& path,
                     std::unique_ptr<DB>* db);

  // Opens the database at path for reading only, as of its state on disk
  // (its SSTs and the writes in its WAL): Put, Delete, DeleteRange, Write,
  // Flush and CompactRange return NotSupported, and nothing in the
  // directory is changed. Works while another process has the database
  // open for writing; what that process writes later is not seen (open
  // again to see it). Needs no DM pool: memtables that a writer moved into
  // DM are read from its WAL. With error_if_wal_file_exists, a database
  // whose WAL holds writes not yet flushed fails with InvalidArgument.
  static Status OpenForReadOnly(const Options& options,
                                const std::string& path,
                                std::unique_ptr<DB>* db,
                                bool error_if_wal_file_exists = false);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Waits for running background work, then closes. Use Close() to see the
  // status of the final steps.
  virtual ~DB() = default;

  // Stores key -> value.
  virtual Status Put(const WriteOptions& options, const Slice& key,
                     const Slice& value) = 0;
  // Erases key; not an error if it does not exist.
  virtual Status Delete(const WriteOptions& options, const Slice& key) = 0;
  // Erases every key k with begin_key <= k < end_key (bytewise) with one
  // range tombstone, however many keys the range holds. Reads at snapshots
  // taken before it still see the keys. InvalidArgument if end_key <
  // begin_key; an empty range is not an error.
  virtual Status DeleteRange(const WriteOptions& options,
                             const Slice& begin_key, const Slice& end_key) = 0;
  // Applies the batch atomically.
  virtual Status Write(const WriteOptions& options, WriteBatch* updates) = 0;

  // Looks key up. OK with *value set, NotFound, or an error.
  virtual Status Get(const ReadOptions& options, const Slice& key,
                     std::string* value) = 0;

  // Looks every key up as of one state (options.snapshot, or now): entry i
  // of the result is Get's status for keys[i], and (*values)[i] its value
  // when OK. Memtables in disaggregated memory are read for all the keys
  // in one batch of reads per round trip, not per key.
  virtual std::vector<Status> MultiGet(const ReadOptions& options,
                                       const std::vector<Slice>& keys,
                                       std::vector<std::string>* values) = 0;

  // An iterator over the database as of options.snapshot (or now). The
  // iterator must be destroyed before the DB.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;

  // A handle to the current state. The caller must ReleaseSnapshot it.
  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // Seals the memtable(s) and writes them to SST files.
  virtual Status Flush(const FlushOptions& options) = 0;

  // Compacts the key range [*begin, *end] (nullptr meaning unbounded) down
  // the levels, so that deleted and overwritten data is dropped. Waits until
  // done.
  virtual Status CompactRange(const Slice* begin, const Slice* end) = 0;

  // Properties, each a human-readable or numeric string:
  //   "o3lsm.stats"            levels, files, bytes, write amplification,
  //                            stalls, memtable and cache use
  //   "o3lsm.num-files-at-level<N>", "o3lsm.level-bytes<N>"
  //   "o3lsm.sstables"         every live SST with its key range
  //   "o3lsm.num-running-flushes", "o3lsm.num-running-compactions"
  //   "o3lsm.compaction-pending"  "1" while flushes or compactions are
  //                            queued, running or due, else "0"
  //   "o3lsm.num-immutable-memtables", "o3lsm.last-sequence"
  //   "o3lsm.num-range-tombstones"  live DeleteRange tombstones (dropped
  //                            once compactions leave nothing they hide)
  //   "o3lsm.shards"           key-range shards and their balance
  //   "o3lsm.local-write-buffer-bytes"  memtable bytes in local memory
  //   "o3lsm.block-cache-usage"  bytes of blocks in the block cache
  //   "o3lsm.statistics"       Options::statistics as Statistics::ToString
  //                            prints it (false when statistics are off)
  // With offloading (Options::offload):
  //   "o3lsm.segments"         memtable segments in DM
  //   "o3lsm.dm-live-bytes", "o3lsm.dm-bytes-moved"
  //   "o3lsm.nodes"            the node table: roles, load, liveness
  //   "o3lsm.jobs"             the job board: running, done, failed
  //   "o3lsm.approximate-memory-usage"
  // Returns false for an unknown property.
  virtual bool GetProperty(const Slice& property, std::string* value) = 0;

  // Waits for background work, syncs the WAL and releases the database.
  // Further calls other than the destructor are invalid.
  virtual Status Close() = 0;
};

// Deletes the database's files and directory. Fails if it is open.
Status DestroyDB(const std::string& path, const Options& options);

}  // namespace o3lsm

#endif  // O3LSM_INCLUDE_DB_H_
