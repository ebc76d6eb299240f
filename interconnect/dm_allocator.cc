// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/dm_allocator.h"

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>

#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::fabric {

namespace {

// Chunk-word CAS posted per batch when claiming or releasing a run.
constexpr size_t kCasBatch = 64;

std::string Hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
  return buf;
}

const char* StateName(ChunkState s) {
  switch (s) {
    case ChunkState::kFree:
      return "free";
    case ChunkState::kRunHead:
      return "run head";
    case ChunkState::kRunBody:
      return "run body";
    case ChunkState::kSlab:
      return "slab";
    case ChunkState::kReserving:
      return "reserving";
    case ChunkState::kReleasing:
      return "releasing";
  }
  return "unknown";
}

bool KnownState(ChunkState s) {
  return static_cast<uint8_t>(s) <=
         static_cast<uint8_t>(ChunkState::kReleasing);
}

}  // namespace

// ---------------------------------------------------------------- format

Status DmAllocator::Format(Fabric* fabric) {
  const PoolInfo& p = fabric->pool();
  const Region& r = p.region(RegionKind::kAllocator);
  const Region& heap = p.region(RegionKind::kHeap);
  const uint64_t chunks = heap.length / p.chunk_size;
  char h[kAllocatorHeaderSize] = {};
  EncodeFixed64(h + alloc_header::kMagic, kAllocatorMagic);
  EncodeFixed32(h + alloc_header::kVersion, kAllocatorVersion);
  EncodeFixed32(h + alloc_header::kMaxOwners, p.max_owners);
  EncodeFixed64(h + alloc_header::kChunkSize, p.chunk_size);
  EncodeFixed64(h + alloc_header::kChunkCount, chunks);
  EncodeFixed64(h + alloc_header::kHeapOffset, heap.offset);
  EncodeFixed64(h + alloc_header::kOwnerTable, kAllocatorHeaderSize);
  EncodeFixed64(h + alloc_header::kChunkTable,
                kAllocatorHeaderSize + uint64_t{p.max_owners} * 8);
  EncodeFixed64(h + alloc_header::kChecksum,
                Checksum64(h, alloc_header::kChecksum, kAllocatorMagic));
  const DmAddr at(p.pool_id, r.offset);
  Status s = fabric->Write(at, h, sizeof(h));
  if (s.ok()) s = fabric->Persist(at, sizeof(h));
  return s;
}

Status DmAllocator::Open(Fabric* fabric, uint16_t owner,
                         std::unique_ptr<DmAllocator>* result) {
  const PoolInfo& p = fabric->pool();
  const Region& r = p.region(RegionKind::kAllocator);
  const Region& heap = p.region(RegionKind::kHeap);
  const DmAddr at(p.pool_id, r.offset);
  char h[kAllocatorHeaderSize];
  Status s = fabric->Read(at, h, sizeof(h));
  if (!s.ok()) return s;
  const std::string where = "DM allocator header at " + at.ToString();
  if (DecodeFixed64(h + alloc_header::kMagic) != kAllocatorMagic) {
    return Status::Corruption(where, "bad magic " + Hex(DecodeFixed64(h)) +
                                         " (pool not formatted by o3lsm?)");
  }
  if (DecodeFixed32(h + alloc_header::kVersion) != kAllocatorVersion) {
    return Status::NotSupported(
        where,
        "version " + std::to_string(DecodeFixed32(h + alloc_header::kVersion)));
  }
  const uint64_t stored = DecodeFixed64(h + alloc_header::kChecksum);
  const uint64_t computed =
      Checksum64(h, alloc_header::kChecksum, kAllocatorMagic);
  if (stored != computed) {
    return Status::Corruption(where, "checksum mismatch: stored " +
                                         Hex(stored) + ", computed " +
                                         Hex(computed));
  }
  const uint32_t max_owners = DecodeFixed32(h + alloc_header::kMaxOwners);
  const uint64_t chunk_size = DecodeFixed64(h + alloc_header::kChunkSize);
  const uint64_t chunk_count = DecodeFixed64(h + alloc_header::kChunkCount);
  const uint64_t heap_offset = DecodeFixed64(h + alloc_header::kHeapOffset);
  const uint64_t owner_table = DecodeFixed64(h + alloc_header::kOwnerTable);
  const uint64_t chunk_table = DecodeFixed64(h + alloc_header::kChunkTable);
  auto bad = [&](const char* field, uint64_t v) {
    return Status::Corruption(where, std::string("field ") + field + " = " +
                                         Hex(v) +
                                         " disagrees with the superblock");
  };
  if (max_owners != p.max_owners) return bad("max_owners", max_owners);
  if (chunk_size != p.chunk_size) return bad("chunk_size", chunk_size);
  if (chunk_count != heap.length / p.chunk_size) {
    return bad("chunk_count", chunk_count);
  }
  if (heap_offset != heap.offset) return bad("heap_offset", heap_offset);
  if (owner_table < kAllocatorHeaderSize ||
      owner_table + uint64_t{max_owners} * 8 > chunk_table) {
    return bad("owner_table", owner_table);
  }
  if (chunk_table > r.length || chunk_count * 8 > r.length - chunk_table) {
    return bad("chunk_table", chunk_table);
  }
  if (owner == 0 || owner >= max_owners) {
    return Status::InvalidArgument(
        "DM allocator owner " + std::to_string(owner),
        "owner ids are 1.." + std::to_string(max_owners - 1));
  }
  // A new incarnation: the owner's generation counter, bumped by one FAA.
  uint64_t previous = 0;
  s = fabric->FetchAndAdd64(at + owner_table + uint64_t{owner} * 8, 1,
                            &previous);
  if (!s.ok()) return s;
  std::unique_ptr<DmAllocator> a(new DmAllocator(fabric, owner, previous + 1));
  a->chunk_size_ = chunk_size;
  a->chunk_count_ = chunk_count;
  a->heap_offset_ = heap_offset;
  a->chunk_table_offset_ = r.offset + chunk_table;
  a->owner_table_offset_ = r.offset + owner_table;
  a->max_owners_ = max_owners;
  // Owners start their next-fit search at different places so that they
  // rarely race for the same chunks.
  a->run_cursor_ = (uint64_t{owner} * 0x9E3779B1u) % chunk_count;
  *result = std::move(a);
  return Status::OK();
}

DmAllocator::DmAllocator(Fabric* fabric, uint16_t owner, uint64_t generation)
    : fabric_(fabric), owner_(owner), generation_(generation) {}

DmAllocator::~DmAllocator() = default;

// ---------------------------------------------------------------- helpers

DmAddr DmAllocator::ChunkWordAddr(uint64_t chunk) const {
  return DmAddr(fabric_->pool_id(), chunk_table_offset_ + chunk * 8);
}

DmAddr DmAllocator::ChunkAddr(uint64_t chunk) const {
  return DmAddr(fabric_->pool_id(), heap_offset_ + chunk * chunk_size_);
}

uint64_t DmAllocator::MyWord(ChunkState state, uint32_t payload) const {
  ChunkWord w;
  w.state = state;
  w.owner = owner_;
  w.generation = static_cast<uint32_t>(generation_) & kGenerationMask;
  w.payload = payload;
  return w.Encode();
}

void DmAllocator::SlabGeometry(uint64_t block_size, uint32_t* blocks,
                               uint32_t* header_blocks,
                               uint32_t* bitmap_words) const {
  *blocks = static_cast<uint32_t>(chunk_size_ / block_size);
  *bitmap_words = (*blocks + 63) / 64;
  const uint64_t header_bytes = kSlabHeaderSize + uint64_t{*bitmap_words} * 8;
  *header_blocks =
      static_cast<uint32_t>((header_bytes + block_size - 1) / block_size);
}

Status DmAllocator::ReadChunkWords(uint64_t first, uint64_t n, uint64_t* out) {
  return fabric_->Read(ChunkWordAddr(first), out, n * 8);
}

Status DmAllocator::PersistWord(DmAddr word) {
  if (!fabric_->persistent()) return Status::OK();
  return fabric_->Persist(word, 8);
}

Status DmAllocator::SwapOwned(DmAddr word, uint64_t expected, uint64_t desired,
                              bool* swapped) {
  // A CAS reports failure only with the value it found; re-reading before
  // believing it keeps a lost or garbled atomic response (a flaky link, a
  // fault injector) from being taken for a concurrent change.
  *swapped = false;
  for (int attempt = 0; attempt < 8; attempt++) {
    uint64_t observed = 0;
    Status s = fabric_->CompareAndSwap64(word, expected, desired, &observed);
    if (!s.ok()) return s;
    if (observed == expected) {
      *swapped = true;
      return Status::OK();
    }
    uint64_t now = 0;
    s = fabric_->Read(word, &now, 8);
    if (!s.ok() || now != expected) return s;
  }
  return Status::OK();
}

// ---------------------------------------------------------------- runs

Status DmAllocator::TryClaimRun(uint64_t first, uint64_t n,
                                ChunkState final_state, uint32_t final_payload,
                                bool* claimed, uint64_t* conflict) {
  *claimed = false;
  const uint64_t final_word = MyWord(final_state, final_payload);
  // The head goes first, straight to its final state when there is nothing
  // else to claim; otherwise as "reserving", so that a claimer that dies
  // half-way leaves a run that is visibly incomplete (and reclaimable).
  const uint64_t head_word =
      n == 1 ? final_word
             : MyWord(ChunkState::kReserving, static_cast<uint32_t>(n));
  uint64_t observed = 0;
  Status s =
      fabric_->CompareAndSwap64(ChunkWordAddr(first), 0, head_word, &observed);
  if (!s.ok()) return s;
  if (observed != 0) {
    *conflict = first;
    return Status::OK();
  }
  // Bodies, kCasBatch per round trip, in ascending order.
  std::vector<uint64_t> results(std::min<uint64_t>(n, kCasBatch));
  std::vector<WorkRequest> batch;
  uint64_t done = 1;  // chunks [first, first+done) are ours
  uint64_t failed_at = 0;
  while (done < n && failed_at == 0) {
    const uint64_t m = std::min<uint64_t>(n - done, kCasBatch);
    batch.clear();
    for (uint64_t j = 0; j < m; j++) {
      const uint64_t idx = done + j;
      batch.push_back(WorkRequest::CompareAndSwap(
          ChunkWordAddr(first + idx), 0,
          MyWord(ChunkState::kRunBody, static_cast<uint32_t>(idx)),
          &results[j]));
    }
    s = fabric_->Execute(batch);
    if (!s.ok()) return s;  // claimed words stay ours: reclaimable
    for (uint64_t j = 0; j < m; j++) {
      if (results[j] != 0 && failed_at == 0) failed_at = done + j;
    }
    if (failed_at == 0) {
      done += m;
    } else {
      // Undo the bodies of this batch that did get claimed.
      for (uint64_t j = 0; j < m; j++) {
        if (results[j] == 0) {
          const uint64_t idx = done + j;
          bool swapped = false;
          s = SwapOwned(
              ChunkWordAddr(first + idx),
              MyWord(ChunkState::kRunBody, static_cast<uint32_t>(idx)), 0,
              &swapped);
          if (!s.ok()) return s;
        }
      }
    }
  }
  bool swapped = false;
  if (failed_at != 0) {
    for (uint64_t idx = done; idx-- > 1;) {
      s = SwapOwned(ChunkWordAddr(first + idx),
                    MyWord(ChunkState::kRunBody, static_cast<uint32_t>(idx)), 0,
                    &swapped);
      if (!s.ok()) return s;
    }
    s = SwapOwned(ChunkWordAddr(first), head_word, 0, &swapped);
    if (!s.ok()) return s;
    *conflict = first + failed_at;
    return Status::OK();
  }
  if (n > 1) {
    s = SwapOwned(ChunkWordAddr(first), head_word, final_word, &swapped);
    if (!s.ok()) return s;
    if (!swapped) {
      return Status::Corruption(
          "DM allocator chunk word " + ChunkWordAddr(first).ToString(),
          "reserved head changed under its claimer (reclaimed while alive?)");
    }
  }
  if (fabric_->persistent()) {
    s = fabric_->Persist(ChunkWordAddr(first), n * 8);
    if (!s.ok()) return s;
  }
  *claimed = true;
  return Status::OK();
}

Status DmAllocator::AllocateRun(uint64_t n, ChunkState final_state,
                                uint32_t final_payload, uint64_t* first) {
  if (n == 0 || n > chunk_count_ || n > UINT32_MAX) {
    return Status::NoSpace(
        "DM heap of pool " + std::to_string(fabric_->pool_id()),
        "a run of " + std::to_string(n) + " chunks is larger than the heap");
  }
  const uint64_t start =
      run_cursor_.load(std::memory_order_relaxed) % chunk_count_;
  std::vector<uint64_t> window;
  uint64_t window_first = 0;
  auto load = [&](uint64_t i, uint64_t* w) -> Status {
    if (window.empty() || i < window_first ||
        i >= window_first + window.size()) {
      window_first = i;
      window.resize(std::min(kScanWindow, chunk_count_ - i));
      Status s = ReadChunkWords(i, window.size(), window.data());
      if (!s.ok()) {
        window.clear();
        return s;
      }
    }
    *w = window[i - window_first];
    return Status::OK();
  };
  // Next fit: [start, count), then [0, start + n - 1) so that a run that
  // straddles start is found too.
  const uint64_t segments[2][2] = {{start, chunk_count_},
                                   {0, std::min(chunk_count_, start + n - 1)}};
  for (const auto& seg : segments) {
    uint64_t run_start = seg[0];
    uint64_t run_len = 0;
    for (uint64_t i = seg[0]; i < seg[1]; i++) {
      uint64_t w;
      Status s = load(i, &w);
      if (!s.ok()) return s;
      if (w != 0) {
        run_len = 0;
        run_start = i + 1;
        continue;
      }
      if (++run_len < n) continue;
      bool claimed = false;
      uint64_t conflict = 0;
      s = TryClaimRun(run_start, n, final_state, final_payload, &claimed,
                      &conflict);
      if (!s.ok()) return s;
      if (claimed) {
        run_cursor_.store(run_start + n, std::memory_order_relaxed);
        *first = run_start;
        return Status::OK();
      }
      // Someone took a chunk of the run: resume after it with fresh words.
      window.clear();
      run_len = 0;
      run_start = conflict + 1;
      i = conflict;
    }
  }
  return Status::NoSpace(
      "DM heap of pool " + std::to_string(fabric_->pool_id()),
      "no run of " + std::to_string(n) + " free chunks of " +
          std::to_string(chunk_size_) + " bytes");
}

// ---------------------------------------------------------------- slabs

Status DmAllocator::NewSlab(int cls, Slab* slab) {
  uint64_t chunk = 0;
  Status s =
      AllocateRun(1, ChunkState::kSlab, static_cast<uint32_t>(cls), &chunk);
  if (!s.ok()) return s;
  const uint64_t block_size = kMinBlockSize << cls;
  uint32_t blocks, header_blocks, bitmap_words;
  SlabGeometry(block_size, &blocks, &header_blocks, &bitmap_words);
  std::vector<uint64_t> bitmap(bitmap_words, 0);
  for (uint32_t b = 0; b < header_blocks; b++)
    bitmap[b / 64] |= 1ull << (b % 64);
  for (uint32_t b = blocks; b < bitmap_words * 64; b++) {
    bitmap[b / 64] |= 1ull << (b % 64);  // past the chunk: never free
  }
  std::string image(kSlabHeaderSize + bitmap_words * 8, '\0');
  char* h = image.data();
  EncodeFixed64(h + slab_header::kMagic, kSlabMagic);
  EncodeFixed64(h + slab_header::kChunkIndex, chunk);
  EncodeFixed32(h + slab_header::kBlockSize, static_cast<uint32_t>(block_size));
  EncodeFixed32(h + slab_header::kBlockCount, blocks);
  EncodeFixed32(h + slab_header::kHeaderBlocks, header_blocks);
  EncodeFixed16(h + slab_header::kOwner, owner_);
  EncodeFixed32(h + slab_header::kGeneration,
                static_cast<uint32_t>(generation_) & kGenerationMask);
  EncodeFixed32(h + slab_header::kBitmapWords, bitmap_words);
  EncodeFixed64(h + slab_header::kChecksum,
                Checksum64(h, slab_header::kChecksum,
                           heap_offset_ + chunk * chunk_size_));
  memcpy(h + kSlabHeaderSize, bitmap.data(), bitmap_words * 8);
  s = fabric_->Write(ChunkAddr(chunk), image.data(), image.size());
  if (s.ok()) s = fabric_->Persist(ChunkAddr(chunk), image.size());
  if (!s.ok()) return s;
  slab->chunk = chunk;
  slab->bitmap = std::move(bitmap);
  slab->free_hint = blocks - header_blocks;
  return Status::OK();
}

Status DmAllocator::TakeBlock(int cls, Slab* slab, DmAddr* addr, bool* got) {
  *got = false;
  const uint64_t block_size = kMinBlockSize << cls;
  const DmAddr bitmap_at = ChunkAddr(slab->chunk) + kSlabHeaderSize;
  for (size_t w = 0; w < slab->bitmap.size(); w++) {
    // Only this incarnation sets bits of its slabs, so a bit clear in the
    // cached word is clear in DM too; the CAS settles the rest.
    while (~slab->bitmap[w] != 0) {
      const uint64_t cached = slab->bitmap[w];
      const int bit = std::countr_zero(~cached);
      const uint64_t desired = cached | (1ull << bit);
      uint64_t observed = 0;
      Status s = fabric_->CompareAndSwap64(bitmap_at + w * 8, cached, desired,
                                           &observed);
      if (!s.ok()) return s;
      if (observed != cached) {
        // Others freed blocks meanwhile; take the word as it is now.
        s = fabric_->Read(bitmap_at + w * 8, &slab->bitmap[w], 8);
        if (!s.ok()) return s;
        continue;
      }
      slab->bitmap[w] = desired;
      if (slab->free_hint > 0) slab->free_hint--;
      s = PersistWord(bitmap_at + w * 8);
      if (!s.ok()) return s;
      *addr = ChunkAddr(slab->chunk) + (w * 64 + bit) * block_size;
      *got = true;
      return Status::OK();
    }
  }
  slab->free_hint = 0;
  return Status::OK();
}

Status DmAllocator::RefreshSlab(Slab* slab) {
  Status s = fabric_->Read(ChunkAddr(slab->chunk) + kSlabHeaderSize,
                           slab->bitmap.data(), slab->bitmap.size() * 8);
  if (!s.ok()) return s;
  uint64_t free_blocks = 0;
  for (uint64_t w : slab->bitmap) free_blocks += std::popcount(~w);
  slab->free_hint = free_blocks;
  return Status::OK();
}

Status DmAllocator::RetireEmptySlabs(int cls, SizeClass* sc) {
  const uint64_t block_size = kMinBlockSize << cls;
  uint32_t blocks, header_blocks, bitmap_words;
  SlabGeometry(block_size, &blocks, &header_blocks, &bitmap_words);
  const uint64_t usable = blocks - header_blocks;
  // Keep one slab of the class, so that alloc/free of one block does not
  // claim and release a chunk every time.
  for (size_t i = 0; i < sc->slabs.size() && sc->slabs.size() > 1;) {
    if (sc->slabs[i].free_hint != usable) {
      i++;
      continue;
    }
    // The count says empty; make sure with a fresh read of the bitmap.
    // Only this incarnation sets bits of the slab, and only under sc->mu,
    // which we hold: a slab empty in DM now stays empty until we give it
    // back, and nobody can be freeing into it (all its blocks are free).
    Status s = RefreshSlab(&sc->slabs[i]);
    if (!s.ok()) return s;
    if (sc->slabs[i].free_hint != usable) {
      i++;
      continue;
    }
    bool swapped = false;
    s = SwapOwned(ChunkWordAddr(sc->slabs[i].chunk),
                  MyWord(ChunkState::kSlab, static_cast<uint32_t>(cls)), 0,
                  &swapped);
    if (!s.ok()) return s;
    if (!swapped) {
      return Status::Corruption(
          "DM allocator slab " + ChunkAddr(sc->slabs[i].chunk).ToString(),
          "chunk word changed under its owner");
    }
    s = PersistWord(ChunkWordAddr(sc->slabs[i].chunk));
    if (!s.ok()) return s;
    sc->slabs.erase(sc->slabs.begin() + static_cast<ptrdiff_t>(i));
  }
  return Status::OK();
}

Status DmAllocator::AllocateSmall(int cls, DmAddr* addr) {
  SizeClass& sc = classes_[cls];
  MutexLock lock(&sc.mu);
  for (int attempt = 0; attempt < 2; attempt++) {
    for (size_t i = sc.slabs.size(); i-- > 0;) {
      if (sc.slabs[i].free_hint == 0) continue;
      bool got = false;
      Status s = TakeBlock(cls, &sc.slabs[i], addr, &got);
      if (!s.ok() || got) return s;
    }
    if (attempt == 0) {
      // Full as far as we know: look for blocks other processes freed.
      for (Slab& slab : sc.slabs) {
        Status s = RefreshSlab(&slab);
        if (!s.ok()) return s;
      }
      Status s = RetireEmptySlabs(cls, &sc);
      if (!s.ok()) return s;
    }
  }
  Slab slab;
  Status s = NewSlab(cls, &slab);
  if (!s.ok()) return s;
  bool got = false;
  s = TakeBlock(cls, &slab, addr, &got);
  sc.slabs.push_back(std::move(slab));
  if (s.ok() && !got) {
    return Status::Corruption("DM allocator", "a new slab had no free block");
  }
  return s;
}

// ---------------------------------------------------------------- allocate

uint64_t DmAllocator::FootprintOf(uint64_t size) const {
  if (size == 0) return 0;
  if (size <= chunk_size_ / kMinBlocksPerSlab) {
    return std::bit_ceil(std::max(size, kMinBlockSize));
  }
  return (size + chunk_size_ - 1) / chunk_size_ * chunk_size_;
}

Status DmAllocator::Allocate(uint64_t size, DmAddr* addr) {
  if (size == 0) {
    return Status::InvalidArgument("DM allocation of 0 bytes");
  }
  if (size <= chunk_size_ / kMinBlocksPerSlab) {
    const uint64_t block = std::bit_ceil(std::max(size, kMinBlockSize));
    const int cls = std::countr_zero(block) - std::countr_zero(kMinBlockSize);
    return AllocateSmall(cls, addr);
  }
  const uint64_t chunks = (size + chunk_size_ - 1) / chunk_size_;
  uint64_t first = 0;
  Status s = AllocateRun(
      chunks, ChunkState::kRunHead,
      static_cast<uint32_t>(std::min<uint64_t>(chunks, UINT32_MAX)), &first);
  if (s.ok()) *addr = ChunkAddr(first);
  return s;
}

// ---------------------------------------------------------------- free

Status DmAllocator::Locate(DmAddr addr, uint64_t* chunk, uint64_t* word) {
  const std::string what = "DM address " + addr.ToString();
  if (addr.pool() != fabric_->pool_id()) {
    return Status::InvalidArgument(
        what,
        "not in this allocator's pool " + std::to_string(fabric_->pool_id()));
  }
  if (addr.offset() < heap_offset_ ||
      addr.offset() - heap_offset_ >= chunk_count_ * chunk_size_) {
    return Status::InvalidArgument(what, "outside the heap");
  }
  if (addr.offset() % kMinBlockSize != 0) {
    return Status::InvalidArgument(what,
                                   "not 64-byte aligned: not an "
                                   "allocation");
  }
  *chunk = (addr.offset() - heap_offset_) / chunk_size_;
  Status s = ReadChunkWords(*chunk, 1, word);
  if (!s.ok()) return s;
  const ChunkWord cw = ChunkWord::Decode(*word);
  if (!KnownState(cw.state)) {
    return Status::Corruption(
        what, "chunk word " + ChunkWordAddr(*chunk).ToString() + " = " +
                  Hex(*word) + " has an unknown state");
  }
  if (cw.state == ChunkState::kFree) {
    return Status::InvalidArgument(what, "not allocated (double free?)");
  }
  if (cw.state == ChunkState::kRunBody || cw.state == ChunkState::kReserving ||
      cw.state == ChunkState::kReleasing) {
    return Status::InvalidArgument(what, std::string("chunk is a ") +
                                             StateName(cw.state) +
                                             ", not an allocation's start");
  }
  if (cw.state == ChunkState::kRunHead && addr != ChunkAddr(*chunk)) {
    return Status::InvalidArgument(what, "inside a run, not its start");
  }
  return Status::OK();
}

Status DmAllocator::ReadSlabHeader(uint64_t chunk, const ChunkWord& cw,
                                   uint32_t* block_size,
                                   uint32_t* header_blocks, uint32_t* blocks) {
  char h[kSlabHeaderSize];
  Status s = fabric_->Read(ChunkAddr(chunk), h, sizeof(h));
  if (!s.ok()) return s;
  const std::string where = "DM slab header at " + ChunkAddr(chunk).ToString();
  if (DecodeFixed64(h + slab_header::kMagic) != kSlabMagic) {
    return Status::Corruption(where, "bad magic");
  }
  if (DecodeFixed64(h + slab_header::kChecksum) !=
      Checksum64(h, slab_header::kChecksum,
                 heap_offset_ + chunk * chunk_size_)) {
    return Status::Corruption(where, "checksum mismatch");
  }
  *block_size = DecodeFixed32(h + slab_header::kBlockSize);
  *blocks = DecodeFixed32(h + slab_header::kBlockCount);
  *header_blocks = DecodeFixed32(h + slab_header::kHeaderBlocks);
  uint32_t want_blocks, want_header, want_words;
  const uint64_t want_size =
      cw.payload < kNumClasses ? kMinBlockSize << cw.payload : 0;
  if (want_size != 0) {
    SlabGeometry(want_size, &want_blocks, &want_header, &want_words);
  }
  if (want_size == 0 || *block_size != want_size || *blocks != want_blocks ||
      *header_blocks != want_header ||
      DecodeFixed32(h + slab_header::kBitmapWords) != want_words ||
      DecodeFixed64(h + slab_header::kChunkIndex) != chunk ||
      DecodeFixed16(h + slab_header::kOwner) != cw.owner ||
      DecodeFixed32(h + slab_header::kGeneration) != cw.generation) {
    return Status::Corruption(where, "disagrees with its chunk word " +
                                         ChunkWordAddr(chunk).ToString());
  }
  return Status::OK();
}

Status DmAllocator::FreeRun(DmAddr addr, uint64_t chunk, uint64_t word) {
  const ChunkWord cw = ChunkWord::Decode(word);
  const uint64_t n = cw.payload;
  const std::string what = "DM address " + addr.ToString();
  if (n == 0 || n > chunk_count_ - chunk) {
    return Status::Corruption(
        what, "run head " + Hex(word) + " has an impossible length");
  }
  ChunkWord releasing = cw;
  releasing.state = ChunkState::kReleasing;
  bool swapped = false;
  Status s =
      SwapOwned(ChunkWordAddr(chunk), word, releasing.Encode(), &swapped);
  if (!s.ok()) return s;
  if (!swapped) {
    return Status::InvalidArgument(what, "freed concurrently (double free?)");
  }
  std::vector<uint64_t> results(std::min<uint64_t>(n, kCasBatch));
  std::vector<uint64_t> expected(results.size());
  std::vector<WorkRequest> batch;
  uint64_t mismatches = 0;
  for (uint64_t done = 1; done < n;) {
    const uint64_t m = std::min<uint64_t>(n - done, kCasBatch);
    batch.clear();
    for (uint64_t j = 0; j < m; j++) {
      ChunkWord body = cw;
      body.state = ChunkState::kRunBody;
      body.payload = static_cast<uint32_t>(done + j);
      expected[j] = body.Encode();
      batch.push_back(WorkRequest::CompareAndSwap(
          ChunkWordAddr(chunk + done + j), expected[j], 0, &results[j]));
    }
    s = fabric_->Execute(batch);
    if (!s.ok()) return s;
    for (uint64_t j = 0; j < m; j++) {
      if (results[j] == expected[j]) continue;
      s = SwapOwned(ChunkWordAddr(chunk + done + j), expected[j], 0, &swapped);
      if (!s.ok()) return s;
      if (!swapped) mismatches++;
    }
    done += m;
  }
  s = SwapOwned(ChunkWordAddr(chunk), releasing.Encode(), 0, &swapped);
  if (s.ok() && fabric_->persistent()) {
    s = fabric_->Persist(ChunkWordAddr(chunk), n * 8);
  }
  if (!s.ok()) return s;
  if (mismatches > 0) {
    return Status::Corruption(what, std::to_string(mismatches) +
                                        " chunk words of the run did not "
                                        "belong to it");
  }
  return Status::OK();
}

Status DmAllocator::FreeBlock(DmAddr addr, uint64_t chunk,
                              const ChunkWord& cw) {
  uint32_t block_size, header_blocks, blocks;
  Status s = ReadSlabHeader(chunk, cw, &block_size, &header_blocks, &blocks);
  if (!s.ok()) return s;
  const std::string what = "DM address " + addr.ToString();
  const uint64_t rel = addr.offset() - ChunkAddr(chunk).offset();
  if (rel % block_size != 0) {
    return Status::InvalidArgument(
        what,
        "not the start of a " + std::to_string(block_size) + "-byte block");
  }
  const uint64_t idx = rel / block_size;
  if (idx < header_blocks) {
    return Status::InvalidArgument(what, "inside a slab header");
  }
  const DmAddr word_at = ChunkAddr(chunk) + kSlabHeaderSize + (idx / 64) * 8;
  const uint64_t bit = 1ull << (idx % 64);
  auto clear_bit = [&]() -> Status {
    uint64_t v = 0;
    Status st = fabric_->Read(word_at, &v, 8);
    while (st.ok()) {
      if ((v & bit) == 0) {
        return Status::InvalidArgument(what, "not allocated (double free?)");
      }
      uint64_t observed = 0;
      st = fabric_->CompareAndSwap64(word_at, v, v & ~bit, &observed);
      if (!st.ok() || observed == v) break;
      st = fabric_->Read(word_at, &v, 8);  // trust a fresh read, not the CAS
    }
    if (st.ok()) st = PersistWord(word_at);
    return st;
  };
  if (cw.owner != owner_ ||
      cw.generation != (static_cast<uint32_t>(generation_) & kGenerationMask) ||
      cw.payload >= kNumClasses) {
    return clear_bit();
  }
  // Our own slab. The bit is cleared in DM and in the cache under the
  // class's lock, as one step for the other threads of this incarnation:
  // were the lock taken only after the DM CAS, another thread could re-read
  // the bitmap (RefreshSlab, or TakeBlock after a failed CAS), take the
  // block again and set its cached bit, and this free would then clear that
  // bit and count the block free a second time - a slab whose count runs
  // ahead is given back while a block in it is live.
  const int cls = static_cast<int>(cw.payload);
  SizeClass& sc = classes_[cls];
  MutexLock lock(&sc.mu);
  s = clear_bit();
  if (!s.ok()) return s;
  for (Slab& slab : sc.slabs) {
    if (slab.chunk != chunk) continue;
    if (slab.bitmap[idx / 64] & bit) {
      slab.bitmap[idx / 64] &= ~bit;
      slab.free_hint++;
    }
    break;
  }
  // Give back a slab gone empty.
  return RetireEmptySlabs(cls, &sc);
}

Status DmAllocator::FreeChecked(DmAddr addr, uint16_t owner,
                                bool any_generation) {
  uint64_t chunk = 0, word = 0;
  Status s = Locate(addr, &chunk, &word);
  if (!s.ok()) return s;
  const ChunkWord cw = ChunkWord::Decode(word);
  const uint32_t gen = static_cast<uint32_t>(generation_) & kGenerationMask;
  if (cw.owner != owner || (!any_generation && cw.generation != gen)) {
    return Status::InvalidArgument(
        "DM address " + addr.ToString(),
        "belongs to owner " + std::to_string(cw.owner) + " generation " +
            std::to_string(cw.generation) + ", not to owner " +
            std::to_string(owner) +
            (any_generation ? "" : " generation " + std::to_string(gen)));
  }
  if (cw.state == ChunkState::kRunHead) return FreeRun(addr, chunk, word);
  return FreeBlock(addr, chunk, cw);
}

Status DmAllocator::Free(DmAddr addr) {
  return FreeChecked(addr, owner_, false);
}

Status DmAllocator::FreeForeign(DmAddr addr, uint16_t owner) {
  return FreeChecked(addr, owner, true);
}

Status DmAllocator::UsableSize(DmAddr addr, uint64_t* size) {
  uint64_t chunk = 0, word = 0;
  Status s = Locate(addr, &chunk, &word);
  if (!s.ok()) return s;
  const ChunkWord cw = ChunkWord::Decode(word);
  if (cw.state == ChunkState::kRunHead) {
    *size = uint64_t{cw.payload} * chunk_size_;
    return Status::OK();
  }
  uint32_t block_size, header_blocks, blocks;
  s = ReadSlabHeader(chunk, cw, &block_size, &header_blocks, &blocks);
  if (s.ok()) *size = block_size;
  return s;
}

}  // namespace o3lsm::fabric
