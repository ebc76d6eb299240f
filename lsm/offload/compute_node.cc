// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/compute_node.h"

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "interconnect/fabric_uri.h"
#include "interconnect/round_trip_check_fabric.h"

namespace o3lsm {

namespace {

// Search mailboxes a compute node claims: as many delegated lookups run at
// once; more go one-sided.
constexpr size_t kSearchSlots = 16;

std::string DmNodeFileName(const std::string& dbname) {
  return dbname + "/DMNODE";
}

std::string AbsolutePath(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) != nullptr) return buf;
  return path;
}

}  // namespace

ComputeNode::ComputeNode(ComputeNodeOptions options)
    : options_(std::move(options)),
      file_numbers_(options_.reserve_file_numbers,
                    options_.durable_next_file_number,
                    options_.log_file_numbers_soon) {}

ComputeNode::~ComputeNode() { Close(); }

Status ComputeNode::Open(ComputeNodeOptions options,
                         std::unique_ptr<ComputeNode>* node) {
  node->reset();
  if (options.env == nullptr) options.env = Env::Default();
  std::unique_ptr<ComputeNode> n(new ComputeNode(std::move(options)));
  const ComputeNodeOptions& o = n->options_;
  n->db_path_ = AbsolutePath(o.dbname);

  fabric::FabricOptions fo;
  fo.info_log = o.info_log;
  fo.uri = o.pool_uri.empty() ? "emulated:" : o.pool_uri;
  {
    // An anonymous emulated pool ("emulated:", maybe with a latency model)
    // lives in this process: embedded mode, every role as threads here.
    fabric::FabricOptions probe = fo;
    fabric::ParsedUri parsed;
    n->embedded_ = fabric::ParseFabricUri(&probe, &parsed).ok() &&
                   parsed.backend == fabric::Backend::kEmulated &&
                   parsed.path.empty();
  }
  if (n->embedded_) {
    // Segments of the budget plus room for the allocator's rounding; a
    // size in the URI wins.
    fo.create_if_missing = true;
    fo.size = o.dm_budget + o.dm_budget / 4 + (64 << 20) + o.block_cache_size;
  }
  std::unique_ptr<fabric::Fabric> fabric;
  Status s = fabric::OpenFabric(fo, &fabric);
  if (!s.ok()) {
    if (s.retryable() || s.IsIOError() || s.IsNotFound()) {
      // The memory node is not there: run monolithic rather than not at
      // all; the WAL keeps every write durable either way.
      Log(InfoLogLevel::kWarn, o.info_log.get(),
          "DM pool %s unavailable, running without "
          "offloading: %s",
          fo.uri.c_str(), s.ToString().c_str());
      return Status::OK();
    }
    return s;  // a malformed URI or a damaged pool is the caller's to fix
  }
  if (o.fabric_wrapper) fabric = o.fabric_wrapper(std::move(fabric));
#ifndef NDEBUG
  // Debug builds make a verb under the DB mutex fail loudly.
  fabric = std::make_unique<fabric::RoundTripCheckFabric>(std::move(fabric));
#endif
  s = n->Join(std::move(fabric));
  if (!s.ok()) return s;
  Log(o.info_log.get(), "DM pool %s (%s): node %u, budget %llu bytes",
      fo.uri.c_str(), n->dm_->fabric()->Describe().c_str(),
      n->registration_.node, static_cast<unsigned long long>(o.dm_budget));
  *node = std::move(n);
  return Status::OK();
}

Status ComputeNode::Join(std::unique_ptr<fabric::Fabric> fabric) {
  const ComputeNodeOptions& o = options_;
  Status s = cluster::JobBoard::EnsureFormatted(fabric.get());
  if (s.ok()) s = SearchMailboxes::EnsureFormatted(fabric.get());
  if (s.ok()) s = cluster::JobBoard::Open(fabric.get(), &board_);
  if (s.ok()) s = cluster::NodeTable::EnsureFormatted(fabric.get());
  if (s.ok()) s = cluster::NodeTable::Open(fabric.get(), &nodes_);
  if (!s.ok()) return s;

  // A previous incarnation of this database (a crash) may have left a node
  // slot, segments and jobs in the pool. The caller holds the database's
  // lock, so it is dead: evict it at once (no liveness timeout to wait
  // for).
  uint16_t stale_node = 0;
  std::string identity;
  if (!embedded_ &&
      ReadFileToString(o.env, DmNodeFileName(o.dbname), &identity).ok()) {
    unsigned long long cluster = 0, node = 0, incarnation = 0;
    if (sscanf(identity.c_str(), "o3lsm-dm-node 1 %llu %llu %llu", &cluster,
               &node, &incarnation) == 3 &&
        cluster == fabric->cluster_id() &&
        nodes_->Evict(static_cast<uint16_t>(node), incarnation).ok()) {
      stale_node = static_cast<uint16_t>(node);
    }
  }
  char name[96];
  snprintf(name, sizeof(name), "db:%d", static_cast<int>(getpid()));
  s = nodes_->Register(cluster::NodeRole::kCompute, name, 0, &registration_);
  if (!s.ok()) return s;
  if (!embedded_) {
    char line[128];
    snprintf(line, sizeof(line), "o3lsm-dm-node 1 %llu %u %llu\n",
             static_cast<unsigned long long>(fabric->cluster_id()),
             registration_.node,
             static_cast<unsigned long long>(registration_.incarnation));
    s = WriteStringToFile(o.env, line, DmNodeFileName(o.dbname), true);
    if (!s.ok()) return s;
  }
  std::unique_ptr<fabric::DmAllocator> allocator;
  s = fabric::DmAllocator::Open(fabric.get(), registration_.node, &allocator);
  if (!s.ok()) return s;
  // Segments left behind are garbage: the WAL replay rebuilds their data.
  uint64_t chunks = 0, more = 0;
  s = allocator->ReclaimPredecessors(&chunks);
  if (s.ok() && stale_node != 0 && stale_node != registration_.node) {
    s = allocator->ReclaimOwner(stale_node, &more);
  }
  if (s.ok() && stale_node != 0) {
    uint32_t jobs = 0;
    s = board_->ReleaseStale(stale_node, &jobs);
  }
  // Search mailboxes of the crashed incarnation, and of any earlier holder
  // of this node id (dead, or the node table would not have given it out).
  std::unique_ptr<SearchMailboxes> mailboxes;
  Status ms = SearchMailboxes::Open(fabric.get(), &mailboxes);
  if (ms.ok()) {
    uint32_t released = 0;
    for (uint16_t dead : {stale_node, registration_.node}) {
      if (dead != 0 && s.ok()) s = mailboxes->ReclaimNode(dead, &released);
    }
  }
  if (!s.ok()) return s;
  if (chunks + more > 0) {
    Log(o.info_log.get(), "DM: reclaimed %llu chunks of dead incarnations",
        static_cast<unsigned long long>(chunks + more));
  }
  dm_ = std::make_shared<DmContext>(std::move(fabric), std::move(allocator));
  dm_->set_statistics(o.statistics);

  // The coordinator also heartbeats this node in the node table and
  // watches the memory node: with memtable offload alone too, or a reaper
  // would take this node for dead and reclaim its segments.
  OffloadCoordinatorOptions co;
  co.self = registration_;
  co.env = o.env;
  co.info_log = o.info_log;
  co.on_memory_node_lost = o.on_memory_node_lost;
  co.statistics = o.statistics.get();
  coordinator_ =
      std::make_unique<OffloadCoordinator>(board_.get(), nodes_.get(), co);
  const bool jobs = (o.offload & (kOffloadFlush | kOffloadCompaction)) != 0;
  if (jobs && embedded_ && o.embedded_workers > 0) {
    // Embedded mode: the worker role runs as threads of this process.
    JobExecutorOptions eo;
    eo.name = std::string(name) + "/worker";
    eo.threads = o.embedded_workers;
    eo.env = o.env;
    eo.info_log = o.info_log;
    eo.statistics = o.statistics.get();
    executor_ = std::make_unique<JobExecutor>(dm_->fabric(), board_.get(),
                                              nodes_.get(), eo);
    s = executor_->Start();
    if (!s.ok()) return s;
  }
  if (embedded_ && o.embedded_search_threads > 0) {
    // Embedded mode: the memory node's search CPUs are threads here too.
    SearchServerOptions so;
    so.threads = o.embedded_search_threads;
    so.info_log = o.info_log;
    s = SearchServer::Start(dm_->fabric(), so, &search_server_);
    if (!s.ok()) return s;
  }
  std::unique_ptr<SearchClient> client;
  if (ms.ok()) {
    Status cs = SearchClient::Open(
        dm_->fabric(),
        SearchMailboxes::OwnerWord(registration_.node,
                                   registration_.incarnation),
        kSearchSlots, &client);
    if (!cs.ok()) {
      Log(InfoLogLevel::kWarn, o.info_log.get(),
          "DM: no search mailboxes (%s): lookups read DM "
          "segments one-sided",
          cs.ToString().c_str());
    }
  }
  read_path_ = std::make_unique<DmReadPath>(
      o.read_mode, std::move(client), o.key_cache_bytes, o.statistics.get());
  // The pool's block cache: this node makes it for an embedded pool.
  if (embedded_ && o.block_cache_size > 0) {
    Status bs =
        DmBlockCache::Create(dm_->fabric(), dm_->allocator(), o.block_cache_size);
    if (!bs.ok()) {
      Log(InfoLogLevel::kWarn, o.info_log.get(),
          "DM block cache not created: %s", bs.ToString().c_str());
    }
  }
  Status bs = DmBlockCache::Open(dm_->fabric(), &block_cache_);
  if (!bs.ok() && !bs.IsNotFound()) {
    Log(o.info_log.get(), "DM block cache not used: %s", bs.ToString().c_str());
  }
  coordinator_->Start();
  return Status::OK();
}

void ComputeNode::Close() {
  if (closed_) return;
  closed_ = true;
  if (coordinator_ != nullptr) coordinator_->Stop();
  if (executor_ != nullptr) executor_->Stop();
  // Gives the mailboxes back (if the pool still answers).
  if (read_path_ != nullptr && dm_->available()) {
    read_path_->ReleaseMailboxes();
  }
  if (search_server_ != nullptr) search_server_->Stop();
  if (nodes_ != nullptr && registration_.node != 0 && dm_ != nullptr &&
      dm_->available()) {
    nodes_->Deregister(registration_).PermitUncheckedError();
  }
}

std::string ComputeNode::DescribeJobs() const {
  std::string r;
  char buf[256];
  const OffloadCoordinator::Stats cs = coordinator_->stats();
  snprintf(buf, sizeof(buf),
           "Jobs posted by this node: %llu, done %llu, retried %llu, "
           "re-posted %llu, handed back %llu, outstanding %llu\n",
           static_cast<unsigned long long>(cs.posted),
           static_cast<unsigned long long>(cs.done),
           static_cast<unsigned long long>(cs.retried),
           static_cast<unsigned long long>(cs.reposted),
           static_cast<unsigned long long>(cs.handed_back),
           static_cast<unsigned long long>(cs.outstanding));
  r += buf;
  if (executor_ != nullptr) {
    const JobExecutor::Stats es = executor_->stats();
    snprintf(buf, sizeof(buf),
             "Embedded workers (node %u): done %llu, failed %llu, revoked "
             "%llu, running %llu\n",
             executor_->node_id(), static_cast<unsigned long long>(es.done),
             static_cast<unsigned long long>(es.failed),
             static_cast<unsigned long long>(es.revoked),
             static_cast<unsigned long long>(es.running));
    r += buf;
  }
  std::vector<cluster::JobView> views;
  Status s = board_->List(&views);
  if (!s.ok()) return r + "job board: " + s.ToString() + "\n";
  for (const auto& v : views) {
    snprintf(buf, sizeof(buf),
             "  slot %u: %s %s, owner %u, attempt %u, executor %u%s%s\n",
             v.slot, v.type == cluster::JobType::kFlush ? "flush" : "compaction",
             cluster::JobStateName(v.state), v.owner, v.attempt, v.executor,
             v.corruption.empty() ? "" : ", damaged: ", v.corruption.c_str());
    r += buf;
  }
  return r;
}

}  // namespace o3lsm
