// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// MemArena is one contiguous, relocatable region of memory that a memtable
// lives in. Everything inside refers to everything else by 32-bit offsets
// from the region's base, never by pointers, so the used prefix
// [0, used()) can be moved to disaggregated memory with one bulk copy and
// searched where it lands (DESIGN.md §5).
//
// The region is reserved with mmap(MAP_NORESERVE): capacity costs address
// space only; memory is committed as pages are first touched, so
// MemoryUsage() (the used bytes) is what the process really spends.
//
// Offset 0 is never handed out (the arena header lives there), so 0 can mean
// "null" in offset links.
//
// Thread safety: Allocate may be called concurrently (lock-free); the
// returned bytes belong to the caller until published.

#ifndef O3LSM_LSM_MEMTABLE_ARENA_H_
#define O3LSM_LSM_MEMTABLE_ARENA_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace o3lsm {

class MemArena {
 public:
  // Bytes at the start of the region reserved for the owner's header.
  static constexpr uint32_t kHeaderSize = 64;
  // Offsets are 32-bit.
  static constexpr size_t kMaxCapacity = (size_t{1} << 32) - 4096;

  // REQUIRES: kHeaderSize < capacity <= kMaxCapacity. If the reservation
  // fails, ok() is false and every Allocate fails.
  explicit MemArena(size_t capacity);
  ~MemArena();
  MemArena(const MemArena&) = delete;
  MemArena& operator=(const MemArena&) = delete;

  bool ok() const { return base_ != nullptr; }

  // Returns the offset of n fresh bytes aligned to align (a power of two,
  // at most 64), or 0 if the arena cannot fit them.
  uint32_t Allocate(size_t n, size_t align);

  char* base() const { return base_; }
  size_t capacity() const { return capacity_; }
  // High-water mark of allocated bytes, header included.
  size_t used() const { return used_.load(std::memory_order_acquire); }
  size_t remaining() const { return capacity_ - used(); }

 private:
  char* base_;
  size_t capacity_;
  std::atomic<size_t> used_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_MEMTABLE_ARENA_H_
