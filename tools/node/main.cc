// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// o3lsm-node: the daemon of a disaggregated o3lsm cluster.
//
//   o3lsm-node --role=memory --pool=URI --create [--size=1G] [--threads=N]
//              [--search-threads=N] [--block-cache-size=SIZE]
//              [--listen=HOST:PORT --secret=KEYFILE --cluster-id=N
//               [--transport=ofi|rdma] [--provider=NAME]]
//       creates (or attaches to) the DM pool, formats its job board, node
//       table and search mailboxes, publishes its liveness, reaps dead
//       nodes (their DM, jobs and mailboxes), answers delegated lookups,
//       keeps the block cache compute nodes share, optionally executes
//       jobs, and exports the pool over the network to the clients that
//       prove the cluster's secret (created 0600 at --create).
//   o3lsm-node --role=worker --pool=URI [--threads=N]
//       attaches to the pool and executes flush and compaction jobs.
//   o3lsm-node --cluster=FILE --role=memory|worker
//       takes the pool, address, secret and cluster id from the cluster
//       file every node shares (docs/cluster.md).
//   o3lsm-node local-cluster --pool=URI [--workers=K] ...
//       starts a memory node and K workers on this host, stops them on
//       SIGINT/SIGTERM.
//
// Any node serves Prometheus metrics with --metrics-listen=HOST:PORT
// (http://HOST:PORT/metrics; docs/cluster.md lists them). Its log lines
// (standard error, or --log FILE) read like a database's LOG: timestamp,
// thread, level.
//
// Every option may also come from a config file (--config FILE, TOML or
// INI: `pool = "emulated:/dev/shm/o3lsm-pool"`); an unknown key there is an
// error. SIGTERM and SIGINT stop a node cleanly: running jobs finish, the
// node leaves the node table.

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "interconnect/dm_allocator.h"
#include "interconnect/fabric.h"
#include "interconnect/net/pool_export.h"
#include "o3lsm/build_config.h"
#include "o3lsm/version.h"
#if O3LSM_WITH_OFI || O3LSM_WITH_RDMA
#include "interconnect/net/cluster_secret.h"
#include "interconnect/net/tcp_socket.h"
#endif
#if O3LSM_WITH_OFI
#include "interconnect/ofi/ofi_server.h"
#endif
#if O3LSM_WITH_RDMA
#include "interconnect/rdma/rdma_server.h"
#endif
#include "lsm/offload/dm_block_cache.h"
#include "lsm/offload/job_executor.h"
#include "lsm/offload/node_reaper.h"
#include "lsm/offload/search_server.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/node_table.h"
#include "tools/common/cluster_file.h"
#include "tools/node/node_metrics.h"
#include "tools/node/pool_status.h"
#include "tools/node/readiness.h"
#include "util/metrics_endpoint.h"
#include "util/posix_logger.h"
#include "util/throttled_env.h"

namespace o3lsm::node {
namespace {

struct Config {
  std::string role;
  std::string pool;
  bool create = false;
  std::string size = "1G";
  uint64_t cluster_id = 0;
  int threads = -1;  // -1: role default (worker 1, memory 0)
  int search_threads = 1;
  std::string block_cache_size = "auto";
  std::string name;
  std::string cpus;
  std::string listen;
  std::string transport = "ofi";
  std::string provider;
  std::string secret;
  int liveness_ms = 2000;
  int wait_ms = 10000;
  std::string log;
  bool remove_pool = false;
  std::string metrics_listen;
  int debug_job_delay_ms = 0;
  uint64_t storage_latency_us = 0;
  uint64_t storage_bandwidth_mbps = 0;
};

// The node's log on standard error: the LOG's line format (timestamp,
// thread, level) with the node's role as a tag, so that the nodes of a
// local cluster, sharing one terminal, stay apart.
std::shared_ptr<Logger> StderrLogger(const std::string& tag) {
  return std::make_shared<PosixLogger>(stderr, /*owns_fp=*/false, tag);
}

// Lines of the node's own, outside a role's log (errors that stop it, the
// local-cluster launcher).
Logger* ProcessLog() {
  static const std::shared_ptr<Logger> log = StderrLogger("o3lsm-node");
  return log.get();
}

int Fail(const std::string& what, const Status& s) {
  LogError(ProcessLog(), "%s: %s", what.c_str(), s.ToString().c_str());
  return 1;
}

bool ParseSize(const std::string& text, uint64_t* bytes) {
  char* end = nullptr;
  const unsigned long long v = strtoull(text.c_str(), &end, 10);
  if (end == text.c_str()) return false;
  uint64_t mult = 1;
  if (*end == 'K' || *end == 'k') mult = 1ull << 10;
  if (*end == 'M' || *end == 'm') mult = 1ull << 20;
  if (*end == 'G' || *end == 'g') mult = 1ull << 30;
  if (*end == 'T' || *end == 't') mult = 1ull << 40;
  if (mult != 1) end++;
  if (*end == 'B' || *end == 'b') end++;
  if (*end != '\0') return false;
  *bytes = v * mult;
  return *bytes > 0;
}

// "0", "1,3", "0-1": the process and its threads run only there.
Status PinToCpus(const std::string& list) {
  cpu_set_t set;
  CPU_ZERO(&set);
  size_t pos = 0;
  while (pos < list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string::npos) end = list.size();
    const std::string part = list.substr(pos, end - pos);
    int lo, hi;
    if (sscanf(part.c_str(), "%d-%d", &lo, &hi) == 2) {
    } else if (sscanf(part.c_str(), "%d", &lo) == 1) {
      hi = lo;
    } else {
      return Status::InvalidArgument("--cpus", "bad CPU list '" + list + "'");
    }
    if (lo < 0 || hi < lo || hi >= CPU_SETSIZE) {
      return Status::InvalidArgument("--cpus", "bad CPU range '" + part + "'");
    }
    for (int c = lo; c <= hi; c++) CPU_SET(c, &set);
    pos = end + 1;
  }
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    return Status::InvalidArgument("--cpus", "cannot run on CPUs " + list +
                                                 ": " + strerror(errno));
  }
  return Status::OK();
}

// Signals stop a node: the main thread waits for them.
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// True once a stop signal arrived; waits at most `ms`.
bool WaitForStop(int ms) {
  const sigset_t set = StopSignals();
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = static_cast<long>(ms % 1000) * 1000000;
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

// Maps every page of a pool mapped in this process into its page tables
// now, as registering memory with an RDMA NIC pins it: otherwise the
// memory node's search threads fault on the first touch of each page of
// every new segment (measured: 45 us of CPU per delegated lookup on a VM,
// against a few us). The pool is the memory node's memory, so committing
// it is what a memory node does. Returns the bytes populated (0 if the
// pool is not mapped here or the kernel cannot do it).
uint64_t PopulatePool(fabric::Fabric* fabric) {
  const uint64_t length = fabric->pool_size();
  void* view = fabric->LocalView(fabric::DmAddr(fabric->pool_id(), 0), length);
  if (view == nullptr) return 0;
  // The mapping starts page-aligned; the kernel populates whole pages.
  if (madvise(view, length, MADV_POPULATE_WRITE) != 0) return 0;
  return length;
}

// Opens the pool, waiting up to wait_ms for it to appear and be formatted
// (a worker may start before its memory node).
Status AttachPool(const Config& cfg, fabric::FabricOptions fo,
                  std::unique_ptr<fabric::Fabric>* fabric,
                  std::unique_ptr<cluster::JobBoard>* board,
                  std::unique_ptr<cluster::NodeTable>* nodes) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.wait_ms);
  while (true) {
    Status s = fabric::OpenFabric(fo, fabric);
    if (s.ok()) s = cluster::JobBoard::Open(fabric->get(), board);
    if (s.ok()) s = cluster::NodeTable::Open(fabric->get(), nodes);
    if (s.ok()) return s;
    const bool transient = s.IsNotFound() || s.retryable() || s.IsIOError();
    if (!transient || std::chrono::steady_clock::now() >= deadline) {
      if (transient) {
        return Status::TimedOut(cfg.pool, "no formatted pool after " +
                                              std::to_string(cfg.wait_ms) +
                                              " ms: " + s.ToString());
      }
      return s;
    }
    fabric->reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// The memory node's network export (--listen): the cluster secret, then
// the server of the chosen transport. A transport this build left out
// (O3LSM_WITH_OFI, O3LSM_WITH_RDMA) is NotSupported.
struct Export {
#if O3LSM_WITH_OFI
  std::unique_ptr<fabric::OfiPoolServer> ofi;
#endif
#if O3LSM_WITH_RDMA
  std::unique_ptr<fabric::RdmaPoolServer> rdma;
#endif
  fabric::net::PoolExport* exported = nullptr;
  std::string client_uri;  // what a worker or compute node opens
};

Status StartExport(const Config& cfg, fabric::Fabric* pool,
                   const std::shared_ptr<Logger>& log, Export* out) {
  if (!HasFabricBackend(cfg.transport.c_str())) {
    std::string option = "O3LSM_WITH_" + cfg.transport;
    for (char& c : option) c = static_cast<char>(toupper(c));
    return Status::NotSupported(
        "--transport " + cfg.transport,
        "o3lsm was built without " + cfg.transport + " (" + option + "=OFF)");
  }
#if O3LSM_WITH_OFI || O3LSM_WITH_RDMA
  fabric::net::ExportOptions eo;
  Status s = fabric::net::SplitHostPort(cfg.listen, &eo.host, &eo.port);
  if (!s.ok()) return s;
  if (cfg.secret.empty()) {
    return Status::InvalidArgument(
        "--listen", "needs --secret KEYFILE: the cluster's key file, created "
                    "0600 at --create if it does not exist");
  }
  if (access(cfg.secret.c_str(), F_OK) != 0) {
    if (!cfg.create) {
      return Status::InvalidArgument(
          "--secret " + cfg.secret,
          "no key file there; --create makes one, or copy the cluster's");
    }
    s = fabric::ClusterSecret::CreateFile(cfg.secret);
    if (!s.ok()) return s;
    Log(log.get(), "created the cluster key file %s (mode 0600): copy it "
        "to every node of the cluster", cfg.secret.c_str());
  }
  s = fabric::ClusterSecret::Load(cfg.secret, &eo.secret);
  if (!s.ok()) return s;
  eo.info_log = log;
  // What clients open: the URI a cluster file naming this node gives.
  tools::ClusterFile as_file;
  as_file.transport = cfg.transport;
  as_file.secret = cfg.secret;
  as_file.cluster_id = pool->cluster_id();
  if (cfg.transport == "rdma") {
#if O3LSM_WITH_RDMA
    fabric::RdmaServerOptions ro;
    ro.control = eo;
    s = fabric::RdmaPoolServer::Start(pool, ro, &out->rdma);
    if (!s.ok()) return s;
    out->exported = out->rdma->exported();
#endif
  } else {
#if O3LSM_WITH_OFI
    fabric::OfiServerOptions oo;
    oo.control = eo;
    oo.provider = cfg.provider;
    s = fabric::OfiPoolServer::Start(pool, oo, &out->ofi);
    if (!s.ok()) return s;
    out->exported = out->ofi->exported();
    as_file.provider = out->ofi->provider();
#endif
  }
  const std::string host =
      eo.host.find(':') != std::string::npos ? "[" + eo.host + "]" : eo.host;
  as_file.listen = host + ":" + std::to_string(out->exported->port());
  out->client_uri = as_file.ClientUri();
  return Status::OK();
#else   // neither network backend: HasFabricBackend said no above
  return Status::NotSupported("--listen", "no network backend built");
#endif  // O3LSM_WITH_OFI || O3LSM_WITH_RDMA
}

int RunNode(const Config& cfg) {
  if (cfg.role != "memory" && cfg.role != "worker") {
    fprintf(stderr, "o3lsm-node: error: --role must be memory or worker\n");
    return 2;
  }
  if (cfg.pool.empty()) {
    fprintf(stderr, "o3lsm-node: error: --pool is required (e.g. "
                    "emulated:/dev/shm/o3lsm-pool)\n");
    return 2;
  }
  const bool memory = cfg.role == "memory";
  if (!cfg.cpus.empty()) {
    Status s = PinToCpus(cfg.cpus);
    if (!s.ok()) return Fail("--cpus", s);
  }
  // Block the stop signals in every thread; the main thread takes them.
  const sigset_t stop = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  std::shared_ptr<Logger> log;
  if (cfg.log.empty()) {
    log = StderrLogger("o3lsm-node[" + cfg.role + "]");
  } else {
    Status s = Env::Default()->NewLogger(cfg.log, &log);
    if (!s.ok()) return Fail("--log", s);
  }

  fabric::FabricOptions fo;
  fo.uri = cfg.pool;
  fo.info_log = log;
  fo.cluster_id = cfg.cluster_id;
  fo.secret_path = cfg.secret;
  fo.create_if_missing = memory && cfg.create;
  if (!ParseSize(cfg.size, &fo.size)) {
    fprintf(stderr, "o3lsm-node: error: bad --size '%s' (e.g. 512M, 4G)\n",
            cfg.size.c_str());
    return 2;
  }
  std::unique_ptr<fabric::Fabric> fabric;
  Export exported;
  // What the node's own services use: with an export, their doorbells
  // also reach the remote clients.
  std::unique_ptr<fabric::Fabric> exported_pool;
  fabric::Fabric* pool = nullptr;
  std::unique_ptr<cluster::JobBoard> board;
  std::unique_ptr<cluster::NodeTable> nodes;
  Status s;
  if (memory) {
    s = fabric::OpenFabric(fo, &fabric);
    if (!s.ok()) return Fail("opening pool " + cfg.pool, s);
    s = cluster::JobBoard::EnsureFormatted(fabric.get());
    if (s.ok()) s = cluster::NodeTable::EnsureFormatted(fabric.get());
    if (!s.ok()) return Fail("formatting pool " + cfg.pool, s);
    pool = fabric.get();
    if (!cfg.listen.empty()) {
      s = StartExport(cfg, fabric.get(), log, &exported);
      if (!s.ok()) return Fail("exporting the pool on " + cfg.listen, s);
#if O3LSM_WITH_OFI || O3LSM_WITH_RDMA
      exported_pool = std::make_unique<fabric::net::ExportedPool>(
          fabric.get(), exported.exported);
      pool = exported_pool.get();
#endif
    }
    s = cluster::JobBoard::Open(pool, &board);
    if (s.ok()) s = cluster::NodeTable::Open(pool, &nodes);
    if (!s.ok()) return Fail("opening pool " + cfg.pool, s);
  } else {
    s = AttachPool(cfg, fo, &fabric, &board, &nodes);
    if (!s.ok()) return Fail("attaching to pool " + cfg.pool, s);
    pool = fabric.get();
  }

  JobExecutorOptions eo;
  eo.name = cfg.name;
  eo.role = memory ? cluster::NodeRole::kMemory : cluster::NodeRole::kWorker;
  eo.threads = cfg.threads >= 0 ? cfg.threads : (memory ? 0 : 1);
  eo.info_log = log;
  eo.debug_job_delay = std::chrono::milliseconds(cfg.debug_job_delay_ms);
  // Storage as the profile models it (o3lsm-bench --profile=disagg).
  StorageModel storage;
  storage.latency_us = cfg.storage_latency_us;
  storage.bandwidth_bytes_per_sec = cfg.storage_bandwidth_mbps << 20;
  ThrottledEnv throttled(Env::Default(), storage);
  if (storage.enabled()) eo.env = &throttled;
  JobExecutor executor(pool, board.get(), nodes.get(), eo);
  s = executor.Start();
  if (!s.ok()) return Fail("registering in the node table", s);

  std::unique_ptr<fabric::DmAllocator> allocator;
  std::unique_ptr<NodeReaper> reaper;
  std::unique_ptr<SearchMailboxes> mailboxes;
  std::unique_ptr<SearchServer> search;
  if (memory) {
    s = fabric::DmAllocator::Open(pool, executor.node_id(), &allocator);
    if (!s.ok()) return Fail("opening the DM allocator", s);
    reaper = std::make_unique<NodeReaper>(
        nodes.get(), board.get(), allocator.get(),
        std::chrono::milliseconds(cfg.liveness_ms), log);
    // Delegated search: the memory node's CPUs look keys up in place.
    if (cfg.search_threads > 0) {
      const uint64_t populated = PopulatePool(fabric.get());
      Log(log.get(), "pool pages mapped in: %.1f MiB",
          populated / 1048576.0);
      SearchServerOptions so;
      so.threads = cfg.search_threads;
      so.info_log = log;
      s = SearchServer::Start(pool, so, &search);
      if (!s.ok()) return Fail("starting delegated search", s);
    }
    s = SearchMailboxes::EnsureFormatted(pool);
    if (s.ok()) s = SearchMailboxes::Open(pool, &mailboxes);
    if (!s.ok()) return Fail("opening the search mailboxes", s);
    reaper->set_mailboxes(mailboxes.get());
    // The block cache tier compute nodes share: an eighth of a pool of
    // 4 GiB or more by default, none in a smaller one.
    uint64_t cache_bytes = 0;
    if (cfg.block_cache_size == "auto") {
      if (fabric->pool_size() >= (uint64_t{4} << 30)) {
        cache_bytes = fabric->pool_size() / 8;
      }
    } else if (cfg.block_cache_size != "0" &&
               !ParseSize(cfg.block_cache_size, &cache_bytes)) {
      fprintf(stderr, "o3lsm-node: error: bad --block-cache-size '%s' (e.g. "
                      "0, 256M, auto)\n", cfg.block_cache_size.c_str());
      return 2;
    }
    if (cache_bytes > 0) {
      s = DmBlockCache::Create(pool, allocator.get(), cache_bytes);
      if (!s.ok()) return Fail("creating the DM block cache", s);
      std::unique_ptr<DmBlockCache> cache;
      s = DmBlockCache::Open(pool, &cache);
      if (!s.ok()) return Fail("opening the DM block cache", s);
      Log(log.get(), "DM block cache: %.1f MiB",
          cache->capacity() / 1048576.0);
    }
  }
  std::unique_ptr<MetricsEndpoint> metrics;
  if (MetricsWanted(cfg.metrics_listen)) {
    NodeMetrics::Sources sources;
    sources.role = cfg.role;
    sources.name = executor.name();
    sources.node = executor.node_id();
    sources.executor = &executor;
    sources.pool = pool;
    sources.allocator = allocator.get();
    sources.search = search.get();
    s = MetricsEndpoint::Start(
        "--metrics-listen", cfg.metrics_listen,
        std::make_shared<NodeMetrics>(std::move(sources)), &metrics);
    if (!s.ok()) return Fail("serving metrics", s);
    Log(log.get(), "metrics at http://%s/metrics (port %d)",
        cfg.metrics_listen.c_str(), metrics->port());
  }
  Log(log.get(), "%s node %u up on %s (%d executor threads, %d search "
      "threads)%s%s", cfg.role.c_str(), executor.node_id(),
      fabric->Describe().c_str(), eo.threads,
      search != nullptr ? search->threads() : 0,
      exported.exported != nullptr ? ", exported at " : "",
      exported.client_uri.c_str());
  // Parents (the launcher, tests) wait for these lines on stdout.
  if (exported.exported != nullptr) {
    printf("export: %s\n", exported.client_uri.c_str());
  }
  if (metrics != nullptr) printf("metrics: port %d\n", metrics->port());
  printf("ready: %s node %u\n", cfg.role.c_str(), executor.node_id());
  fflush(stdout);
  // And systemd (Type=notify units, packaging/systemd/).
  NotifyReady(cfg.role + " node " + std::to_string(executor.node_id()) +
              (exported.exported != nullptr
                   ? ", exported at " + exported.client_uri
                   : " on " + fabric->Describe()));

  while (!WaitForStop(reaper != nullptr ? 250 : 1000)) {
    if (reaper != nullptr) {
      s = reaper->RunOnce();
      if (!s.ok()) LogWarn(log.get(), "reaper: %s", s.ToString().c_str());
    }
  }
  NotifyStopping();
  metrics.reset();  // its scrapes read the executor, allocator and search
  executor.Stop();
  if (search != nullptr) {
    search->Stop();
    const SearchServer::Stats ss = search->stats();
    Log(log.get(), "delegated search: %llu requests, %llu keys, %llu "
        "rejected, %.1f ms busy",
        static_cast<unsigned long long>(ss.requests),
        static_cast<unsigned long long>(ss.keys),
        static_cast<unsigned long long>(ss.rejected), ss.busy_micros / 1e3);
  }
  const JobExecutor::Stats done = executor.stats();
  Log(log.get(), "stopped: %llu jobs done, %llu failed, %llu revoked",
      static_cast<unsigned long long>(done.done),
      static_cast<unsigned long long>(done.failed),
      static_cast<unsigned long long>(done.revoked));
  search.reset();
  reaper.reset();
  mailboxes.reset();
  allocator.reset();
  board.reset();
  nodes.reset();
#if O3LSM_WITH_OFI
  exported.ofi.reset();
#endif
#if O3LSM_WITH_RDMA
  exported.rdma.reset();
#endif
  exported_pool.reset();
  fabric.reset();
  if (memory && cfg.remove_pool) {
    const size_t colon = cfg.pool.find(':');
    std::string path = cfg.pool.substr(colon + 1);
    path = path.substr(0, path.find('?'));
    if (!path.empty()) unlink(path.c_str());
  }
  return 0;
}

struct ClusterConfig {
  std::string pool;
  std::string size = "1G";
  int workers = 2;
  int threads = 1;
  int memory_threads = 0;
  std::string memory_cpus;
  std::string worker_cpus;
  int wait_ms = 10000;
};

pid_t Spawn(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    // The launcher takes the stop signals for the whole cluster.
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  return pid;
}

int RunLocalCluster(const ClusterConfig& cfg) {
  if (cfg.pool.empty()) {
    fprintf(stderr, "o3lsm-node: error: local-cluster needs --pool (e.g. "
                    "emulated:/dev/shm/o3lsm-pool or cxl:/dev/shm/o3lsm-pool)\n");
    return 2;
  }
  const sigset_t stop = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::vector<pid_t> children;
  std::vector<std::string> mem = {"o3lsm-node", "--role=memory",
                                  "--pool=" + cfg.pool, "--create",
                                  "--size=" + cfg.size,
                                  "--threads=" + std::to_string(cfg.memory_threads)};
  if (!cfg.memory_cpus.empty()) mem.push_back("--cpus=" + cfg.memory_cpus);
  children.push_back(Spawn(mem));
  for (int i = 0; i < cfg.workers; i++) {
    std::vector<std::string> w = {"o3lsm-node", "--role=worker",
                                  "--pool=" + cfg.pool,
                                  "--threads=" + std::to_string(cfg.threads),
                                  "--wait-ms=" + std::to_string(cfg.wait_ms),
                                  "--name=worker-" + std::to_string(i + 1)};
    if (!cfg.worker_cpus.empty()) w.push_back("--cpus=" + cfg.worker_cpus);
    children.push_back(Spawn(w));
  }
  Log(ProcessLog(),
      "local cluster on %s: memory node pid %d, %d workers; SIGINT or "
      "SIGTERM stops it",
      cfg.pool.c_str(), children[0], cfg.workers);
  int status = 0;
  while (true) {
    if (WaitForStop(200)) break;
    const pid_t dead = waitpid(-1, &status, WNOHANG);
    if (dead > 0) {
      LogWarn(ProcessLog(), "child %d exited (status %d); stopping the cluster",
              dead, status);
      break;
    }
  }
  for (pid_t pid : children) kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (pid_t pid : children) kill(pid, SIGKILL);
  while (waitpid(-1, &status, 0) > 0) {
  }
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"o3lsm-node: a memory node or worker of an o3lsm cluster"};
  app.set_config("--config", "", "read options from a TOML/INI file");
  // A misspelt key in a config file is an error, not silently ignored.
  app.allow_config_extras(CLI::config_extras_mode::error);
  Config cfg;
  std::string cluster_file;
  app.add_option("--cluster", cluster_file,
                 "cluster file every node shares: pool, listen, transport, "
                 "secret, cluster_id (docs/cluster.md)");
  app.add_option("--role", cfg.role, "memory or worker")
      ->check(CLI::IsMember({"memory", "worker"}));
  app.add_option("--pool", cfg.pool,
                 "DM pool URI: emulated:/dev/shm/NAME, cxl:PATH, "
                 "ofi://HOST:PORT, rdma://HOST:PORT");
  app.add_flag("--create", cfg.create, "memory: create the pool if missing");
  app.add_option("--size", cfg.size, "memory: pool size when created")
      ->capture_default_str();
  app.add_option("--cluster-id", cfg.cluster_id,
                 "cluster id of a new pool; a network pool's clients must "
                 "name it");
  app.add_option("--threads", cfg.threads,
                 "job executor threads (worker default 1, memory 0)");
  app.add_option("--search-threads", cfg.search_threads,
                 "memory: threads serving delegated search (0: none; "
                 "lookups then read DM one-sided)")
      ->capture_default_str();
  app.add_option("--block-cache-size", cfg.block_cache_size,
                 "memory: DM block cache compute nodes share (e.g. 256M; 0: "
                 "none; auto: pool/8 for a pool of 4G or more)")
      ->capture_default_str();
  app.add_option("--name", cfg.name, "node name in the node table");
  app.add_option("--cpus", cfg.cpus, "run only on these CPUs, e.g. 1 or 0-3");
  app.add_option("--listen", cfg.listen,
                 "memory: export the pool on HOST:PORT to the clients that "
                 "prove the cluster secret (no wildcard default)")
      ->group("Network");
  app.add_option("--transport", cfg.transport,
                 "memory: ofi (libfabric: TCP, verbs, EFA, ...) or rdma "
                 "(rdma-core verbs)")
      ->capture_default_str()
      ->check(CLI::IsMember({"ofi", "rdma"}))
      ->group("Network");
  app.add_option("--provider", cfg.provider,
                 "memory: libfabric provider for ofi (default: the first of "
                 "verbs;ofi_rxm, efa, cxi, opx, tcp;ofi_rxm this host has)")
      ->group("Network");
  app.add_option("--secret", cfg.secret,
                 "the cluster's key file (absolute path; created 0600 by a "
                 "memory node's --create)")
      ->group("Network");
  app.add_option("--liveness-ms", cfg.liveness_ms,
                 "memory: a node silent this long is reaped")
      ->capture_default_str();
  app.add_option("--wait-ms", cfg.wait_ms,
                 "worker: wait this long for the pool to appear")
      ->capture_default_str();
  app.add_option("--log", cfg.log, "log file (default: standard error)");
  app.add_option("--metrics-listen", cfg.metrics_listen,
                 "serve Prometheus metrics at http://HOST:PORT/metrics "
                 "(o3lsm_node_*, o3lsm_pool_*: docs/cluster.md); port 0 or "
                 "none: no endpoint");
  app.add_flag("--remove-pool", cfg.remove_pool,
               "memory: delete the pool file on exit");
  app.add_option("--debug-job-delay-ms", cfg.debug_job_delay_ms,
                 "testing: hold every job this long before running it");
  app.add_option("--storage-latency-us", cfg.storage_latency_us,
                 "model remote storage: latency added to each file operation");
  app.add_option("--storage-bandwidth-mbps", cfg.storage_bandwidth_mbps,
                 "model remote storage: MiB/s shared by this node's files");

  ClusterConfig cc;
  CLI::App* local = app.add_subcommand(
      "local-cluster", "start a memory node and workers on this host");
  local->add_option("--pool", cc.pool, "pool URI")->required();
  local->add_option("--size", cc.size, "pool size")->capture_default_str();
  local->add_option("--workers", cc.workers, "worker processes")
      ->capture_default_str();
  local->add_option("--threads", cc.threads, "executor threads per worker")
      ->capture_default_str();
  local->add_option("--memory-threads", cc.memory_threads,
                    "executor threads on the memory node")
      ->capture_default_str();
  local->add_option("--memory-cpus", cc.memory_cpus, "CPUs of the memory node");
  local->add_option("--worker-cpus", cc.worker_cpus, "CPUs of the workers");
  std::string status_pool;
  int status_watch_ms = 500;
  CLI::App* status = app.add_subcommand(
      "status", "show the live cluster of a pool: nodes, load, jobs per owner "
                "(opens no database)");
  std::string status_cluster;
  auto* status_pool_opt =
      status->add_option("--pool", status_pool, "pool URI");
  status->add_option("--cluster", status_cluster,
                     "cluster file naming the pool")
      ->excludes(status_pool_opt);
  status->add_option("--watch-ms", status_watch_ms,
                     "watch heartbeats this long to tell live nodes")
      ->capture_default_str()
      ->check(CLI::Range(10, 60000));
  CLI11_PARSE(app, argc, argv);

  if (local->parsed()) return RunLocalCluster(cc);
  if (status->parsed()) {
    if (!status_cluster.empty()) {
      tools::ClusterFile file;
      Status s = tools::ClusterFile::Read(status_cluster, &file);
      if (!s.ok()) return Fail("--cluster", s);
      status_pool = file.ClientUri();
    }
    if (status_pool.empty()) {
      fprintf(stderr, "o3lsm-node: error: status needs --pool or --cluster\n");
      return 2;
    }
    return RunPoolStatus(status_pool, status_watch_ms, stdout);
  }
  if (!cluster_file.empty()) {
    tools::ClusterFile file;
    Status s = tools::ClusterFile::Read(cluster_file, &file);
    if (!s.ok()) return Fail("--cluster", s);
    // The command line wins over the file.
    const bool memory = cfg.role == "memory";
    if (cfg.pool.empty()) cfg.pool = memory ? file.pool : file.ClientUri();
    if (memory && cfg.listen.empty()) cfg.listen = file.listen;
    if (app.count("--transport") == 0 && !file.transport.empty()) {
      cfg.transport = file.transport;
    }
    if (cfg.provider.empty()) cfg.provider = file.provider;
    if (cfg.secret.empty()) cfg.secret = file.secret;
    if (cfg.cluster_id == 0) cfg.cluster_id = file.cluster_id;
    if (app.count("--size") == 0 && !file.size.empty()) cfg.size = file.size;
  }
  if (cfg.role.empty()) {
    fprintf(stderr, "o3lsm-node: error: give --role=memory|worker, or the "
                    "local-cluster or status subcommand (see --help)\n");
    return 2;
  }
  return RunNode(cfg);
}

}  // namespace
}  // namespace o3lsm::node

int main(int argc, char** argv) { return o3lsm::node::Main(argc, argv); }
