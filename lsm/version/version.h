// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A Version is an immutable snapshot of the LSM tree's files: for each level
// the SST files that make it up.
//   L0      files may overlap; ordered newest first (largest sequence
//           number first), which is the order reads must consult them in.
//   L1..Ln  files are disjoint and ordered by smallest key.
// Readers hold a VersionRef (shared_ptr) for as long as they read; the files
// of a version stay on disk while any reader holds it (see FileRef).
//
// Thread safety: a Version is immutable once built; all const methods may be
// called concurrently. FileMetaData::being_compacted is guarded by the DB
// mutex.

#ifndef O3LSM_LSM_VERSION_VERSION_H_
#define O3LSM_LSM_VERSION_VERSION_H_

#include <memory>
#include <string>
#include <vector>

#include "lsm/dbformat.h"
#include "lsm/version/version_edit.h"
#include "o3lsm/iterator.h"
#include "o3lsm/options.h"

namespace o3lsm {

class TableCache;

// Shared ownership of a file's metadata by every version listing it. The
// deleter reports the file number as obsolete (see ObsoleteFiles).
using FileRef = std::shared_ptr<FileMetaData>;

class Version {
 public:
  explicit Version(int num_levels) : files_(num_levels) {}

  // A version made of the given file lists, one per level (sorted as a
  // VersionSet sorts them). For a node that runs a compaction away from the
  // VersionSet that owns the files: the refs report nothing when dropped.
  static std::shared_ptr<Version> FromFiles(
      std::vector<std::vector<FileRef>> files);
  Version(const Version&) = delete;
  Version& operator=(const Version&) = delete;

  int num_levels() const { return static_cast<int>(files_.size()); }
  const std::vector<FileRef>& files(int level) const { return files_[level]; }
  int NumFiles(int level) const {
    return static_cast<int>(files_[level].size());
  }
  uint64_t LevelBytes(int level) const;

  // The most L0 files any one key is in: how many sorted runs a read of L0
  // may visit. With key-range shards, L0 files of different shards do not
  // overlap, so this, not the file count, is what slows reads down.
  // Computed once, when the version is built (writers check it per write).
  int L0Depth() const { return l0_depth_; }
  static int L0DepthOf(const std::vector<FileRef>& files);
  // The most sorted runs a seek may have to position: L0 files plus
  // non-empty levels. A version with fewer than two never charges seeks.
  int SortedRuns() const { return sorted_runs_; }
  uint64_t TotalBytes() const;
  uint64_t TotalFiles() const;

  // Looks key up in the files, newest data first. OK with *value set, or
  // NotFound (absent or deleted), or an error from a table (Corruption,
  // IOError naming the file).
  Status Get(const ReadOptions& options, const LookupKey& key,
             std::string* value, TableCache* table_cache) const;

  // Appends iterators over all files: one per L0 file, one per other level.
  // REQUIRES: this version outlives them (the caller pins it once for the
  // whole iterator tree: a reference count per child costs a contended
  // atomic each).
  void AddIterators(const ReadOptions& options, TableCache* table_cache,
                    std::vector<Iterator*>* iters) const;

  // Read-triggered compaction. A seek to user_key positions every sorted
  // run whose key range holds it; if that is more than one, the seek is
  // charged to the newest such file, (runs - 1) x seeks against its
  // SeekBudget (the runs a compaction would save it). Returns that file,
  // with its level in *level, from the one charge that uses its budget up;
  // nullptr otherwise. Lock-free; may run concurrently with itself.
  FileRef ChargeSeek(const Slice& user_key, int64_t seeks, int* level) const;

  // Files of level that overlap the user-key range [begin, end] (nullptr =
  // unbounded). At L0, files overlapping the selected ones are added until
  // the set is closed, since overlapping L0 files must move together.
  std::vector<FileRef> GetOverlappingInputs(int level, const Slice* begin,
                                            const Slice* end) const;

  // True if some file of level overlaps [smallest, largest] (user keys).
  bool OverlapInLevel(int level, const Slice* smallest,
                      const Slice* largest) const;

  // "files[ 3 1 0 0 0 0 0 ]"
  std::string LevelSummary() const;
  std::string DebugString() const;

 private:
  friend class VersionSet;  // builds versions

  // Sets l0_depth_ and sorted_runs_; called once the file lists are final.
  void FinishBuild();

  std::vector<std::vector<FileRef>> files_;
  int l0_depth_ = 0;
  int sorted_runs_ = 0;
};

using VersionRef = std::shared_ptr<const Version>;

// Index of the first file in a sorted, disjoint level whose largest key is
// >= internal key; files.size() if none.
size_t FindFile(const std::vector<FileRef>& files, const Slice& internal_key);

// An iterator over a sorted, disjoint level: opens each file's table as it
// goes. REQUIRES: files (the version holding them) outlive it.
Iterator* NewLevelIterator(const ReadOptions& options, TableCache* table_cache,
                           const std::vector<FileRef>* files);

}  // namespace o3lsm

#endif  // O3LSM_LSM_VERSION_VERSION_H_
