// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// CompactionPicker decides what to compact next (leveled compaction):
//   - L0 is compacted when it holds level0_file_num_compaction_trigger
//     files; a pick takes a closed group of overlapping L0 files (with
//     key-range shards, L0 files of different shards are disjoint, so their
//     groups compact independently) plus the overlapping L1 files;
//   - Ln (n >= 1) is compacted when its bytes exceed its target
//     (max_bytes_for_level_base * multiplier^(n-1)), one file at a time in
//     round-robin key order, plus the overlapping L(n+1) files;
//   - when no level is due, a file whose seek budget readers used up
//     (AddSeekCandidate; Version::ChargeSeek) is compacted into the next
//     level as above: with its closed L0 group at L0, alone at Ln.
// Several compactions may run at once as long as none shares an input file
// and no two write overlapping key ranges into the same level.
//
// Thread safety: every method REQUIRES the DB mutex.

#ifndef O3LSM_LSM_COMPACTION_COMPACTION_PICKER_H_
#define O3LSM_LSM_COMPACTION_COMPACTION_PICKER_H_

#include <memory>
#include <vector>

#include "lsm/compaction/compaction.h"
#include "lsm/version/version_set.h"
#include "o3lsm/options.h"

namespace o3lsm {

class CompactionPicker {
 public:
  CompactionPicker(const Options* options, VersionSet* versions);

  // The most urgent compaction that can run now, with its inputs marked
  // being_compacted and registered as running; nullptr if none is due.
  std::unique_ptr<Compaction> Pick();

  // A manual compaction of [begin, end] (user keys, nullptr = unbounded)
  // from level to level+1. Returns nullptr with *busy=false if level has no
  // such files, or with *busy=true if they are in use by a running
  // compaction (retry later).
  std::unique_ptr<Compaction> PickRange(int level, const Slice* begin,
                                        const Slice* end, bool* busy);

  // Unmarks c's inputs and forgets it. REQUIRES: c came from this picker.
  void Release(Compaction* c);

  // File f of level `level` has used up its seek budget: compact it when
  // no level is due. Forgotten once the file leaves the current version.
  void AddSeekCandidate(FileRef f, int level);

  // True if some level is over its trigger or target, or a seek candidate
  // is waiting.
  bool NeedsCompaction();

  // >= 1 means the level needs compaction.
  double LevelScore(const Version& v, int level) const;
  uint64_t MaxBytesForLevel(int level) const;

  int running() const { return static_cast<int>(running_.size()); }

 private:
  std::unique_ptr<Compaction> PickLevel0(const VersionRef& v);
  std::unique_ptr<Compaction> PickLevelN(const VersionRef& v, int level);
  std::unique_ptr<Compaction> PickForSeeks(const VersionRef& v);
  // A compaction of f at level into level + 1 (with f's closed group at
  // L0); nullptr if some input is busy or conflicts.
  std::unique_ptr<Compaction> PickFile(const VersionRef& v, const FileRef& f,
                                       int level);

  struct SeekCandidate {
    std::weak_ptr<FileMetaData> file;
    int level;
  };
  // Drops the candidates no longer in the current version (or already
  // being compacted); true if any is left.
  bool PruneSeekCandidates(const Version& v);

  // Completes a compaction whose inputs[0] is chosen: adds output-level
  // overlaps and grandparents; nullptr if something is busy or conflicts.
  std::unique_ptr<Compaction> Finish(std::unique_ptr<Compaction> c);

  static bool AnyBeingCompacted(const std::vector<FileRef>& files);
  bool OutputRangeConflicts(const Compaction& c) const;

  const Options* const options_;
  VersionSet* const versions_;
  std::vector<Compaction*> running_;
  std::vector<SeekCandidate> seek_candidates_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_COMPACTION_COMPACTION_PICKER_H_
