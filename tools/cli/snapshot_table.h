// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// SnapshotTable names the snapshots a shell session holds with small
// integers (1, 2, ...; never reused within a session), so that a user can
// type `get k --snapshot 2`. It does not own the snapshots: the session
// takes them from the DB and gives them back with DB::ReleaseSnapshot,
// using Remove and TakeAll.
//
// Thread safety: not thread-safe.

#ifndef O3LSM_TOOLS_CLI_SNAPSHOT_TABLE_H_
#define O3LSM_TOOLS_CLI_SNAPSHOT_TABLE_H_

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "o3lsm/db.h"
#include "o3lsm/status.h"

namespace o3lsm::cli {

class SnapshotTable {
 public:
  // Records snapshot and returns its id.
  uint64_t Add(const Snapshot* snapshot);

  // The snapshot whose id is written in id_text. InvalidArgument if id_text
  // is not a number or names no held snapshot.
  [[nodiscard]] Status Find(std::string_view id_text,
                            const Snapshot** snapshot) const;

  // Like Find, and forgets the id; the caller releases *snapshot.
  [[nodiscard]] Status Remove(std::string_view id_text,
                              const Snapshot** snapshot);

  // Forgets every id and returns the snapshots for release.
  std::vector<const Snapshot*> TakeAll();

  size_t size() const { return by_id_.size(); }
  // Held ids, ascending.
  std::vector<uint64_t> ids() const;

 private:
  [[nodiscard]] Status Lookup(std::string_view id_text, uint64_t* id) const;

  uint64_t next_id_ = 1;
  std::map<uint64_t, const Snapshot*> by_id_;
};

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_SNAPSHOT_TABLE_H_
