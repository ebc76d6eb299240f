// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/node/pool_status.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "interconnect/fabric.h"
#include "lsm/offload/search_mailbox.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/job_slot_format.h"
#include "scheduler/cluster/node_slot_format.h"
#include "scheduler/cluster/node_table.h"

namespace o3lsm::node {

namespace {

int Fail(const char* what, const Status& s) {
  fprintf(stderr, "o3lsm-node status: %s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int RunPoolStatus(const std::string& uri, int watch_ms, FILE* out) {
  fabric::FabricOptions fo;
  fo.uri = uri;
  std::unique_ptr<fabric::Fabric> fabric;
  Status s = fabric::OpenFabric(fo, &fabric);
  if (!s.ok()) return Fail(("opening " + uri).c_str(), s);
  std::unique_ptr<cluster::NodeTable> nodes;
  std::unique_ptr<cluster::JobBoard> board;
  s = cluster::NodeTable::Open(fabric.get(), &nodes);
  if (!s.ok()) return Fail("the node table", s);
  s = cluster::JobBoard::Open(fabric.get(), &board);
  if (!s.ok()) return Fail("the job board", s);

  std::unique_ptr<SearchMailboxes> mailboxes;
  Status ms = SearchMailboxes::Open(fabric.get(), &mailboxes);
  SearchMailboxes::ServerInfo search_before, search_after;
  std::vector<cluster::NodeInfo> before, after;
  s = nodes->Snapshot(&before);
  if (s.ok() && ms.ok()) ms = mailboxes->ReadServerInfo(&search_before);
  const auto watch_start = std::chrono::steady_clock::now();
  if (s.ok()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(watch_ms));
    s = nodes->Snapshot(&after);
  }
  if (!s.ok()) return Fail("reading the node table", s);
  if (ms.ok()) ms = mailboxes->ReadServerInfo(&search_after);
  const double watched_us = static_cast<double>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - watch_start)
          .count());
  std::vector<cluster::JobView> jobs;
  s = board->List(&jobs);
  if (!s.ok()) return Fail("reading the job board", s);

  fprintf(out, "pool %s\n", fabric->Describe().c_str());
  std::map<uint16_t, std::string> names;
  int live = 0, listed = 0;
  fprintf(out, "nodes (heartbeats watched for %d ms):\n", watch_ms);
  for (const cluster::NodeInfo& n : after) {
    if (n.state == cluster::NodeState::kFree) continue;
    bool alive = false;
    for (const cluster::NodeInfo& b : before) {
      if (b.node == n.node && b.incarnation == n.incarnation &&
          b.heartbeat != n.heartbeat) {
        alive = true;
      }
    }
    names[n.node] = n.name;
    listed++;
    live += alive ? 1 : 0;
    fprintf(out,
            "  node %u: %-7s %-24s %s  jobs %u/%u  cpu %.1f%%  io %.1f MiB/s  "
            "done %" PRIu64 "%s%s\n",
            n.node, cluster::NodeRoleName(n.role), n.name.c_str(),
            alive ? "alive" : "SILENT", n.load.running_jobs, n.load.capacity,
            n.load.cpu_percent_x100 / 100.0,
            n.load.io_bytes_per_sec / 1048576.0, n.load.jobs_done,
            n.corruption.empty() ? "" : "  damaged: ", n.corruption.c_str());
  }
  fprintf(out, "  %d registered, %d alive\n", listed, live);

  // Delegated search: the memory node's search threads and who holds
  // mailboxes.
  std::vector<uint64_t> owners;
  if (ms.ok()) ms = mailboxes->ReadOwners(&owners);
  if (!ms.ok()) {
    fprintf(out, "delegated search: %s\n", ms.ToString().c_str());
  } else {
    const bool serving = search_after.threads > 0 &&
                         search_after.heartbeat != search_before.heartbeat;
    const uint64_t served = search_after.served - search_before.served;
    const double busy =
        search_after.threads == 0 || watched_us <= 0
            ? 0.0
            : 100.0 *
                  static_cast<double>(search_after.serve_micros -
                                      search_before.serve_micros) /
                  (watched_us * static_cast<double>(search_after.threads));
    std::map<uint16_t, int> held;
    for (uint64_t o : owners) {
      if (o != 0) held[SearchMailboxes::OwnerNode(o)]++;
    }
    fprintf(out,
            "delegated search: %" PRIu64 " threads, %s; %" PRIu64
            " requests while watched (%.1f%% busy), %" PRIu64
            " in all; mailboxes %zu of %u held\n",
            search_after.threads, serving ? "serving" : "NOT SERVING",
            served, busy, search_after.served,
            static_cast<size_t>(owners.size() -
                                std::count(owners.begin(), owners.end(), 0)),
            mailboxes->slot_count());
    for (const auto& [node, n] : held) {
      auto name = names.find(node);
      fprintf(out, "  node %u (%s): %d mailboxes\n", node,
              name == names.end() ? "not registered" : name->second.c_str(),
              n);
    }
  }

  // Jobs per owner, by state.
  std::map<uint16_t, std::map<std::string, int>> by_owner;
  int total = 0;
  for (const cluster::JobView& v : jobs) {
    if (v.state == cluster::JobState::kFree) continue;
    total++;
    by_owner[v.owner][cluster::JobStateName(v.state)]++;
  }
  fprintf(out, "jobs on the board: %d\n", total);
  for (const auto& [owner, states] : by_owner) {
    auto name = names.find(owner);
    fprintf(out, "  owner node %u (%s):", owner,
            name == names.end() ? "not registered" : name->second.c_str());
    for (const auto& [state, count] : states) {
      fprintf(out, " %d %s", count, state.c_str());
    }
    fprintf(out, "\n");
  }
  return 0;
}

}  // namespace o3lsm::node
