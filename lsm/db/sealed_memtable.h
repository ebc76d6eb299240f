// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// SealedMemTable is a sealed memtable on its way to L0, and the one place
// its life is written down. Its phases and the legal moves between them:
//
//   kLocal ─StartMove─▶ kMoving ─FinishMove─▶ kInDm ─StartRemoteFlush─▶ kRemoteFlushing
//     ▲  ◀──FailMove────┘                      │  ▲ ◀──RemoteFlushHandedBack──┘  │
//     │                                        │  │     (flush it here next)   │
//     │ StartFlush                  StartFlush │  │ FailFlush                  │
//     ▼                                        ▼  │                            │
//   kFlushing (local copy) ◀──────────── kFlushing (from DM)                   │
//     │ FinishFlush                              │ FinishFlush                 │ RemoteFlushDone
//     ▼                                          ▼                             ▼
//   kFlushed ◀──────────────────────────────────────────────────────────────────
//     │ StartInstall          (FailInstall: back to kFlushed)
//     ▼
//   kInstalling ──▶ removed from the list once the MANIFEST records it
//
//   kInDm, kRemoteFlushing ─StartRebuild─▶ kRebuilding ─FinishRebuild─▶ kLocal
//   (the pool was lost: the memtable is rebuilt from the WAL)
//
// A remote flush that was handed back, one that could not be posted
// (FlushHereOnly) and a rebuild mark the memtable local_only: it is flushed on this node from then on. A FailFlush returns
// to kLocal or kInDm, wherever the data is. An illegal move aborts: it is
// a bug that would otherwise lose or duplicate a flush.
//
// Thread safety: none; DBImpl guards its list with its mutex.

#ifndef O3LSM_LSM_DB_SEALED_MEMTABLE_H_
#define O3LSM_LSM_DB_SEALED_MEMTABLE_H_

#include <cstdint>
#include <initializer_list>
#include <string>

#include "lsm/memtable/memtable.h"
#include "lsm/memtable/memtable_reader.h"
#include "lsm/offload/dm_segment.h"
#include "lsm/version/version_edit.h"

namespace o3lsm {

class SealedMemTable {
 public:
  enum class Phase {
    kLocal,           // in local memory, waiting for a move or a flush
    kMoving,          // being copied into DM
    kInDm,            // in DM only, waiting for a flush
    kRemoteFlushing,  // a flush job for it is on the job board
    kFlushing,        // flushed by this node (from local memory or DM)
    kRebuilding,      // its DM copy was lost: being rebuilt from the WAL
    kFlushed,         // an L0 file (or nothing) waits to be installed
    kInstalling,      // in a MANIFEST edit being written
  };
  static const char* PhaseName(Phase phase);

  // Takes a memtable just sealed: id, WAL and key range come from it.
  SealedMemTable(MemTableRef mem, int shard, uint64_t router_generation);

  uint64_t id() const { return id_; }
  uint64_t log_number() const { return log_number_; }
  int shard() const { return shard_; }
  uint64_t router_generation() const { return router_generation_; }
  // The user-key range it holds.
  const std::string& smallest() const { return smallest_; }
  const std::string& largest() const { return largest_; }

  Phase phase() const { return phase_; }
  bool is(Phase phase) const { return phase_ == phase; }
  // Waiting for a flush (local or remote) to be started.
  bool waiting() const { return is(Phase::kLocal) || is(Phase::kInDm); }
  // A remote flush came back: flush it on this node.
  bool local_only() const { return local_only_; }
  // Its only copy is in DM.
  bool in_dm() const { return mem_ == nullptr; }

  // The local copy (null once in DM) and the DM segment (null until moved).
  const MemTableRef& mem() const { return mem_; }
  const DmSegmentRef& segment() const { return segment_; }
  // Whichever holds its data, for readers and flushes.
  MemTableReaderRef reader() const {
    return segment_ != nullptr ? MemTableReaderRef(segment_)
                               : MemTableReaderRef(mem_);
  }
  // The flush's L0 file when kFlushed or kInstalling; number 0 if nothing
  // was written (or the file is carried by an older memtable of its job).
  const FileMetaData& result() const { return result_; }

  // ---- Transitions (see the diagram) ----
  void StartMove() { Move({Phase::kLocal}, Phase::kMoving); }
  // The local copy goes once the last reader lets it go.
  void FinishMove(DmSegmentRef segment);
  void FailMove() { Move({Phase::kMoving}, Phase::kLocal); }
  void StartRemoteFlush();
  void RemoteFlushDone(const FileMetaData& result);
  void RemoteFlushHandedBack();
  // No job can be posted for it (the coordinator stopped): flush it here.
  void FlushHereOnly();
  void StartFlush() { Move({Phase::kLocal, Phase::kInDm}, Phase::kFlushing); }
  void FinishFlush(const FileMetaData& result);
  void FailFlush();
  void StartRebuild() {
    Move({Phase::kInDm, Phase::kRemoteFlushing}, Phase::kRebuilding);
  }
  // mem: rebuilt from the WAL. The DM copy is dropped (the pool is gone:
  // nothing is freed).
  void FinishRebuild(MemTableRef mem);
  void StartInstall() { Move({Phase::kFlushed}, Phase::kInstalling); }
  void FailInstall() { Move({Phase::kInstalling}, Phase::kFlushed); }

 private:
  void Move(std::initializer_list<Phase> from, Phase to);

  uint64_t id_;
  uint64_t log_number_;  // oldest WAL holding its updates
  int shard_;
  uint64_t router_generation_;
  std::string smallest_;
  std::string largest_;
  Phase phase_ = Phase::kLocal;
  bool local_only_ = false;
  MemTableRef mem_;
  DmSegmentRef segment_;
  FileMetaData result_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_SEALED_MEMTABLE_H_
