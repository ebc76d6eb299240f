// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Multi-process cluster tests: a memory node and workers are real
// o3lsm-node processes, reaching the pool through /dev/shm (Shm) or over
// the network stack (OfiTcp: the memory node exports it with
// --listen on loopback, everyone else opens ofi:// with the cluster's key
// file); the compute node is this process (or a helper process, to be
// killed). Covers flush
// jobs running on the workers, a worker killed mid-job, the memory node
// killed, and the compute node killed.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "interconnect/dm_allocator.h"
#include "lsm/db/db_impl.h"
#include "lsm/version/filename.h"
#include "o3lsm/build_config.h"
#include "o3lsm/db.h"
#if O3LSM_WITH_OFI
#include "interconnect/net/cluster_secret.h"
#endif
#include "tests/offload/cluster_keys.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

// A child process whose stdout the test reads line by line.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) close(out_);
  }

  // Starts the program and waits (up to timeout_ms) for a line starting
  // with ready_prefix; *line receives it.
  ::testing::AssertionResult Start(const std::vector<std::string>& args,
                                   const std::string& ready_prefix,
                                   std::string* line, int timeout_ms = 15000) {
    int fds[2];
    if (pipe(fds) != 0) return ::testing::AssertionFailure() << "pipe";
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(args[0].c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
    std::string buf;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      struct pollfd p = {out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c;
      const ssize_t n = read(out_, &c, 1);
      if (n <= 0) break;
      if (c != '\n') {
        buf.push_back(c);
        continue;
      }
      if (buf.rfind(ready_prefix, 0) == 0) {
        if (line != nullptr) *line = buf;
        return ::testing::AssertionSuccess();
      }
      buf.clear();
    }
    return ::testing::AssertionFailure()
           << args[0] << " did not print '" << ready_prefix << "'";
  }

  void Kill(int sig) {
    kill(pid_, sig);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

int NodeIdOf(const std::string& ready_line) {
  // "ready: worker node 3"
  const size_t at = ready_line.rfind(' ');
  return atoi(ready_line.c_str() + at + 1);
}

uint64_t WorkerJobsDone(const std::string& nodes) {
  // "node 2: worker  worker-1  alive  jobs 0/1  cpu ..  done 7"
  uint64_t done = 0;
  size_t pos = 0;
  while ((pos = nodes.find("node ", pos)) != std::string::npos) {
    const size_t eol = nodes.find('\n', pos);
    const std::string line = nodes.substr(pos, eol - pos);
    if (line.find(": worker") != std::string::npos) {
      const size_t d = line.find("done ");
      if (d != std::string::npos) done += strtoull(line.c_str() + d + 5, nullptr, 10);
    }
    pos = eol;
  }
  return done;
}

// The parameter: how the nodes reach the pool ("Shm" or "OfiTcp").
class ClusterTest : public ::testing::TestWithParam<const char*> {
 protected:
  ClusterTest() : network_(std::string(GetParam()) == "OfiTcp") {
    static int counter = 0;
    pool_path_ = "/dev/shm/o3lsm-cluster-test-" + std::to_string(getpid()) +
                 "-" + std::to_string(counter++);
    node_pool_uri_ = "emulated:" + pool_path_;
    pool_uri_ = node_pool_uri_;  // over the network: set by StartMemoryNode
#if O3LSM_WITH_OFI
    if (network_) {
      key_ = dir_.Child("cluster.key");
      EXPECT_OK(fabric::ClusterSecret::CreateFile(key_));
    }
#endif
  }
  void SetUp() override {
#if !O3LSM_WITH_OFI
    if (network_) {
      GTEST_SKIP() << "o3lsm was built without ofi (O3LSM_WITH_OFI=OFF)";
    }
#endif
  }
  ~ClusterTest() override {
    db_.reset();
    unlink(pool_path_.c_str());
  }

  // block_cache: the memory node's --block-cache-size.
  ::testing::AssertionResult StartMemoryNode(
      Process* p, const std::string& block_cache = "16M") {
    std::vector<std::string> args = {
        O3LSM_NODE_BIN, "--role=memory", "--pool=" + node_pool_uri_,
        "--create", "--size=96M", "--block-cache-size=" + block_cache};
    if (!network_) return p->Start(args, "ready:", nullptr);
    args.insert(args.end(), {"--listen=127.0.0.1:0", "--secret=" + key_,
                             "--cluster-id=4242"});
    // "export: ofi://127.0.0.1:PORT?secret=...": what everyone else opens.
    std::string line;
    auto r = p->Start(args, "export: ", &line);
    if (!r) return r;
    pool_uri_ = line.substr(strlen("export: "));
    // The workers find it through the cluster file.
    const size_t host = strlen("ofi://");
    const std::string listen =
        pool_uri_.substr(host, pool_uri_.find('?') - host);
    cluster_file_ = dir_.Child("cluster.toml");
    Status s = WriteStringToFile(
        Env::Default(),
        "listen = \"" + listen + "\"\nsecret = \"" + key_ +
            "\"\ncluster_id = 4242\nstorage = \"" + dir_.path() + "\"\n",
        cluster_file_, false);
    if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
    return r;
  }
  ::testing::AssertionResult StartWorker(Process* p, int* node,
                                         int delay_ms = 0) {
    std::string line;
    auto r = p->Start({O3LSM_NODE_BIN, "--role=worker",
                       network_ ? "--cluster=" + cluster_file_
                                : "--pool=" + pool_uri_,
                       "--debug-job-delay-ms=" + std::to_string(delay_ms)},
                      "ready:", &line);
    if (r) *node = NodeIdOf(line);
    return r;
  }

  void OpenDb(uint32_t offload) {
    db_.reset();
    Options o = test::ClusterTestOptions(pool_uri_);
    o.offload = offload;
    if (tweak_) tweak_(&o);
    ASSERT_OK(DB::Open(o, dir_.path(), &db_));
  }
  DBImpl* impl() { return static_cast<DBImpl*>(db_.get()); }

  void Write(int from, int to) {
    for (int i = from; i < to; i++) {
      ASSERT_OK(db_->Put(WriteOptions(), test::ClusterKey(i),
                         test::ClusterValue(i)));
    }
  }
  void CheckKeys(int n) {
    for (int i = 0; i < n; i++) {
      std::string v;
      ASSERT_OK(db_->Get(ReadOptions(), test::ClusterKey(i), &v)) << i;
      ASSERT_EQ(test::ClusterValue(i), v) << i;
    }
    auto it = db_->NewIterator(ReadOptions());
    int count = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) count++;
    ASSERT_OK(it->status());
    ASSERT_EQ(n, count);
  }

  std::string Property(const std::string& name) {
    std::string v;
    EXPECT_TRUE(db_->GetProperty(name, &v)) << name;
    return v;
  }

  // Waits up to timeout_ms for property `name` to contain `text`.
  bool WaitForProperty(const std::string& name, const std::string& text,
                       int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string v;
      if (db_->GetProperty(name, &v) && v.find(text) != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Writes keys [0, n) in rounds of `round_keys`, calling `after_round`
  // after each, until o3lsm.jobs shows `text` (a job of the kind held by
  // a worker); returns n. One round is what the test needs; the rounds
  // after it are for a loaded machine (sanitizers, tests in parallel),
  // where a worker's heartbeat can miss the liveness timeout and the jobs
  // planned meanwhile run on the compute node instead.
  int WriteUntilClaimed(const std::string& text,
                        const std::function<void()>& after_round,
                        int round_keys = 5000) {
    int n = 0;
    for (int round = 0; round < 6; round++) {
      Write(n, n + round_keys);
      n += round_keys;
      after_round();
      if (::testing::Test::HasFatalFailure()) return n;
      if (WaitForProperty("o3lsm.jobs", text, 10000)) return n;
    }
    ADD_FAILURE() << "no job shows \"" << text << "\" after " << n
                  << " keys\n"
                  << Property("o3lsm.jobs") << Property("o3lsm.nodes")
                  << Property("o3lsm.stats");
    return n;
  }

  // Every .sst in the directory is a live file (no orphan outputs).
  void ExpectNoOrphanTables() {
    const std::string live = Property("o3lsm.sstables");
    std::vector<std::string> children;
    ASSERT_OK(Env::Default()->GetChildren(dir_.path(), &children));
    for (const auto& name : children) {
      uint64_t number;
      FileType type;
      if (!ParseFileName(name, &number, &type) || type != FileType::kTableFile) {
        continue;
      }
      EXPECT_NE(std::string::npos, live.find(" " + std::to_string(number) + ":"))
          << name << " is not live:\n" << live;
    }
  }

  uint64_t FreeChunks() {
    fabric::FabricOptions fo;
    fo.uri = pool_uri_;
    std::unique_ptr<fabric::Fabric> f;
    EXPECT_OK(fabric::OpenFabric(fo, &f));
    std::unique_ptr<fabric::DmAllocator> a;
    EXPECT_OK(fabric::DmAllocator::Open(f.get(), 900, &a));
    fabric::AllocatorStats st;
    EXPECT_OK(a->GetStats(&st));
    return st.free_chunks;
  }

  // Random puts, deletes, gets and scans over key_space keys against a
  // std::map, with reopens in between and jobs run by a worker process.
  // expect_split: some compactions were split into sub-jobs.
  void RunRandomOperationsAgainstAModel(uint64_t key_space, bool expect_split) {
    Process memory, worker;
    int node = 0;
    ASSERT_TRUE(StartMemoryNode(&memory));
    ASSERT_TRUE(StartWorker(&worker, &node));
    const uint32_t all = kOffloadMemtable | kOffloadFlush | kOffloadCompaction;
    OpenDb(all);
    ASSERT_TRUE(WaitForProperty("o3lsm.nodes", "worker", 5000));
    std::map<std::string, std::string> model;
    Random64 rnd(2026);
    auto key = [&] { return "k" + std::to_string(rnd.Uniform(key_space)); };
    for (int step = 0; step < 10000; step++) {
      const uint64_t op = rnd.Uniform(1000) / 10;
      if (step % 300 == 299) {
        OpenDb(all);  // reopen in between
      } else if (op < 55) {
        const std::string k = key();
        const std::string v = test::RandomBytes(&rnd, 20 + rnd.Uniform(200));
        ASSERT_OK(db_->Put(WriteOptions(), k, v));
        model[k] = v;
      } else if (op < 70) {
        const std::string k = key();
        ASSERT_OK(db_->Delete(WriteOptions(), k));
        model.erase(k);
      } else if (op < 95) {
        const std::string k = key();
        std::string v;
        Status s = db_->Get(ReadOptions(), k, &v);
        auto m = model.find(k);
        if (m == model.end()) {
          ASSERT_TRUE(s.IsNotFound()) << "step " << step << ": " << s.ToString();
        } else {
          ASSERT_OK(s) << "step " << step;
          ASSERT_EQ(m->second, v) << "step " << step;
        }
      } else {
        auto it = db_->NewIterator(ReadOptions());
        auto m = model.begin();
        for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
          ASSERT_NE(m, model.end()) << "step " << step;
          ASSERT_EQ(m->first, it->key().ToString()) << "step " << step;
          ASSERT_EQ(m->second, it->value().ToString()) << "step " << step;
        }
        ASSERT_OK(it->status());
        ASSERT_EQ(m, model.end()) << "step " << step;
      }
    }
    ASSERT_OK(db_->Flush(FlushOptions()));
    ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_GT(WorkerJobsDone(Property("o3lsm.nodes")), 0u);
    if (expect_split) {
      const std::string stats = Property("o3lsm.stats");
      const size_t at = stats.find("split compactions: ");
      ASSERT_NE(std::string::npos, at) << stats;
      EXPECT_GT(atoi(stats.c_str() + at + strlen("split compactions: ")), 0)
          << stats;
    }
    OpenDb(all);
    for (const auto& [k, v] : model) {
      std::string got;
      ASSERT_OK(db_->Get(ReadOptions(), k, &got));
      ASSERT_EQ(v, got);
    }
  }

  const bool network_;
  test::ScratchDir dir_;
  std::string key_;            // network: the cluster's key file
  std::string cluster_file_;   // network: what the workers start from
  std::string node_pool_uri_;  // the memory node's own pool
  std::string pool_path_;
  // Applied to the options of every OpenDb.
  std::function<void(Options*)> tweak_;
  std::string pool_uri_;
  std::unique_ptr<DB> db_;
};


}  // namespace

TEST_P(ClusterTest, FlushesAndCompactionsRunOnWorkerProcesses) {
  Process memory, w1, w2;
  int n1 = 0, n2 = 0;
  ASSERT_TRUE(StartMemoryNode(&memory));
  ASSERT_TRUE(StartWorker(&w1, &n1));
  ASSERT_TRUE(StartWorker(&w2, &n2));
  OpenDb(kOffloadMemtable | kOffloadFlush | kOffloadCompaction);
  ASSERT_TRUE(WaitForProperty("o3lsm.nodes", "worker", 5000));
  Write(0, 40000);
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  // The workers report the jobs they ran through the node table.
  ASSERT_TRUE(WaitForProperty("o3lsm.nodes", "done", 2000));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string nodes = Property("o3lsm.nodes");
  EXPECT_GT(WorkerJobsDone(nodes), 0u) << nodes;
  const std::string jobs = Property("o3lsm.jobs");
  EXPECT_EQ(std::string::npos, jobs.find("done 0,")) << jobs;
  CheckKeys(40000);
  ExpectNoOrphanTables();
  OpenDb(kOffloadMemtable | kOffloadFlush | kOffloadCompaction);
  CheckKeys(40000);
}

TEST_P(ClusterTest, WorkerKilledMidFlushTheJobRunsElsewhere) {
  Process memory, slow, fast;
  int slow_node = 0, fast_node = 0;
  ASSERT_TRUE(StartMemoryNode(&memory));
  // The only worker holds every job for 20 s: it will be killed mid-job.
  ASSERT_TRUE(StartWorker(&slow, &slow_node, 20000));
  OpenDb(kOffloadMemtable | kOffloadFlush);
  ASSERT_TRUE(WaitForProperty("o3lsm.nodes", "worker", 5000));
  const int n = WriteUntilClaimed("flush claimed", [this] {
    ASSERT_OK(db_->Flush(FlushOptions{/*wait=*/false}));
  });
  ASSERT_TRUE(StartWorker(&fast, &fast_node));
  slow.Kill(SIGKILL);
  // Its lease stops moving; the job is re-posted and the other worker
  // finishes it.
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  const std::string jobs = Property("o3lsm.jobs");
  EXPECT_EQ(std::string::npos, jobs.find("re-posted 0,")) << jobs;
  CheckKeys(n);
  ExpectNoOrphanTables();  // the killed attempt left no file behind
  OpenDb(kOffloadMemtable | kOffloadFlush);
  CheckKeys(n);
}

// A compaction split into sub-jobs, one of them claimed by a worker that
// is killed: only that sub-job runs again (elsewhere), the compaction
// installs once, and no attempt leaves a file behind.
TEST_P(ClusterTest, WorkerKilledMidSubJobOnlyThatPartRunsAgain) {
  Process memory, slow, fast;
  int slow_node = 0, fast_node = 0;
  ASSERT_TRUE(StartMemoryNode(&memory));
  ASSERT_TRUE(StartWorker(&slow, &slow_node, 20000));
  Options o = test::ClusterTestOptions(pool_uri_);
  o.offload = kOffloadCompaction;
  o.target_file_size_base = 128 << 10;  // a few MiB of input: sub-jobs
  ASSERT_OK(DB::Open(o, dir_.path(), &db_));
  ASSERT_TRUE(WaitForProperty("o3lsm.nodes", "worker", 5000));
  const int n = WriteUntilClaimed("compaction claimed", [] {}, 30000);
  ASSERT_TRUE(StartWorker(&fast, &fast_node));
  slow.Kill(SIGKILL);
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  const std::string stats = Property("o3lsm.stats");
  const size_t at = stats.find("split compactions: ");
  ASSERT_NE(std::string::npos, at) << stats;
  EXPECT_GT(atoi(stats.c_str() + at + strlen("split compactions: ")), 0)
      << stats;
  EXPECT_EQ(std::string::npos, Property("o3lsm.jobs").find("re-posted 0,"))
      << Property("o3lsm.jobs");
  CheckKeys(n);
  ExpectNoOrphanTables();
  db_.reset();
  ASSERT_OK(DB::Open(o, dir_.path(), &db_));
  CheckKeys(n);
}

TEST_P(ClusterTest, MemoryNodeKilledTheComputeNodeFallsBackToLocal) {
  Process memory, worker;
  int node = 0;
  ASSERT_TRUE(StartMemoryNode(&memory));
  ASSERT_TRUE(StartWorker(&worker, &node));
  OpenDb(kOffloadMemtable | kOffloadFlush);
  impl()->TEST_PauseFlushes(true);
  Write(0, 8000);
  ASSERT_TRUE(WaitForProperty("o3lsm.segments", "in DM", 5000));
  EXPECT_GT(impl()->TEST_DmLiveBytes(), 0u);
  memory.Kill(SIGKILL);
  // The memory node's heartbeat stops: DM is taken as lost and the
  // memtables that lived only there are rebuilt from the WAL.
  ASSERT_TRUE(WaitForProperty("o3lsm.stats", "UNAVAILABLE", 15000))
      << Property("o3lsm.stats");
  impl()->TEST_PauseFlushes(false);
  Write(8000, 12000);  // writing goes on, with local memtables
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  CheckKeys(12000);
  // Everything reached storage: it reads back without any pool.
  OpenDb(0);
  CheckKeys(12000);
}

// Lookups delegated to the memory node process while it is SIGKILLed:
// every read gives the right value or a retryable error, never a wrong
// one; the waits that the dead node leaves unanswered fall back to
// one-sided reads of the pool (Shm: still there, it is a file; OfiTcp:
// gone with the node, a retryable error), until the compute node takes DM
// as lost and reads its rebuilt memtables.
TEST_P(ClusterTest, MemoryNodeKilledDuringDelegatedReads) {
  Process memory;
  ASSERT_TRUE(StartMemoryNode(&memory, "0"));
  tweak_ = [](Options* o) { o->dm_read_mode = DmReadMode::kDelegated; };
  OpenDb(kOffloadMemtable);
  impl()->TEST_PauseFlushes(true);
  Write(0, 6000);
  ASSERT_OK(db_->Flush(FlushOptions{/*wait=*/false}));
  while (impl()->TEST_SealedLocalBytes() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CheckKeys(6000);
  const DmReadPath::Counters& c = impl()->TEST_DmReads()->counters();
  ASSERT_GT(c.delegated.load(), 1000u) << Property("o3lsm.stats");

  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0}, retryable{0}, right{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; t++) {
    readers.emplace_back([&, t] {
      Random64 rnd(t + 7);
      while (!stop.load()) {
        const int i = static_cast<int>(rnd.Uniform(6000));
        std::string v;
        Status s = db_->Get(ReadOptions(), test::ClusterKey(i), &v);
        if (s.ok() && v == test::ClusterValue(i)) {
          right++;
        } else if (s.retryable()) {
          retryable++;
        } else {
          wrong++;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  memory.Kill(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(0, wrong.load()) << retryable.load() << " retryable";
  EXPECT_GT(right.load(), 0);
  if (network_) {
    // Over the network the pool died with its node: reads stay retryable
    // errors until the compute node takes DM as lost and rebuilds.
    ASSERT_TRUE(WaitForProperty("o3lsm.stats", "UNAVAILABLE", 15000))
        << Property("o3lsm.stats");
  }
  impl()->TEST_PauseFlushes(false);
  // Once flushed, what DM held is read from storage (Shm: flushed from
  // DM; OfiTcp: from the memtables the WAL rebuilt).
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  CheckKeys(6000);
}

TEST_P(ClusterTest, ComputeNodeKilledReopenRecoversAndCollectsItsSegments) {
  Process memory, cn;
  ASSERT_TRUE(StartMemoryNode(&memory));
  const uint64_t free_before = FreeChunks();
  std::string line;
  ASSERT_TRUE(cn.Start({O3LSM_CN_HELPER_BIN, dir_.path(), pool_uri_, "6000"},
                       "ready", &line, 30000));
  EXPECT_GT(strtoull(line.c_str() + 6, nullptr, 10), 0u) << line;
  EXPECT_LT(FreeChunks(), free_before);  // its segments hold DM
  cn.Kill(SIGKILL);
  // Reopening evicts the dead incarnation and frees what it held in DM;
  // the WAL brings every acknowledged write back.
  OpenDb(kOffloadMemtable | kOffloadFlush);
  EXPECT_EQ(free_before, FreeChunks());
  CheckKeys(6000);
}

// Two compute nodes (this process and a helper process) on one pool share
// its memory node and workers; `o3lsm-node status` shows the whole
// cluster; killing one compute node touches nothing of the other's, and
// the dead one's database reopens with every write.
TEST_P(ClusterTest, TwoComputeNodesShareOnePoolAndItsWorkers) {
  Process memory, w1, w2, other;
  ASSERT_TRUE(StartMemoryNode(&memory));
  int n1 = 0, n2 = 0;
  ASSERT_TRUE(StartWorker(&w1, &n1));
  ASSERT_TRUE(StartWorker(&w2, &n2));
  test::ScratchDir other_dir;
  std::string line;
  ASSERT_TRUE(other.Start({O3LSM_CN_HELPER_BIN, other_dir.path(), pool_uri_,
                           "20000", "flush"},
                          "ready", &line, 60000));
  unsigned long long other_bytes = 0, other_jobs = 0;
  ASSERT_EQ(2, sscanf(line.c_str(), "ready %llu %llu", &other_bytes,
                      &other_jobs)) << line;
  EXPECT_GT(other_jobs, 0u) << "the other compute node's jobs never ran";

  OpenDb(kOffloadMemtable | kOffloadFlush | kOffloadCompaction);
  Write(0, 20000);
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  CheckKeys(20000);
  const std::string jobs = Property("o3lsm.jobs");
  EXPECT_EQ(std::string::npos, jobs.find("done 0,")) << jobs;
  // Both compute nodes and both workers are in the node table, and the
  // jobs of the two compute nodes went to both workers (a worker publishes
  // its count with its heartbeat: wait for it).
  auto jobs_done_by = [](const std::string& nodes, int n) -> uint64_t {
    const size_t at = nodes.find("node " + std::to_string(n) + ": worker");
    if (at == std::string::npos) return 0;
    return strtoull(nodes.c_str() + nodes.find("done ", at) + 5, nullptr, 10);
  };
  std::string nodes;
  for (int i = 0; i < 250; i++) {
    nodes = Property("o3lsm.nodes");
    if (jobs_done_by(nodes, n1) > 0 && jobs_done_by(nodes, n2) > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(jobs_done_by(nodes, n1), 0u) << nodes;
  EXPECT_GT(jobs_done_by(nodes, n2), 0u) << nodes;
  size_t computes = 0;
  for (size_t at = 0; (at = nodes.find(": compute", at)) != std::string::npos;
       at++) {
    computes++;
  }
  EXPECT_EQ(2u, computes) << nodes;

  // The pool, seen by the status command (no database opened).
  const std::string cmd = std::string(O3LSM_NODE_BIN) + " status '--pool=" +
                          pool_uri_ + "' --watch-ms=400";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(nullptr, p);
  std::string status;
  char buf[512];
  while (fgets(buf, sizeof(buf), p) != nullptr) status += buf;
  ASSERT_EQ(0, pclose(p)) << status;
  EXPECT_NE(std::string::npos, status.find("5 registered, 5 alive")) << status;
  EXPECT_NE(std::string::npos, status.find("jobs on the board")) << status;
  EXPECT_NE(std::string::npos, status.find("delegated search: 1 threads, "
                                           "serving"))
      << status;

  // The other compute node dies: this one goes on.
  other.Kill(SIGKILL);
  Write(20000, 30000);
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  CheckKeys(30000);
  // Its database reopens (evicting its dead incarnation) with every write.
  {
    std::unique_ptr<DB> reopened;
    ASSERT_OK(DB::Open(test::ClusterTestOptions(pool_uri_), other_dir.path(),
                       &reopened));
    for (int i = 0; i < 20000; i++) {
      std::string v;
      ASSERT_OK(reopened->Get(ReadOptions(), test::ClusterKey(i), &v)) << i;
      ASSERT_EQ(test::ClusterValue(i), v) << i;
    }
  }
  CheckKeys(30000);
}

TEST_P(ClusterTest, RandomOperationsMatchStdMapWithFlushesOnAnotherProcess) {
  // Tables read with pread and a small local cache: blocks come from the
  // memory node's block cache too.
  tweak_ = [](Options* o) {
    o->allow_mmap_reads = false;
    o->block_cache_size = 128 << 10;
  };
  RunRandomOperationsAgainstAModel(3000, /*expect_split=*/false);
  const std::string stats = Property("o3lsm.stats");
  EXPECT_NE(std::string::npos, stats.find("DM block cache: ")) << stats;
  EXPECT_EQ(std::string::npos, stats.find("DM block cache: 0.0 MiB")) << stats;
}

// The same with compactions split into sub-jobs run by the worker: the
// results are what local compactions give.
TEST_P(ClusterTest, RandomOperationsMatchStdMapWithCompactionSubJobs) {
  tweak_ = [](Options* o) {
    o->target_file_size_base = 64 << 10;
    o->level0_file_num_compaction_trigger = 2;
  };
  RunRandomOperationsAgainstAModel(20000, /*expect_split=*/true);
}

INSTANTIATE_TEST_SUITE_P(Transports, ClusterTest,
                         ::testing::Values("Shm", "OfiTcp"),
                         [](const auto& info) {
                           return std::string(info.param);
                         });

}  // namespace o3lsm
