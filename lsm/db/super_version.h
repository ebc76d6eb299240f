// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A SuperVersion is what a reader needs, captured at once: the shard router,
// the mutable memtable of each shard, the sealed memtables and the version.
// It is immutable and replaced whenever one of its parts changes.
//
// SuperVersionCache hands the current SuperVersion to readers without the
// DB mutex and, on the common path, without touching any cache line that
// another reader writes (RocksDB's thread-local SuperVersion is the model):
// each thread keeps a reference in a slot of its own. A reader takes its
// slot's reference by swapping in kInUse, uses it if it is still the current
// SuperVersion (one load of a word that changes only on Install), and puts
// it back with a compare-and-swap; if Install emptied the slot meanwhile,
// the reader drops the reference instead. Install empties every slot, so
// that old SuperVersions (and the memtables and files they pin) go soon.
// Threads beyond the slot count share slots: a reader may then find its
// slot in use, or holding a reference another thread put back after an
// Install; it takes the current SuperVersion under mu_ instead. That costs
// the fast path now and then, never correctness: the check against the
// current one, not the emptying, is what keeps a reader from an old one.
//
// Each thread has two slots: one for short reads (Get, MultiGet), one for
// an iterator, which holds its Pin for its whole life. A thread's first
// live iterator thus costs no shared reference count either, and its Gets
// keep their own slot; a second live iterator of the thread takes the slow
// path.
//
// Thread safety: Pin and Current from any thread (a Pin is made on the
// thread whose slot it takes; it may be destroyed on another: it puts the
// reference back only with a compare-and-swap on that slot, so the worst
// case is a dropped reference); Install is serialized by the caller (the
// DB mutex).
// Lock order: DB mutex before mu_.

#ifndef O3LSM_LSM_DB_SUPER_VERSION_H_
#define O3LSM_LSM_DB_SUPER_VERSION_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lsm/memtable/memtable.h"
#include "lsm/memtable/memtable_reader.h"
#include "lsm/offload/dm_segment.h"
#include "lsm/offload/shard_router.h"
#include "lsm/version/range_tombstone.h"
#include "lsm/version/version_set.h"
#include "util/thread_annotations.h"

namespace o3lsm {

// A sealed memtable as readers see it (in local memory or in DM), with the
// user-key range it holds.
struct SealedView {
  MemTableReaderRef mem;
  std::string smallest;
  std::string largest;
  const DmSegment* dm = nullptr;  // mem, when it is a segment in DM
};

struct SuperVersion {
  std::shared_ptr<const ShardRouter> router;
  std::vector<MemTableRef> mems;  // one per shard of router
  std::vector<SealedView> imm;    // sealed, newest first
  VersionRef current;
  // Every range tombstone, persisted or not; null when there is none.
  RangeTombstoneSetRef range_tombstones;
};

class SuperVersionCache {
 public:
  // slots: at least the number of threads expected to read at once.
  explicit SuperVersionCache(size_t slots);
  ~SuperVersionCache();
  SuperVersionCache(const SuperVersionCache&) = delete;
  SuperVersionCache& operator=(const SuperVersionCache&) = delete;

  // Makes sv current; readers that hold the old one keep it until Release.
  void Install(std::shared_ptr<const SuperVersion> sv);

  // The current SuperVersion, pinned while the Pin lives, taken through the
  // slot of the calling thread for `use` (see the thread-safety note above).
  enum class Use { kRead, kIterator };
  class Pin {
   public:
    explicit Pin(SuperVersionCache* cache, Use use = Use::kRead);
    ~Pin();
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;
    const SuperVersion* operator->() const { return held_->get(); }
    const SuperVersion& operator*() const { return **held_; }

   private:
    SuperVersionCache* const cache_;
    std::atomic<std::shared_ptr<const SuperVersion>*>* const slot_;
    std::shared_ptr<const SuperVersion>* held_;
  };

  // The current SuperVersion as a shared reference (slower: takes mu_).
  std::shared_ptr<const SuperVersion> Current();

 private:
  using Ref = std::shared_ptr<const SuperVersion>;
  // One cache line per slot: readers of different slots never share one.
  struct alignas(64) Slot {
    std::atomic<Ref*> ref{nullptr};
  };

  std::atomic<Ref*>* SlotOfThisThread(Use use);

  std::unique_ptr<Slot[]> slots_;  // 2 x num_slots_: a read and an iterator
  const size_t num_slots_;        // per kind
  std::mutex mu_;
  Ref current_ GUARDED_BY(mu_);
  // current_.get(), for the readers' check. A held reference keeps its
  // SuperVersion alive, so an old one's address is never reused while a
  // slot could compare it.
  std::atomic<const SuperVersion*> current_raw_{nullptr};
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_SUPER_VERSION_H_
