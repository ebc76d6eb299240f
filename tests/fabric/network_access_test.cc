// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Who gets into a memory node over the network (docs/fabric.md, "Who gets
// in"): the cluster key file, the handshake, and an OfiPoolServer on
// loopback refusing a wrong secret, no secret, a stale cluster id and a
// peer that sends garbage or nothing - each with a clear error on both
// sides, while its real clients keep working - and a memory node killed
// in the middle of verbs giving its client a retryable error in time.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "o3lsm/build_config.h"
#include "tests/fabric/fabric_test_util.h"
#include "tests/testutil.h"
#include "util/mutex.h"
#if O3LSM_WITH_OFI || O3LSM_WITH_RDMA
#include "interconnect/net/cluster_secret.h"
#include "interconnect/net/export_connection.h"
#include "interconnect/net/handshake.h"
#include "interconnect/net/tcp_socket.h"
#endif
#if O3LSM_WITH_OFI
#include "interconnect/ofi/ofi_server.h"
#endif

namespace o3lsm::fabric::test {
namespace {

using namespace std::chrono_literals;

// The key file tests need interconnect/net/ (built with either network
// backend); the memory node tests need ofi.
#if O3LSM_WITH_OFI

// Collects what the memory node logs.
class CapturingLogger final : public Logger {
 public:
  using Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[2048];
    vsnprintf(line, sizeof(line), format, ap);
    MutexLock lock(&mu_);
    text_ += line;
    text_ += '\n';
  }
  std::string text() {
    MutexLock lock(&mu_);
    return text_;
  }
  // True once the log holds fragment (the node logs a refusal just after
  // sending it), waiting up to 5 s.
  bool Has(const std::string& fragment) {
    for (int i = 0; i < 500; i++) {
      if (text().find(fragment) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  Mutex mu_;
  std::string text_ GUARDED_BY(mu_);
};

#endif  // O3LSM_WITH_OFI

#if O3LSM_WITH_OFI || O3LSM_WITH_RDMA

TEST(ClusterSecret, KeyFileIsCreatedPrivateAndNeverOverwritten) {
  o3lsm::test::ScratchDir dir("secret");
  const std::string path = dir.Child("cluster.key");
  ASSERT_OK(ClusterSecret::CreateFile(path));
  struct stat st;
  ASSERT_EQ(0, stat(path.c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);
  ClusterSecret a, b;
  ASSERT_OK(ClusterSecret::Load(path, &a));
  ASSERT_OK(ClusterSecret::Load(path, &b));
  EXPECT_TRUE(ClusterSecret::Equal(a.Sign({"x", "y"}), b.Sign({"x", "y"})));
  EXPECT_FALSE(ClusterSecret::Equal(a.Sign({"x", "y"}), a.Sign({"xy"})) &&
               ClusterSecret::Equal(a.Sign({"x"}), a.Sign({"y"})));
  Status s = ClusterSecret::CreateFile(path);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("never overwritten"));

  // Two fresh keys differ.
  const std::string other = dir.Child("other.key");
  ASSERT_OK(ClusterSecret::CreateFile(other));
  ClusterSecret c;
  ASSERT_OK(ClusterSecret::Load(other, &c));
  EXPECT_FALSE(ClusterSecret::Equal(a.Sign({"n"}), c.Sign({"n"})));
}

TEST(ClusterSecret, UnusableKeyFilesAreClearErrors) {
  o3lsm::test::ScratchDir dir("secret-bad");
  ClusterSecret s;
  Status st = ClusterSecret::Load(dir.Child("missing.key"), &s);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(std::string::npos, st.ToString().find("missing.key"));

  const std::string open_key = dir.Child("open.key");
  ASSERT_OK(ClusterSecret::CreateFile(open_key));
  ASSERT_EQ(0, chmod(open_key.c_str(), 0644));
  st = ClusterSecret::Load(open_key, &s);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(std::string::npos, st.ToString().find("chmod 600")) << st.ToString();

  const std::string short_key = dir.Child("short.key");
  ASSERT_OK(WriteStringToFile(Env::Default(), "abcd\n", short_key, false));
  ASSERT_EQ(0, chmod(short_key.c_str(), 0600));
  st = ClusterSecret::Load(short_key, &s);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(std::string::npos, st.ToString().find("64 hex digits"));
}

#else  // !(O3LSM_WITH_OFI || O3LSM_WITH_RDMA)

TEST(ClusterSecret, NeedsANetworkBackend) {
  GTEST_SKIP() << NotBuiltReason("ofi") << ", " << NotBuiltReason("rdma");
}

#endif  // O3LSM_WITH_OFI || O3LSM_WITH_RDMA

#if O3LSM_WITH_OFI

// A memory node on loopback with its key, and what it logged.
class NetworkAccess : public ::testing::Test {
 protected:
  // How long the node gives one handshake.
  static constexpr std::chrono::milliseconds kHandshakeTimeout{4000};

  void SetUp() override {
    FabricOptions po;
    po.uri = "emulated:?size=8M";
    po.layout = TestLayout();
    po.cluster_id = kTestClusterId;
    ASSERT_OK(OpenFabric(po, &pool_));
    key_ = NewKeyFile(dir_, "cluster.key");
    Serve("127.0.0.1");
  }

  // (Re)starts the node's server on host.
  void Serve(const std::string& host) {
    server_.reset();
    OfiServerOptions so;
    so.control.host = host;
    so.control.port = 0;
    so.control.timeout = kHandshakeTimeout;
    so.control.info_log = log_;
    so.provider = "tcp;ofi_rxm";
    ASSERT_OK(ClusterSecret::Load(key_, &so.control.secret));
    Status s = OfiPoolServer::Start(pool_.get(), so, &server_);
    if (s.IsNotSupported()) GTEST_SKIP() << s.ToString();
    ASSERT_OK(s);
  }

  std::string Uri(const std::string& key, uint64_t cluster_id) const {
    std::string uri = "ofi://127.0.0.1:" + std::to_string(server_->port());
    std::string sep = "?";
    if (!key.empty()) {
      uri += sep + "secret=" + key;
      sep = "&";
    }
    if (cluster_id != 0) uri += sep + "cluster_id=" + std::to_string(cluster_id);
    return uri;
  }
  Status Open(const std::string& uri, std::unique_ptr<Fabric>* f) {
    FabricOptions o;
    o.uri = uri;
    o.timeout = 3000ms;
    return OpenFabric(o, f);
  }
  // A real client reads and writes the heap.
  void ExpectServes(Fabric* f) {
    const DmAddr at = f->RegionStart(RegionKind::kHeap) + 64;
    const uint64_t v = 0xfeed0000 + ++serial_;
    ASSERT_OK(f->Write(at, &v, 8));
    uint64_t back = 0;
    ASSERT_OK(f->Read(at, &back, 8));
    EXPECT_EQ(v, back);
  }

  o3lsm::test::ScratchDir dir_{"net-access"};
  std::shared_ptr<CapturingLogger> log_ = std::make_shared<CapturingLogger>();
  std::unique_ptr<Fabric> pool_;
  std::string key_;
  std::unique_ptr<OfiPoolServer> server_;
  uint64_t serial_ = 0;
};

TEST_F(NetworkAccess, WrongSecretIsRefusedAndLoggedWhileRealClientsWork) {
  std::unique_ptr<Fabric> real;
  ASSERT_OK(Open(Uri(key_, kTestClusterId), &real));
  ExpectServes(real.get());

  const std::string wrong = NewKeyFile(dir_, "wrong.key");
  std::unique_ptr<Fabric> intruder;
  Status s = Open(Uri(wrong, kTestClusterId), &intruder);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_FALSE(s.retryable());
  EXPECT_NE(std::string::npos, s.ToString().find("refused the cluster secret"))
      << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("wrong.key")) << s.ToString();
  EXPECT_TRUE(log_->Has("does not hold this cluster's secret"))
      << log_->text();
  EXPECT_EQ(1u, server_->exported()->stats().refused);
  ExpectServes(real.get());
  EXPECT_EQ(1, server_->clients());
}

TEST_F(NetworkAccess, NoSecretOrNoClusterIdIsAClearError) {
  std::unique_ptr<Fabric> f;
  Status s = Open(Uri("", kTestClusterId), &f);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("no cluster secret"))
      << s.ToString();
  s = Open(Uri(key_, 0), &f);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("no cluster id"))
      << s.ToString();
  // A peer that skips the proof (all zeros) is refused by the node.
  int fd = -1;
  ASSERT_OK(net::ConnectTcp("127.0.0.1", server_->port(),
                            net::DeadlineIn(2000ms), &fd));
  char challenge[net::kChallengeSize];
  ASSERT_OK(net::RecvAll(fd, challenge, sizeof(challenge),
                         net::DeadlineIn(2000ms)));
  std::string proof(net::kProofHeaderSize, '\0');
  memcpy(proof.data(), "O3PR", 4);
  proof[4] = static_cast<char>(net::kHandshakeVersion);  // little-endian
  ASSERT_OK(net::SendAll(fd, proof.data(), proof.size(),
                         net::DeadlineIn(2000ms)));
  char answer[net::kAnswerHeaderSize];
  ASSERT_OK(net::RecvAll(fd, answer, sizeof(answer), net::DeadlineIn(2000ms)));
  EXPECT_EQ(static_cast<int>(net::RefusalCode::kBadProof), answer[6]);
  close(fd);
  EXPECT_EQ(0, server_->clients());
}

TEST_F(NetworkAccess, StaleClusterIdIsRefused) {
  std::unique_ptr<Fabric> f;
  Status s = Open(Uri(key_, kTestClusterId + 1), &f);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos,
            s.ToString().find("asked for cluster " +
                              std::to_string(kTestClusterId + 1)))
      << s.ToString();
  EXPECT_TRUE(
      log_->Has("this pool is cluster " + std::to_string(kTestClusterId)))
      << log_->text();
}

TEST_F(NetworkAccess, GarbageAndSilentPeersAreDroppedWhileOthersConnect) {
  std::unique_ptr<Fabric> real;
  ASSERT_OK(Open(Uri(key_, kTestClusterId), &real));
  // One peer says nothing at all; another sends bytes that are no
  // handshake. Meanwhile a real client connects and works.
  int silent = -1, garbage = -1;
  ASSERT_OK(net::ConnectTcp("127.0.0.1", server_->port(),
                            net::DeadlineIn(2000ms), &silent));
  ASSERT_OK(net::ConnectTcp("127.0.0.1", server_->port(),
                            net::DeadlineIn(2000ms), &garbage));
  Random64 rnd(99);
  const std::string junk = o3lsm::test::RandomBytes(&rnd, 4096, false);
  net::SendAll(garbage, junk.data(), junk.size(), net::DeadlineIn(2000ms))
      .PermitUncheckedError();
  std::unique_ptr<Fabric> second;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK(Open(Uri(key_, kTestClusterId), &second));
  // Waiting behind the silent peer would take its whole handshake timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, kHandshakeTimeout / 2)
      << "a stalled handshake delayed another client";
  ExpectServes(second.get());
  ExpectServes(real.get());
  // Both bad peers are cut off: the node closes the connections.
  char c;
  for (int fd : {garbage, silent}) {
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(1, poll(&p, 1, 2 * kHandshakeTimeout.count()));
    while (recv(fd, &c, 1, MSG_DONTWAIT) > 0) {
    }
    EXPECT_EQ(0, recv(fd, &c, 1, 0));
    close(fd);
  }
  EXPECT_TRUE(log_->Has("not an o3lsm handshake")) << log_->text();
  EXPECT_EQ(2, server_->clients());
}

TEST_F(NetworkAccess, NotificationsReachOnlyTheClientsThatWatchTheWord) {
  FabricOptions o;
  o.secret_path = key_;
  o.cluster_id = kTestClusterId;
  net::NetworkTarget target;
  ASSERT_OK(net::MakeNetworkTarget(o, "127.0.0.1", server_->port(), &target));
  std::unique_ptr<net::ExportConnection> watcher, other;
  std::string blob;
  ASSERT_OK(net::ExportConnection::Connect(target, "ofi", &watcher, &blob));
  ASSERT_OK(net::ExportConnection::Connect(target, "ofi", &other, &blob));
  const DmAddr word = pool_->RegionStart(RegionKind::kMailboxes);
  ASSERT_OK(watcher->Watch(word.offset()));
  const uint64_t w0 = watcher->notifications();
  const uint64_t o0 = other->notifications();
  // The watch travels on its own connection: ring until it has arrived.
  for (int i = 0; i < 400 && watcher->notifications() == w0; i++) {
    ASSERT_OK(server_->exported()->Ring(word));
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GT(watcher->notifications(), w0);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(o0, other->notifications());
  // A client speaking the other transport is refused, clearly.
  std::unique_ptr<net::ExportConnection> wrong;
  Status s = net::ExportConnection::Connect(target, "rdma", &wrong, &blob);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.ToString().find("connect with ofi://"))
      << s.ToString();
}

// A node asked to listen everywhere (0.0.0.0) advertises an unspecified
// data address: the client reaches it where it reached the control port.
TEST_F(NetworkAccess, ANodeListeningEverywhereIsReachedWhereDialed) {
  ASSERT_NO_FATAL_FAILURE(Serve("0.0.0.0"));
  ASSERT_NE(nullptr, server_);
  std::unique_ptr<Fabric> f;
  ASSERT_OK(Open(Uri(key_, kTestClusterId), &f));
  const DmAddr at = f->RegionStart(RegionKind::kHeap);
  const uint64_t v = 77;
  ASSERT_OK(f->Write(at, &v, 8));
  uint64_t back = 0;
  ASSERT_OK(f->Read(at, &back, 8));
  EXPECT_EQ(77u, back);
  // The node's own view of the pool holds it too.
  const auto* word = static_cast<const std::atomic<uint64_t>*>(
      pool_->LocalView(at, 8));
  EXPECT_EQ(77u, word->load());
}

TEST_F(NetworkAccess, AClientsAccessEndsWithItsControlConnection) {
  std::unique_ptr<Fabric> f;
  ASSERT_OK(Open(Uri(key_, kTestClusterId), &f));
  ExpectServes(f.get());
  EXPECT_EQ(1, server_->clients());
  f.reset();
  for (int i = 0; i < 100 && server_->clients() > 0; i++) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(0, server_->clients());
  EXPECT_TRUE(log_->Has("left")) << log_->text();
}

TEST(NetworkAccessProcess, MemoryNodeKilledMidVerbsIsARetryableErrorInTime) {
  ASSERT_TRUE(std::filesystem::exists(HelperPath())) << HelperPath();
  o3lsm::test::ScratchDir dir("net-kill");
  const std::string key = NewKeyFile(dir, "cluster.key");
  ShmPath shm("net-kill");
  // The helper creates the pool with this cluster id and serves it.
  const std::string pool_uri = "emulated:" + shm.path() + "?size=32M&cluster_id=" +
                               std::to_string(kTestClusterId);
  int out[2];
  ASSERT_EQ(0, pipe(out));
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    execl(HelperPath().c_str(), HelperPath().c_str(), "serve-ofi",
          pool_uri.c_str(), key.c_str(), nullptr);
    _exit(127);
  }
  close(out[1]);
  FILE* from = fdopen(out[0], "r");
  int port = 0;
  ASSERT_EQ(1, fscanf(from, "port %d", &port));
  FabricOptions o;
  o.uri = "ofi://127.0.0.1:" + std::to_string(port) + "?secret=" + key +
          "&cluster_id=" + std::to_string(kTestClusterId);
  o.timeout = 2000ms;
  std::unique_ptr<Fabric> f;
  ASSERT_OK(OpenFabric(o, &f));
  // Verbs in flight on several threads when the node dies.
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  std::vector<Status> last(4);
  std::vector<std::chrono::steady_clock::duration> took(4);
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      std::string buf(256 << 10, 'x');
      const DmAddr at = f->RegionStart(RegionKind::kHeap) + t * buf.size();
      while (!stop) {
        const auto start = std::chrono::steady_clock::now();
        Status s = t % 2 == 0 ? f->Write(at, buf.data(), buf.size())
                              : f->Read(at, buf.data(), buf.size());
        took[t] = std::chrono::steady_clock::now() - start;
        if (!s.ok()) {
          last[t] = s;
          return;
        }
        ok++;
      }
    });
  }
  while (ok < 20) std::this_thread::sleep_for(1ms);
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  for (auto& t : threads) t.join();
  fclose(from);
  for (int t = 0; t < 4; t++) {
    EXPECT_TRUE(last[t].retryable()) << last[t].ToString();
    EXPECT_LT(took[t], o.timeout + 1000ms) << last[t].ToString();
  }
  // Later verbs fail at once, naming the node.
  uint64_t v;
  const auto start = std::chrono::steady_clock::now();
  Status s = f->Read(f->RegionStart(RegionKind::kHeap), &v, 8);
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("127.0.0.1")) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
}

#else  // !O3LSM_WITH_OFI

TEST(NetworkAccess, NeedsOfi) { GTEST_SKIP() << NotBuiltReason("ofi"); }

#endif  // O3LSM_WITH_OFI

}  // namespace
}  // namespace o3lsm::fabric::test
