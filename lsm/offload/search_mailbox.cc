// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/search_mailbox.h"

#include <string>

namespace o3lsm {

namespace {

constexpr const char* kWhat = "search mailboxes";

uint32_t SlotsThatFit(const fabric::Fabric* fabric) {
  const uint64_t length = fabric->RegionLength(fabric::RegionKind::kMailboxes);
  if (length < SearchMailboxes::kSlotsOffset + SearchMailboxes::kSlotSize) {
    return 0;
  }
  return static_cast<uint32_t>((length - SearchMailboxes::kSlotsOffset) /
                               SearchMailboxes::kSlotSize);
}

fabric::DmAddr AreaOf(const fabric::Fabric* fabric) {
  return fabric->RegionStart(fabric::RegionKind::kMailboxes) +
         SearchMailboxes::kAreaOffset;
}

}  // namespace

Status SearchMailboxes::EnsureFormatted(fabric::Fabric* fabric) {
  const uint32_t slots = SlotsThatFit(fabric);
  if (slots == 0) return Status::OK();
  const fabric::DmAddr area = AreaOf(fabric);
  uint64_t magic = 0;
  Status s = fabric->Read(area + kMagicWord, &magic, 8);
  if (!s.ok()) return s;
  if (magic == kMagic) return Status::OK();
  if (magic != 0) return Status::Corruption(kWhat, "bad magic");
  // Size and count first, then the magic that makes them valid (a batch
  // takes effect in order); racing formatters write the same values.
  const uint64_t size = kSlotSize, count = slots;
  uint64_t found = 0;
  fabric::WorkRequest batch[] = {
      fabric::WorkRequest::Write(area + kSlotSizeWord, &size, 8),
      fabric::WorkRequest::Write(area + kSlotCountWord, &count, 8),
      fabric::WorkRequest::CompareAndSwap(area + kMagicWord, 0, kMagic,
                                          &found),
  };
  s = fabric->Execute(batch);
  if (!s.ok()) return s;
  if (found != 0 && found != kMagic) {
    return Status::Corruption(kWhat, "bad magic");
  }
  return Status::OK();
}

Status SearchMailboxes::Open(fabric::Fabric* fabric,
                             std::unique_ptr<SearchMailboxes>* mailboxes) {
  const uint32_t fit = SlotsThatFit(fabric);
  if (fit == 0) return Status::NotFound(kWhat, "mailbox region too small");
  const fabric::DmAddr area = AreaOf(fabric);
  uint64_t header[3] = {};
  Status s = fabric->Read(area, header, sizeof(header));
  if (!s.ok()) return s;
  if (header[0] == 0) return Status::NotFound(kWhat, "not formatted");
  if (header[0] != kMagic) return Status::Corruption(kWhat, "bad magic");
  if (header[1] != kSlotSize) {
    return Status::Corruption(kWhat,
                              "slot size " + std::to_string(header[1]));
  }
  if (header[2] == 0 || header[2] > fit) {
    return Status::Corruption(kWhat,
                              "slot count " + std::to_string(header[2]));
  }
  mailboxes->reset(
      new SearchMailboxes(fabric, area, static_cast<uint32_t>(header[2])));
  return Status::OK();
}

Status SearchMailboxes::ReadOwners(std::vector<uint64_t>* owners) const {
  owners->assign(slot_count_, 0);
  std::vector<fabric::WorkRequest> reads;
  reads.reserve(slot_count_);
  for (uint32_t i = 0; i < slot_count_; i++) {
    reads.push_back(fabric::WorkRequest::Read(Slot(i, kOwner), &(*owners)[i], 8));
  }
  return fabric_->Execute(reads);
}

Status SearchMailboxes::Claim(uint64_t owner, size_t max,
                              std::vector<uint32_t>* slots) {
  slots->clear();
  std::vector<uint64_t> owners;
  Status s = ReadOwners(&owners);
  if (!s.ok()) return s;
  std::vector<uint32_t> tried;
  for (uint32_t i = 0; i < slot_count_ && tried.size() < max; i++) {
    if (owners[i] == 0) tried.push_back(i);
  }
  std::vector<uint64_t> found(tried.size(), ~uint64_t{0});
  std::vector<fabric::WorkRequest> cas;
  for (size_t k = 0; k < tried.size(); k++) {
    cas.push_back(fabric::WorkRequest::CompareAndSwap(Slot(tried[k], kOwner),
                                                      0, owner, &found[k]));
  }
  if (cas.empty()) return Status::OK();
  s = fabric_->Execute(cas);
  if (!s.ok()) return s;
  for (size_t k = 0; k < tried.size(); k++) {
    if (found[k] == 0) slots->push_back(tried[k]);
  }
  return Status::OK();
}

Status SearchMailboxes::Release(uint64_t owner,
                                const std::vector<uint32_t>& slots) {
  std::vector<fabric::WorkRequest> cas;
  for (uint32_t slot : slots) {
    cas.push_back(
        fabric::WorkRequest::CompareAndSwap(Slot(slot, kOwner), owner, 0,
                                            nullptr));
  }
  return cas.empty() ? Status::OK() : fabric_->Execute(cas);
}

Status SearchMailboxes::ReclaimNode(uint16_t node, uint32_t* released) {
  *released = 0;
  std::vector<uint64_t> owners;
  Status s = ReadOwners(&owners);
  if (!s.ok()) return s;
  std::vector<uint64_t> found;
  std::vector<fabric::WorkRequest> cas;
  found.reserve(slot_count_);
  for (uint32_t i = 0; i < slot_count_; i++) {
    if (owners[i] != 0 && OwnerNode(owners[i]) == node) {
      found.push_back(0);
      cas.push_back(fabric::WorkRequest::CompareAndSwap(
          Slot(i, kOwner), owners[i], 0, &found.back()));
    }
  }
  if (cas.empty()) return Status::OK();
  s = fabric_->Execute(cas);
  if (!s.ok()) return s;
  for (size_t k = 0; k < cas.size(); k++) {
    if (found[k] == cas[k].compare_add) ++*released;
  }
  return Status::OK();
}

Status SearchMailboxes::ReadServerInfo(ServerInfo* info) const {
  uint64_t words[4];
  Status s = fabric_->Read(Header(kServerThreads), words, sizeof(words));
  if (!s.ok()) return s;
  info->threads = words[0];
  info->heartbeat = words[1];
  info->served = words[2];
  info->serve_micros = words[3];
  return Status::OK();
}

}  // namespace o3lsm
