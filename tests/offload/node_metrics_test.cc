// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// o3lsm-node --metrics-listen: a real memory node serves Prometheus text at
// /metrics, scraped with curl; its values are the node's (role, pool
// capacity, jobs it ran for a compute node in this process). Also pins the
// node's log line format on standard error.

#include <chrono>
#include <cstdio>
#include <cstring>
#include <gtest/gtest.h>
#include <regex>
#include <signal.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include "o3lsm/db.h"
#include "o3lsm/env.h"

#include "lsm/db/db_impl.h"
#include "tests/metrics_test_util.h"
#include "tests/offload/cluster_keys.h"
#include "tests/testutil.h"

namespace o3lsm {
namespace {

std::string ReadFile(const std::string& path) {
  std::string data;
  ReadFileToString(Env::Default(), path, &data).PermitUncheckedError();
  return data;
}

class NodeMetricsTest : public ::testing::Test {
 protected:
  NodeMetricsTest()
      : pool_path_("/dev/shm/o3lsm-metrics-test-" + std::to_string(getpid())),
        pool_uri_("emulated:" + pool_path_) {}
  ~NodeMetricsTest() override {
    db_.reset();
    if (node_ > 0) {
      kill(node_, SIGTERM);
      test::ReapProcess(node_);
    }
    unlink(pool_path_.c_str());
  }

  // Starts a memory node that also runs jobs, serving metrics; true once it
  // is ready, with port_ its metrics port.
  bool StartMemoryNode() {
    for (int attempt = 0; attempt < 5; attempt++) {
      port_ = test::FreePort();
      if (port_ <= 0) continue;
      out_ = dir_.Child("node.out." + std::to_string(attempt));
      err_ = dir_.Child("node.err." + std::to_string(attempt));
      node_ = test::SpawnProcess(
          {"/bin/sh", "-c",
           std::string("exec ") + O3LSM_NODE_BIN +
               " --role=memory --pool=" + pool_uri_ +
               " --create --size=64M --threads=1 --search-threads=0"
               " --block-cache-size=0 --name=metrics-test"
               " --metrics-listen=127.0.0.1:" +
               std::to_string(port_) + " >" + out_ + " 2>" + err_});
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(15);
      while (std::chrono::steady_clock::now() < deadline) {
        if (ReadFile(out_).find("ready:") != std::string::npos) return true;
        if (kill(node_, 0) != 0) break;  // exited: the port was taken?
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      kill(node_, SIGKILL);
      test::ReapProcess(node_);
      node_ = -1;
      unlink(pool_path_.c_str());
    }
    return false;
  }

  test::ScratchDir dir_;
  const std::string pool_path_;
  const std::string pool_uri_;
  pid_t node_ = -1;
  int port_ = 0;
  std::string out_, err_;
  std::unique_ptr<DB> db_;
};

TEST_F(NodeMetricsTest, ServesTheNodesMetrics) {
  if (system("command -v curl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no curl (scripts/install-deps.sh installs it)";
  }
  ASSERT_TRUE(StartMemoryNode()) << ReadFile(err_);
  EXPECT_NE(std::string::npos,
            ReadFile(out_).find("metrics: port " + std::to_string(port_)))
      << ReadFile(out_);

  std::string text = test::Scrape(port_);
  ASSERT_NE("", text) << "curl got nothing from port " << port_;
  EXPECT_NE(std::string::npos,
            text.find("# TYPE o3lsm_node_jobs_total counter"))
      << text;
  const std::regex info(R"re(o3lsm_node_info\{[^}]*role="memory"[^}]*\} 1)re");
  EXPECT_TRUE(std::regex_search(text, info)) << text;
  EXPECT_NE(std::string::npos, text.find("name=\"metrics-test\"")) << text;
  EXPECT_EQ(64.0 * 1024 * 1024, test::Sample(text, "o3lsm_pool_capacity_bytes"))
      << text;
  const double heap = test::Sample(text, "o3lsm_pool_heap_bytes");
  const double used = test::Sample(text, "o3lsm_pool_used_bytes");
  EXPECT_GT(heap, 0) << text;
  EXPECT_LE(heap, 64.0 * 1024 * 1024);
  EXPECT_GE(used, 0) << text;
  EXPECT_LE(used, heap);
  EXPECT_GE(test::Sample(text, "o3lsm_pool_chunks{state=\"free\"}"), 0) << text;
  EXPECT_GT(test::Sample(text, "o3lsm_node_uptime_seconds"), 0) << text;
  EXPECT_EQ(1, test::Sample(text, "o3lsm_node_job_threads")) << text;
  const double age = test::Sample(text, "o3lsm_node_heartbeat_age_seconds");
  EXPECT_GE(age, 0) << text;
  EXPECT_LT(age, 5) << text;
  const std::string flushes_done =
      "o3lsm_node_jobs_total{kind=\"flush\",outcome=\"done\"}";
  EXPECT_EQ(0, test::Sample(text, flushes_done)) << text;
  // Asked for OpenMetrics (as Prometheus asks): the same samples, counter
  // families named without "_total", and "# EOF" at the end.
  const std::string om = test::Scrape(port_, /*open_metrics=*/true);
  EXPECT_NE(std::string::npos, om.find("# TYPE o3lsm_node_jobs counter\n"))
      << om;
  EXPECT_EQ(0, test::Sample(om, flushes_done)) << om;
  EXPECT_EQ(64.0 * 1024 * 1024, test::Sample(om, "o3lsm_pool_capacity_bytes"))
      << om;
  ASSERT_GE(om.size(), 6u);
  EXPECT_EQ("# EOF\n", om.substr(om.size() - 6)) << om;

  // A compute node in this process offloads flushes: the node runs them.
  ASSERT_OK(
      DB::Open(test::ClusterTestOptions(pool_uri_), dir_.Child("db"), &db_));
  for (int i = 0; i < 2000; i++) {
    ASSERT_OK(
        db_->Put(WriteOptions(), test::ClusterKey(i), test::ClusterValue(i)));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  double done = 0;
  while (done < 1 && std::chrono::steady_clock::now() < deadline) {
    text = test::Scrape(port_);
    done = test::Sample(text, flushes_done);
    if (done < 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(done, 1) << text;
  EXPECT_GT(test::Sample(text, "o3lsm_node_job_written_bytes_total"), 0)
      << text;

  // The node's log: timestamp, thread, level and its tag on every line.
  kill(node_, SIGTERM);
  EXPECT_EQ(0, test::ReapProcess(node_));
  node_ = -1;
  const std::string err = ReadFile(err_);
  std::istringstream lines(err);
  const std::regex format(
      R"(^\d{4}/\d{2}/\d{2}-\d{2}:\d{2}:\d{2}\.\d{6} \d+ \[(INFO|WARN|ERROR)\] o3lsm-node\[memory\]: )");
  int n = 0;
  for (std::string line; std::getline(lines, line); n++) {
    EXPECT_TRUE(std::regex_search(line, format)) << line;
  }
  EXPECT_GT(n, 2) << err;
  EXPECT_NE(std::string::npos, err.find("metrics at http://127.0.0.1:")) << err;
}

TEST_F(NodeMetricsTest, PortZeroServesNothing) {
  out_ = dir_.Child("node.out");
  node_ = test::SpawnProcess(
      {"/bin/sh", "-c",
       std::string("exec ") + O3LSM_NODE_BIN +
           " --role=memory --pool=" + pool_uri_ +
           " --create --size=16M --search-threads=0 --block-cache-size=0"
           " --metrics-listen=127.0.0.1:0 >" +
           out_ + " 2>/dev/null"});
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (ReadFile(out_).find("ready:") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string out = ReadFile(out_);
  EXPECT_NE(std::string::npos, out.find("ready:")) << out;
  EXPECT_EQ(std::string::npos, out.find("metrics:")) << out;
}

// systemd's readiness protocol, as packaging/systemd's Type=notify units
// use it: the node sends READY=1 (with a STATUS naming its role) to
// $NOTIFY_SOCKET once it serves, and STOPPING=1 on SIGTERM. The test plays
// systemd's part with a datagram socket of its own.
TEST_F(NodeMetricsTest, NotifiesReadinessAndStopping) {
  const std::string socket_path = dir_.Child("notify.sock");
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(socket_path.size(), sizeof(addr.sun_path));
  memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  ASSERT_EQ(0, bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)));
  timeval timeout{15, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  auto receive = [fd] {
    char buf[1024];
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, n) : std::string();
  };

  node_ = test::SpawnProcess(
      {"/bin/sh", "-c",
       "exec env NOTIFY_SOCKET=" + socket_path + " " + O3LSM_NODE_BIN +
           " --role=memory --pool=" + pool_uri_ +
           " --create --size=16M --search-threads=0 --block-cache-size=0"
           " >/dev/null 2>/dev/null"});
  const std::string ready = receive();
  EXPECT_NE(std::string::npos, ready.find("READY=1")) << ready;
  EXPECT_NE(std::string::npos, ready.find("STATUS=memory node ")) << ready;
  kill(node_, SIGTERM);
  const std::string stopping = receive();
  EXPECT_NE(std::string::npos, stopping.find("STOPPING=1")) << stopping;
  EXPECT_EQ(0, test::ReapProcess(node_));
  node_ = -1;
  close(fd);
}

}  // namespace
}  // namespace o3lsm
