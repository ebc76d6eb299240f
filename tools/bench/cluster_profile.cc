// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/cluster_profile.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace o3lsm::bench {

void ApplyProfile(BenchFlags* f) {
  const bool disagg = f->profile == "disagg";
  auto pick = [disagg](auto* field, auto profile_value, auto plain) {
    if (*field < 0) *field = disagg ? profile_value : plain;
  };
  // A remote-memory link of the RDMA class, and network storage.
  pick(&f->fabric_latency_ns, int64_t{2000}, int64_t{0});
  pick(&f->fabric_bandwidth_gbps, 12.0, 0.0);
  pick(&f->storage_latency_us, int64_t{100}, int64_t{0});
  pick(&f->storage_bandwidth_mbps, int64_t{1024}, int64_t{0});
  pick(&f->cluster_workers, int32_t{1}, int32_t{0});
  if (disagg) {
    if (f->cn_cpus.empty()) f->cn_cpus = "0";
    if (f->worker_cpus.empty()) f->worker_cpus = "1";
  }
}

Status PinProcessToCpus(const std::string& list) {
  cpu_set_t set;
  CPU_ZERO(&set);
  size_t pos = 0;
  while (pos < list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string::npos) end = list.size();
    int lo, hi;
    const std::string part = list.substr(pos, end - pos);
    if (sscanf(part.c_str(), "%d-%d", &lo, &hi) != 2) {
      if (sscanf(part.c_str(), "%d", &lo) != 1) {
        return Status::InvalidArgument("bad CPU list '" + list + "'");
      }
      hi = lo;
    }
    if (lo < 0 || hi < lo || hi >= CPU_SETSIZE) {
      return Status::InvalidArgument("bad CPU range '" + part + "'");
    }
    for (int c = lo; c <= hi; c++) CPU_SET(c, &set);
    pos = end + 1;
  }
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    return Status::InvalidArgument("cannot run on CPUs " + list + ": " +
                                   strerror(errno));
  }
  return Status::OK();
}

std::string FabricModelQuery(const BenchFlags& f) {
  std::string q;
  if (f.fabric_latency_ns > 0) {
    q += "latency_ns=" + std::to_string(f.fabric_latency_ns);
  }
  if (f.fabric_bandwidth_gbps > 0) {
    if (!q.empty()) q += "&";
    char buf[32];
    snprintf(buf, sizeof(buf), "%g", f.fabric_bandwidth_gbps);
    q += std::string("bandwidth_gbps=") + buf;
  }
  return q;
}

namespace {

// o3lsm-node lives next to o3lsm-bench.
std::string NodeBinary() {
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "o3lsm-node";
  self[n] = '\0';
  std::string dir(self);
  dir = dir.substr(0, dir.rfind('/'));
  return dir + "/o3lsm-node";
}

}  // namespace

namespace {

// The --log=PATH of a node's command line ("" if none).
std::string LogOf(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a.rfind("--log=", 0) == 0) return a.substr(6);
  }
  return "";
}

}  // namespace

Status LocalCluster::Spawn(const std::vector<std::string>& args,
                           std::string* exported) {
  int fds[2];
  if (pipe(fds) != 0) return Status::IOError("pipe", strerror(errno));
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDERR_FILENO);  // keep the report clean
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(args[0].c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  pids_.push_back(pid);
  // Wait for its "ready:" line.
  std::string line;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  Status s = Status::TimedOut(args[0], "node did not start in 20 s");
  while (std::chrono::steady_clock::now() < deadline) {
    struct pollfd p = {fds[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c;
    if (read(fds[0], &c, 1) != 1) {
      s = Status::IOError(args[0], "node exited at start (its log: " +
                                       LogOf(args) + ")");
      break;
    }
    if (c != '\n') {
      line.push_back(c);
    } else if (line.rfind("ready:", 0) == 0) {
      s = Status::OK();
      break;
    } else {
      // An exporting memory node first says where: "export: URI".
      if (exported != nullptr && line.rfind("export: ", 0) == 0) {
        *exported = line.substr(strlen("export: "));
      }
      line.clear();
    }
  }
  close(fds[0]);
  return s;
}

std::string LocalCluster::LogPath(const std::string& node) {
  logs_.push_back("/tmp/o3lsm-bench-" + std::to_string(getpid()) + "-" +
                  node + ".log");
  return logs_.back();
}

Status LocalCluster::Start(const BenchFlags& f) {
  pool_path_ = "/dev/shm/o3lsm-bench-" + std::to_string(getpid());
  unlink(pool_path_.c_str());
  // Over ofi the link is the real network stack (loopback TCP): no model.
  const bool ofi = f.cluster_transport == "ofi";
  const std::string query = ofi ? "" : FabricModelQuery(f);
  pool_uri_ = "emulated:" + pool_path_ + (query.empty() ? "" : "?" + query);
  const uint64_t budget =
      f.dm_budget > 0 ? static_cast<uint64_t>(f.dm_budget)
                      : 8 * static_cast<uint64_t>(f.write_buffer_size);
  const uint64_t pool_mib =
      (budget + budget / 4 + std::max<int64_t>(0, f.dm_block_cache_size)) /
          (1 << 20) +
      128;
  const std::string node = NodeBinary();
  std::vector<std::string> storage = {
      "--storage-latency-us=" + std::to_string(f.storage_latency_us),
      "--storage-bandwidth-mbps=" + std::to_string(f.storage_bandwidth_mbps)};
  std::vector<std::string> mem = {node, "--role=memory", "--pool=" + pool_uri_,
                                  "--create",
                                  "--size=" + std::to_string(pool_mib) + "M",
                                  "--remove-pool",
                                  "--log=" + LogPath("memory"),
                                  "--search-threads=" +
                                      std::to_string(f.search_threads),
                                  "--block-cache-size=" +
                                      std::to_string(std::max<int64_t>(
                                          0, f.dm_block_cache_size))};
  if (!f.worker_cpus.empty()) mem.push_back("--cpus=" + f.worker_cpus);
  if (ofi) {
    key_path_ = "/tmp/o3lsm-bench-" + std::to_string(getpid()) + ".key";
    unlink(key_path_.c_str());
    mem.insert(mem.end(), {"--listen=127.0.0.1:0", "--secret=" + key_path_,
                           "--cluster-id=1"});
  }
  std::string exported;
  Status s = Spawn(mem, &exported);
  if (s.ok() && ofi) {
    if (exported.empty()) {
      s = Status::IOError("memory node", "did not say where it exports");
    }
    pool_uri_ = exported;
  }
  for (int i = 0; s.ok() && i < f.cluster_workers; i++) {
    std::vector<std::string> w = {
        node, "--role=worker", "--pool=" + pool_uri_,
        "--threads=" + std::to_string(f.worker_threads),
        "--name=bench-worker-" + std::to_string(i + 1),
        "--log=" + LogPath("worker-" + std::to_string(i + 1))};
    w.insert(w.end(), storage.begin(), storage.end());
    if (!f.worker_cpus.empty()) w.push_back("--cpus=" + f.worker_cpus);
    s = Spawn(w, nullptr);
  }
  if (!s.ok()) {
    keep_logs_ = true;  // the error names one
    Stop();
  }
  return s;
}

void LocalCluster::Stop() {
  for (pid_t pid : pids_) kill(pid, SIGTERM);
  for (pid_t pid : pids_) {
    int status;
    waitpid(pid, &status, 0);
  }
  pids_.clear();
  if (!pool_path_.empty()) unlink(pool_path_.c_str());
  if (!key_path_.empty()) unlink(key_path_.c_str());
  if (!keep_logs_) {
    for (const std::string& log : logs_) unlink(log.c_str());
  }
  logs_.clear();
}

PeakSampler::PeakSampler(DB* db) : db_(db) {
  Sample();
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      Sample();
    }
  });
}

PeakSampler::~PeakSampler() {
  stop_.store(true);
  thread_.join();
  Sample();
}

void PeakSampler::Sample() {
  std::string v;
  auto update = [](std::atomic<uint64_t>* peak, uint64_t x) {
    uint64_t cur = peak->load();
    while (x > cur && !peak->compare_exchange_weak(cur, x)) {
    }
  };
  if (db_->GetProperty("o3lsm.local-write-buffer-bytes", &v)) {
    update(&local_peak_, strtoull(v.c_str(), nullptr, 10));
  }
  if (db_->GetProperty("o3lsm.dm-live-bytes", &v)) {
    update(&dm_peak_, strtoull(v.c_str(), nullptr, 10));
  }
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) {
      update(&anon_peak_, static_cast<uint64_t>(atoll(line.c_str() + 8)) << 10);
      break;
    }
  }
}

void ResetPeakRss() {
  // "5" resets the peak RSS (VmHWM) since Linux 4.0.
  std::ofstream f("/proc/self/clear_refs");
  if (f) f << "5";
}

int64_t PeakRssKib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return atoll(line.c_str() + 6);
  }
  return 0;
}

}  // namespace o3lsm::bench
