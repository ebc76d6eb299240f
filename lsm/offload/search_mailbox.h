// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The mailboxes of delegated search, in the pool's mailbox region
// (docs/offload.md, "Delegated search"). Layout, from the region's start:
//
//   [0, 4096)      left to plain doorbell words (tests, fabric_bench)
//   4096 header    +0 magic | +8 slot size | +16 slot count |
//                  +24 request bell: compute nodes ring it after posting
//                  +32 search threads serving (memory nodes add theirs)
//                  +40 server heartbeat (FAA by each serving thread)
//                  +48 requests served | +56 CPU microseconds spent serving
//   8192 slots     slot_count x slot_size bytes, each:
//                  +0  owner (CAS): 0 free, else OwnerWord(node, inc.)
//                  +8  request word: (length << 40) | id, written by the
//                      owner after the request body
//                  +16 reply word: (length << 40) | id, written by the
//                      server after the reply body; the owner waits on it
//                  +24 taken: the id a server thread took (CAS)
//                  +64 body: the request, then the reply over it
//
// A compute node claims a few slots when it joins and owns them until it
// leaves; a dead node's slots go back with its other DM state (the
// reaper, or the database's next incarnation).
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_LSM_OFFLOAD_SEARCH_MAILBOX_H_
#define O3LSM_LSM_OFFLOAD_SEARCH_MAILBOX_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "interconnect/fabric.h"
#include "o3lsm/status.h"

namespace o3lsm {

class SearchMailboxes {
 public:
  static constexpr uint64_t kMagic = 0x31584f424c49414dull;  // "MAILBOX1"
  static constexpr uint64_t kAreaOffset = 4096;
  static constexpr uint64_t kSlotsOffset = 8192;
  static constexpr uint32_t kSlotSize = 4096;
  static constexpr uint32_t kBodyOffset = 64;
  static constexpr int kIdBits = 40;
  static constexpr uint64_t kIdMask = (uint64_t{1} << kIdBits) - 1;

  // Header words.
  enum HeaderWord : uint64_t {
    kMagicWord = 0,
    kSlotSizeWord = 8,
    kSlotCountWord = 16,
    kRequestBell = 24,
    kServerThreads = 32,
    kServerHeartbeat = 40,
    kServed = 48,
    kServeMicros = 56,
  };
  // Slot words.
  enum SlotWord : uint64_t {
    kOwner = 0,
    kRequest = 8,
    kReply = 16,
    kTaken = 24,
  };

  static uint64_t OwnerWord(uint16_t node, uint64_t incarnation) {
    return (uint64_t{node} << 48) | (incarnation & ((uint64_t{1} << 48) - 1)) |
           (incarnation == 0 ? 1 : 0);
  }
  static uint16_t OwnerNode(uint64_t owner) {
    return static_cast<uint16_t>(owner >> 48);
  }
  static uint64_t MessageWord(uint64_t length, uint64_t id) {
    return (length << kIdBits) | (id & kIdMask);
  }

  // Writes the header where the region has none. Idempotent and safe
  // against concurrent callers; Corruption if the header is damaged, or
  // OK with no slots if the region is too small.
  static Status EnsureFormatted(fabric::Fabric* fabric);
  // Reads the header. NotFound if the pool was never formatted for search.
  static Status Open(fabric::Fabric* fabric,
                     std::unique_ptr<SearchMailboxes>* mailboxes);

  fabric::Fabric* fabric() const { return fabric_; }
  uint32_t slot_count() const { return slot_count_; }
  uint32_t body_capacity() const { return kSlotSize - kBodyOffset; }
  fabric::DmAddr Header(HeaderWord w) const { return area_ + w; }
  // Bytes from the header to the end of the last slot, and where in them
  // a slot's word or body lies (for a server that maps them).
  uint64_t area_bytes() const { return SlotOffset(slot_count_, kOwner); }
  static uint64_t SlotOffset(uint32_t slot, uint64_t within) {
    return (kSlotsOffset - kAreaOffset) + uint64_t{slot} * kSlotSize + within;
  }
  fabric::DmAddr Slot(uint32_t slot, SlotWord w) const {
    return area_ + SlotOffset(slot, w);
  }
  fabric::DmAddr Body(uint32_t slot) const {
    return area_ + SlotOffset(slot, kBodyOffset);
  }

  // Claims up to max free slots for owner (OwnerWord) into *slots.
  Status Claim(uint64_t owner, size_t max, std::vector<uint32_t>* slots);
  // Gives back slots claimed by owner.
  Status Release(uint64_t owner, const std::vector<uint32_t>& slots);
  // Frees every slot held by any incarnation of node (a dead node).
  Status ReclaimNode(uint16_t node, uint32_t* released);

  // What the memory node's search threads publish.
  struct ServerInfo {
    uint64_t threads = 0;
    uint64_t heartbeat = 0;
    uint64_t served = 0;
    uint64_t serve_micros = 0;
  };
  Status ReadServerInfo(ServerInfo* info) const;
  // The owner word of every slot (0: free).
  Status ReadOwners(std::vector<uint64_t>* owners) const;

 private:
  SearchMailboxes(fabric::Fabric* fabric, fabric::DmAddr area, uint32_t slots)
      : fabric_(fabric), area_(area), slot_count_(slots) {}

  fabric::Fabric* const fabric_;
  const fabric::DmAddr area_;
  const uint32_t slot_count_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_SEARCH_MAILBOX_H_
