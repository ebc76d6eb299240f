// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The rdma backend where it can be tested without a device (wire format,
// clear errors), and a client/server round trip where a device exists.
// The verbs themselves run in the conformance suites (the Rdma parameter).

#include <cstdlib>

#include "o3lsm/build_config.h"
#include "tests/fabric/fabric_test_util.h"
#include "tests/testutil.h"
#if O3LSM_WITH_RDMA
#include "interconnect/net/cluster_secret.h"
#include "interconnect/rdma/rdma_fabric.h"
#include "interconnect/rdma/rdma_server.h"
#include "interconnect/rdma/rdma_wire.h"
#endif

namespace o3lsm::fabric::test {
namespace {

#if !O3LSM_WITH_RDMA

TEST(RdmaFabric, NeedsRdma) { GTEST_SKIP() << NotBuiltReason("rdma"); }

#else  // O3LSM_WITH_RDMA

TEST(RdmaWire, RoundTripsAndRejectsForeignBytes) {
  rdma_wire::Admission a;
  a.pool_id = 7;
  a.cm_port = 40001;
  a.remote_addr = 0x7f0000001000ull;
  a.pool_size = 1ull << 30;
  a.rkey = 0xabcd;
  a.atomic_cap = 1;
  for (size_t i = 0; i < a.ticket.size(); i++) a.ticket[i] = uint8_t(i * 7);
  const std::string blob = rdma_wire::EncodeAdmission(a);
  rdma_wire::Admission b;
  ASSERT_TRUE(rdma_wire::DecodeAdmission(blob, &b));
  EXPECT_EQ(a.pool_id, b.pool_id);
  EXPECT_EQ(a.cm_port, b.cm_port);
  EXPECT_EQ(a.remote_addr, b.remote_addr);
  EXPECT_EQ(a.pool_size, b.pool_size);
  EXPECT_EQ(a.rkey, b.rkey);
  EXPECT_EQ(a.ticket, b.ticket);
  EXPECT_FALSE(rdma_wire::DecodeAdmission(blob.substr(1), &b));
  EXPECT_FALSE(rdma_wire::DecodeAdmission("ofi", &b));

  char buf[rdma_wire::kTicketMessageSize];
  rdma_wire::EncodeTicket(a.ticket, buf);
  rdma_wire::Ticket t;
  ASSERT_TRUE(rdma_wire::DecodeTicket(buf, sizeof(buf), &t));
  EXPECT_EQ(a.ticket, t);
  EXPECT_FALSE(rdma_wire::DecodeTicket(buf, sizeof(buf) - 1, &t));
  EXPECT_FALSE(rdma_wire::DecodeTicket(nullptr, 0, &t));
  buf[0] ^= 1;
  EXPECT_FALSE(rdma_wire::DecodeTicket(buf, sizeof(buf), &t));
}

TEST(RdmaFabric, WithoutADeviceOpenFailsClearly) {
  std::string why;
  if (RdmaDeviceAvailable(&why))
    GTEST_SKIP() << "an RDMA device exists: " << why;
  EXPECT_NE(std::string::npos, why.find("no RDMA device")) << why;
  FabricOptions o;
  o.uri = "rdma://127.0.0.1:7471";
  std::unique_ptr<Fabric> f;
  Status s = OpenFabric(o, &f);
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_TRUE(s.retryable());
  EXPECT_NE(std::string::npos, s.ToString().find("127.0.0.1:7471"))
      << s.ToString();

  FabricOptions po;
  po.uri = "emulated:?size=4M";
  po.layout = TestLayout();
  std::unique_ptr<Fabric> pool;
  ASSERT_OK(OpenFabric(po, &pool));
  std::unique_ptr<RdmaPoolServer> server;
  s = RdmaPoolServer::Start(pool.get(), RdmaServerOptions(), &server);
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
}

TEST(RdmaFabric, ClientSeesTheServersPoolAndDoorbells) {
  std::string why;
  if (!RdmaDeviceAvailable(&why)) GTEST_SKIP() << why;
  const char* host = getenv("O3LSM_RDMA_TEST_HOST");
  if (host == nullptr) GTEST_SKIP() << "set O3LSM_RDMA_TEST_HOST";
  FabricOptions po;
  po.uri = "emulated:?size=8M";
  po.layout = TestLayout();
  po.cluster_id = kTestClusterId;
  std::unique_ptr<Fabric> pool;
  ASSERT_OK(OpenFabric(po, &pool));
  o3lsm::test::ScratchDir keys("rdma-keys");
  const std::string key = NewKeyFile(keys, "cluster.key");
  RdmaServerOptions so;
  so.control.host = host;
  so.control.port = 0;
  ASSERT_OK(ClusterSecret::Load(key, &so.control.secret));
  std::unique_ptr<RdmaPoolServer> server;
  ASSERT_OK(RdmaPoolServer::Start(pool.get(), so, &server));
  FabricOptions o;
  o.uri = "rdma://" + std::string(host) + ":" + std::to_string(server->port()) +
          "?secret=" + key + "&cluster_id=" + std::to_string(kTestClusterId);
  std::unique_ptr<Fabric> client;
  ASSERT_OK(OpenFabric(o, &client));
  EXPECT_EQ(pool->pool_id(), client->pool_id());
  EXPECT_EQ(nullptr,
            client->LocalView(client->RegionStart(RegionKind::kHeap), 8));
  // The memory node sees the client's write in place.
  const DmAddr at = client->RegionStart(RegionKind::kHeap);
  uint64_t v = 0x1234;
  ASSERT_OK(client->Write(at, &v, 8));
  EXPECT_EQ(0x1234u, *static_cast<uint64_t*>(pool->LocalView(at, 8)));
  // A ring from the server wakes the client.
  const DmAddr bell = client->RegionStart(RegionKind::kMailboxes);
  ASSERT_OK(server->exported()->Ring(bell));
  uint64_t now = 0;
  ASSERT_OK(client->WaitOnWord(bell, 0, std::chrono::seconds(5), &now));
  EXPECT_EQ(1u, now);
}

#endif  // O3LSM_WITH_RDMA

}  // namespace
}  // namespace o3lsm::fabric::test
