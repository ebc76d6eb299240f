// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Cluster commands: nodes, jobs, shards, segments. Each prints one DB
// property of the disaggregated engine (issue #4). A database without a DM
// pool, or an engine build that does not report the property yet, is not a
// failure of the command: it prints one line saying which, and succeeds.

#include <string>

#include "o3lsm/db.h"

#include "tools/cli/commands.h"
#include "tools/cli/session.h"

namespace o3lsm::cli {

namespace {

// What a database without a DM pool says to every cluster command.
constexpr const char* kNoPool =
    "no DM pool attached: the database runs with --offload=none\n";

// Whether db has a DM pool: the engine reports o3lsm.segments exactly then.
bool HasPool(DB* db) {
  std::string unused;
  return db->GetProperty("o3lsm.segments", &unused);
}

CommandHandler PropertyPrinter(std::string property) {
  return [property](Session* session, const ParsedCommand&) -> Status {
    DB* db = nullptr;
    Status s = session->RequireDb(&db);
    if (!s.ok()) return s;
    std::string value;
    if (!db->GetProperty(property, &value)) {
      session->console()->Out(
          HasPool(db) ? "not reported by this engine build (no property " +
                            property + ")\n"
                      : std::string(kNoPool));
      return Status::OK();
    }
    if (value.empty() || value.back() != '\n') value += "\n";
    session->console()->Out(value);
    return Status::OK();
  };
}

}  // namespace

void AddClusterCommands(CommandRegistry* registry) {
  registry->Add(CommandSpec("nodes", CommandGroup::kCluster, "nodes",
                            "node table: roles, load, liveness (o3lsm.nodes)",
                            PropertyPrinter("o3lsm.nodes"))
                    .Example("nodes"));
  registry->Add(
      CommandSpec("jobs", CommandGroup::kCluster, "jobs",
                  "job board: running, done, failed, and where (o3lsm.jobs)",
                  PropertyPrinter("o3lsm.jobs"))
          .Example("jobs"));
  registry->Add(CommandSpec("shards", CommandGroup::kCluster, "shards",
                            "shard key ranges and their balance (o3lsm.shards)",
                            PropertyPrinter("o3lsm.shards"))
                    .Example("shards"));
  registry->Add(CommandSpec("segments", CommandGroup::kCluster, "segments",
                            "DM segments and their sizes (o3lsm.segments)",
                            PropertyPrinter("o3lsm.segments"))
                    .Example("segments"));
}

}  // namespace o3lsm::cli
