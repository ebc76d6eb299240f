// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DmAllocator hands out the heap region of a DM pool. Its whole state lives
// in DM (docs/dm_format.md, "Allocator") and is changed with 64-bit CAS
// alone, so any number of processes on any nodes can allocate from one pool
// with no lock and no memory-node CPU: a CXL expander with no CPU is a
// complete memory node.
//
// The heap is cut into chunks (PoolLayout::chunk_size) with one chunk word
// each. An allocation larger than chunk_size/8 is a run of whole chunks,
// claimed word by word (head first, in ascending order; a conflict rolls
// the claim back). Smaller ones come from slabs: a chunk holding blocks of
// one power-of-two size (64 B and up) with a bitmap in its first bytes. A
// slab belongs to one incarnation and only that incarnation allocates from
// it; any process may free into it.
//
// Owners and incarnations. Every allocator is opened with an owner id
// (1..max_owners-1, unique among live processes, e.g. the node id) and gets
// a fresh generation from the owner table (one FAA). Every chunk word
// records the owner and the generation's low 12 bits. A process that dies -
// even by SIGKILL in the middle of a claim - holds no lock; what it held is
// found by its (owner, generation) and freed by Reclaim* once the caller
// knows that incarnation is dead (a lease in the node table expired, or the
// owner restarted and calls ReclaimPredecessors).
//
// Thread safety: all methods may be called concurrently.
// REQUIRES: the Fabric outlives the allocator.

#ifndef O3LSM_INTERCONNECT_DM_ALLOCATOR_H_
#define O3LSM_INTERCONNECT_DM_ALLOCATOR_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "interconnect/dm_allocator_format.h"
#include "interconnect/fabric.h"
#include "util/mutex.h"

namespace o3lsm::fabric {

struct AllocatorStats {
  uint64_t chunk_size = 0;
  uint64_t chunk_count = 0;
  uint64_t free_chunks = 0;
  uint64_t run_chunks = 0;  // in live runs (heads and bodies)
  uint64_t slab_chunks = 0;
  uint64_t transient_chunks = 0;  // reserving or releasing (in flight/dead)
  // Length of the longest run of free chunks: the largest run allocation
  // that can succeed now.
  uint64_t largest_free_run = 0;
};

// A live run: an allocation of one chunk or more.
struct RunInfo {
  DmAddr addr;
  uint64_t bytes = 0;  // whole chunks
  uint16_t owner = 0;  // the node that allocated it
};

class DmAllocator {
 public:
  // Initialises the allocator region of a pool being formatted (header;
  // the owner and chunk tables must already be zero). Called by the pool
  // formatter, not by users.
  [[nodiscard]] static Status Format(Fabric* fabric);

  // Opens the allocator of fabric's pool for owner and starts a new
  // incarnation. Corruption if the allocator header fails validation,
  // InvalidArgument if owner is 0 or >= max_owners.
  [[nodiscard]] static Status Open(Fabric* fabric, uint16_t owner,
                                   std::unique_ptr<DmAllocator>* result);

  DmAllocator(const DmAllocator&) = delete;
  DmAllocator& operator=(const DmAllocator&) = delete;
  ~DmAllocator();

  // Allocates at least `size` bytes, 64-byte aligned, of this incarnation.
  // NoSpace when the heap has no room (never blocks, never crashes);
  // InvalidArgument for size 0.
  [[nodiscard]] Status Allocate(uint64_t size, DmAddr* addr);

  // Frees an allocation of this incarnation. InvalidArgument (naming the
  // address) if addr is not the start of a live allocation, belongs to
  // another incarnation, or was freed already; Corruption if the structures
  // it leads to fail their checks. Freeing an address that was freed and
  // re-allocated since cannot be detected.
  [[nodiscard]] Status Free(DmAddr addr);
  // Frees a live allocation made by any incarnation of owner (a restarted
  // owner, or a node freeing what another node handed over).
  [[nodiscard]] Status FreeForeign(DmAddr addr, uint16_t owner);

  // Bytes of the heap an allocation of `size` takes: whole chunks for a
  // run, a power-of-two block for a small one. 0 for size 0.
  uint64_t FootprintOf(uint64_t size) const;

  // Bytes usable at addr (the rounded-up size). Same errors as Free.
  [[nodiscard]] Status UsableSize(DmAddr addr, uint64_t* size);

  // Frees every chunk of incarnation (owner, generation), whatever state it
  // is in. REQUIRES: that incarnation is dead. *chunks (may be null)
  // receives how many chunks were freed.
  [[nodiscard]] Status ReclaimIncarnation(uint16_t owner, uint32_t generation,
                                          uint64_t* chunks);
  // Every incarnation of owner. REQUIRES: no incarnation of owner is alive
  // (and owner is not this allocator's).
  [[nodiscard]] Status ReclaimOwner(uint16_t owner, uint64_t* chunks);
  // Every earlier incarnation of this allocator's owner: what a restarted
  // process leaked before it died.
  [[nodiscard]] Status ReclaimPredecessors(uint64_t* chunks);

  // A scan of the chunk table.
  [[nodiscard]] Status GetStats(AllocatorStats* stats);
  // The live runs, in address order (a scan of the chunk table).
  [[nodiscard]] Status ListRuns(std::vector<RunInfo>* runs);

  uint16_t owner() const { return owner_; }
  // This incarnation's generation (full counter; chunk words keep 12 bits).
  uint64_t generation() const { return generation_; }
  uint64_t chunk_size() const { return chunk_size_; }
  uint64_t chunk_count() const { return chunk_count_; }

 private:
  // A slab of this incarnation. Changed only under its class's mu, which
  // is also held while this process clears a bit of the slab in DM (a free
  // of our own block), so the cache lags DM only by other incarnations' frees:
  // the cached bitmap is a superset of DM's, and free_hint never counts more
  // free blocks than DM has.
  struct Slab {
    uint64_t chunk = 0;
    std::vector<uint64_t> bitmap;  // cached; our bits set, others' may lag
    uint64_t free_hint = 0;        // at most the blocks free in DM
  };
  struct SizeClass {
    Mutex mu;
    std::vector<Slab> slabs GUARDED_BY(mu);
  };
  static constexpr int kNumClasses = 24;  // 64 B .. 512 MiB
  // Chunk words read per remote read while scanning the chunk table:
  // 64 KiB, one round trip for 8192 chunks.
  static constexpr uint64_t kScanWindow = 8192;

  DmAllocator(Fabric* fabric, uint16_t owner, uint64_t generation);

  DmAddr ChunkWordAddr(uint64_t chunk) const;
  DmAddr ChunkAddr(uint64_t chunk) const;
  uint64_t MyWord(ChunkState state, uint32_t payload) const;
  // Block geometry of a slab of block_size bytes.
  void SlabGeometry(uint64_t block_size, uint32_t* blocks,
                    uint32_t* header_blocks, uint32_t* bitmap_words) const;

  [[nodiscard]] Status AllocateRun(uint64_t chunks, ChunkState final_state,
                                   uint32_t final_payload, uint64_t* first);
  [[nodiscard]] Status TryClaimRun(uint64_t first, uint64_t n,
                                   ChunkState final_state,
                                   uint32_t final_payload, bool* claimed,
                                   uint64_t* conflict);
  [[nodiscard]] Status AllocateSmall(int cls, DmAddr* addr);
  [[nodiscard]] Status NewSlab(int cls, Slab* slab);
  [[nodiscard]] Status TakeBlock(int cls, Slab* slab, DmAddr* addr, bool* got);
  [[nodiscard]] Status RefreshSlab(Slab* slab);
  [[nodiscard]] Status RetireEmptySlabs(int cls, SizeClass* sc)
      EXCLUSIVE_LOCKS_REQUIRED(sc->mu);

  // Locates the allocation at addr: its first chunk and decoded word.
  [[nodiscard]] Status Locate(DmAddr addr, uint64_t* chunk, uint64_t* word);
  [[nodiscard]] Status ReadSlabHeader(uint64_t chunk, const ChunkWord& cw,
                                      uint32_t* block_size,
                                      uint32_t* header_blocks,
                                      uint32_t* blocks);
  [[nodiscard]] Status FreeChecked(DmAddr addr, uint16_t owner,
                                   bool any_generation);
  [[nodiscard]] Status FreeRun(DmAddr addr, uint64_t chunk, uint64_t word);
  [[nodiscard]] Status FreeBlock(DmAddr addr, uint64_t chunk,
                                 const ChunkWord& cw);
  template <typename Pred>
  [[nodiscard]] Status ReclaimMatching(Pred pred, uint64_t* chunks);
  // Calls fn with every chunk's number and word, in order, reading the
  // table a window at a time.
  [[nodiscard]] Status ScanChunkTable(
      const std::function<void(uint64_t chunk, uint64_t word)>& fn);
  // Reads chunk words [first, first+n) into out.
  [[nodiscard]] Status ReadChunkWords(uint64_t first, uint64_t n,
                                      uint64_t* out);
  [[nodiscard]] Status PersistWord(DmAddr word);
  // CAS of a word this process owns: *swapped false only if a fresh read
  // shows the word no longer holds expected.
  [[nodiscard]] Status SwapOwned(DmAddr word, uint64_t expected,
                                 uint64_t desired, bool* swapped);

  Fabric* const fabric_;
  const uint16_t owner_;
  const uint64_t generation_;
  uint64_t chunk_size_ = 0;
  uint64_t chunk_count_ = 0;
  uint64_t heap_offset_ = 0;
  uint64_t chunk_table_offset_ = 0;  // absolute pool offset
  uint64_t owner_table_offset_ = 0;  // absolute pool offset
  uint32_t max_owners_ = 0;
  std::atomic<uint64_t> run_cursor_{0};  // next-fit start for runs
  std::array<SizeClass, kNumClasses> classes_;
};

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_DM_ALLOCATOR_H_
