// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/snapshot_table.h"

#include <charconv>
#include <string>

namespace o3lsm::cli {

uint64_t SnapshotTable::Add(const Snapshot* snapshot) {
  const uint64_t id = next_id_++;
  by_id_[id] = snapshot;
  return id;
}

Status SnapshotTable::Lookup(std::string_view id_text, uint64_t* id) const {
  const char* end = id_text.data() + id_text.size();
  auto [ptr, ec] = std::from_chars(id_text.data(), end, *id);
  if (id_text.empty() || ec != std::errc() || ptr != end) {
    return Status::InvalidArgument("bad snapshot id '" + std::string(id_text) +
                                   "' (want the number 'snapshot' printed)");
  }
  if (by_id_.count(*id) == 0) {
    return Status::InvalidArgument("no snapshot " + std::string(id_text) +
                                   " (released, or never taken)");
  }
  return Status::OK();
}

Status SnapshotTable::Find(std::string_view id_text,
                           const Snapshot** snapshot) const {
  uint64_t id = 0;
  Status s = Lookup(id_text, &id);
  if (s.ok()) *snapshot = by_id_.at(id);
  return s;
}

Status SnapshotTable::Remove(std::string_view id_text,
                             const Snapshot** snapshot) {
  uint64_t id = 0;
  Status s = Lookup(id_text, &id);
  if (!s.ok()) return s;
  *snapshot = by_id_.at(id);
  by_id_.erase(id);
  return Status::OK();
}

std::vector<const Snapshot*> SnapshotTable::TakeAll() {
  std::vector<const Snapshot*> all;
  all.reserve(by_id_.size());
  for (const auto& [id, snapshot] : by_id_) all.push_back(snapshot);
  by_id_.clear();
  return all;
}

std::vector<uint64_t> SnapshotTable::ids() const {
  std::vector<uint64_t> ids;
  ids.reserve(by_id_.size());
  for (const auto& [id, snapshot] : by_id_) ids.push_back(id);
  return ids;
}

}  // namespace o3lsm::cli
