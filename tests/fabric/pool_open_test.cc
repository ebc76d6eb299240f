// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Opening pools: URIs, create/attach options, and every way a pool file can
// be wrong (foreign, truncated, empty, unformatted, corrupt superblock) on
// both file-backed backends - each must give a clear Status, never a crash.

#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interconnect/fabric.h"
#include "interconnect/fabric_uri.h"
#include "interconnect/superblock.h"
#include "tests/fabric/fabric_test_util.h"
#include "tests/testutil.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::fabric::test {
namespace {

TEST(FabricUri, ParsesEveryBackendAndItsParameters) {
  FabricOptions o;
  ParsedUri p;
  o.uri = "emulated:";
  ASSERT_OK(ParseFabricUri(&o, &p));
  EXPECT_EQ(Backend::kEmulated, p.backend);
  EXPECT_EQ("", p.path);

  o = FabricOptions();
  o.uri =
      "emulated:/dev/shm/x?size=1G&latency_ns=2000&bandwidth_gbps=12.5&numa_"
      "node=0&cluster_id=7&pool_id=3&chunk_size=2M&timeout_ms=250&create=1";
  ASSERT_OK(ParseFabricUri(&o, &p));
  EXPECT_EQ("/dev/shm/x", p.path);
  EXPECT_EQ(uint64_t{1} << 30, o.size);
  EXPECT_EQ(2000u, o.model.latency_ns);
  EXPECT_DOUBLE_EQ(12.5, o.model.bandwidth_gbps);
  EXPECT_EQ(0, o.numa_node);
  EXPECT_EQ(7u, o.cluster_id);
  EXPECT_EQ(3u, o.pool_id);
  EXPECT_EQ(2u << 20, o.layout.chunk_size);
  EXPECT_EQ(std::chrono::milliseconds(250), o.timeout);
  EXPECT_TRUE(o.create_if_missing);

  o = FabricOptions();
  o.uri = "cxl:/dev/dax0.0?format=true";
  ASSERT_OK(ParseFabricUri(&o, &p));
  EXPECT_EQ(Backend::kCxl, p.backend);
  EXPECT_EQ("/dev/dax0.0", p.path);
  EXPECT_TRUE(o.format);

  o = FabricOptions();
  o.uri = "rdma://mn1.example:7471?device=mlx5_0&port_num=1&gid_index=3";
  ASSERT_OK(ParseFabricUri(&o, &p));
  EXPECT_EQ(Backend::kRdma, p.backend);
  EXPECT_EQ("mn1.example", p.host);
  EXPECT_EQ(7471, p.port);
  EXPECT_EQ("mlx5_0", o.rdma_device);
  EXPECT_EQ(1, o.rdma_port);
  EXPECT_EQ(3, o.rdma_gid_index);

  o.uri = "rdma://[fe80::1]:9000";
  ASSERT_OK(ParseFabricUri(&o, &p));
  EXPECT_EQ("fe80::1", p.host);
  EXPECT_EQ(9000, p.port);

  o = FabricOptions();
  o.uri =
      "ofi://mn1:7470?secret=/etc/o3lsm/cluster.key&cluster_id=7&provider="
      "tcp;ofi_rxm&timeout_ms=900";
  ASSERT_OK(ParseFabricUri(&o, &p));
  EXPECT_EQ(Backend::kOfi, p.backend);
  EXPECT_EQ("mn1", p.host);
  EXPECT_EQ(7470, p.port);
  EXPECT_EQ("/etc/o3lsm/cluster.key", o.secret_path);
  EXPECT_EQ(7u, o.cluster_id);
  EXPECT_EQ("tcp;ofi_rxm", o.ofi_provider);
  EXPECT_EQ(900, o.timeout.count());
}

TEST(FabricUri, BadUrisAreInvalidArgumentWithTheReason) {
  const char* bad[] = {
      "",
      "dev/shm/x",
      "nvme:/x",
      "emulated:relative/path",
      "cxl:",
      "rdma://host",
      "rdma://:7471",
      "rdma://host:0",
      "rdma://host:99999",
      "rdma:host:1",
      "rdma://[fe80::1:1",
      "emulated:?size=12Q",
      "emulated:?size=",
      "emulated:?bogus=1",
      "emulated:?latency_ns=-3",
      "emulated:?numa_node=x",
      "emulated:?pool_id=0",
      "cxl:/x?numa_node=0",
      "rdma://h:1?size=1G",
      "ofi://h",
      "ofi:h:1",
      "ofi://h:1?secret=relative.key",
      "ofi://h:1?create=1",
      "rdma://h:1?provider=tcp",
      "emulated:?secret=/k",
      "emulated:?device=mlx5_0",
      "emulated:?bandwidth_gbps=nan",
      "emulated:?timeout_ms=0",
      "emulated:?novalue",
      "emulated:?size=99999999999999T",
  };
  for (const char* uri : bad) {
    FabricOptions o;
    o.uri = uri;
    ParsedUri p;
    Status s = ParseFabricUri(&o, &p);
    EXPECT_TRUE(s.IsInvalidArgument()) << uri << " -> " << s.ToString();
    std::unique_ptr<Fabric> f;
    s = OpenFabric(o, &f);
    EXPECT_TRUE(s.IsInvalidArgument()) << uri << " -> " << s.ToString();
  }
}

// A build without some backends (O3LSM_WITH_CXL=OFF, ...) still parses
// their URIs, and opening one says which option left it out.
TEST(FabricUri, BackendLeftOutOfTheBuildIsNotSupported) {
  const struct {
    const char* scheme;
    const char* uri;
  } backends[] = {{"cxl", "cxl:/dev/shm/o3lsm-not-built"},
                  {"ofi", "ofi://127.0.0.1:7470"},
                  {"rdma", "rdma://127.0.0.1:7471"}};
  int left_out = 0;
  for (const auto& b : backends) {
    const std::string not_built = NotBuiltReason(b.scheme);
    if (not_built.empty()) continue;
    left_out++;
    FabricOptions o;
    o.uri = b.uri;
    std::unique_ptr<Fabric> f;
    Status s = OpenFabric(o, &f);
    EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find(not_built)) << s.ToString();
    EXPECT_EQ(nullptr, f);
  }
  if (left_out == 0) GTEST_SKIP() << "this build has every fabric backend";
}

TEST(PoolLayout, PlanRejectsWhatCannotFit) {
  PoolInfo info;
  PoolLayout l;
  EXPECT_OK(PlanPool(64 << 20, 1, 0, l, &info));
  EXPECT_TRUE(PlanPool(512 << 10, 1, 0, l, &info).IsInvalidArgument());
  EXPECT_TRUE(PlanPool(2 << 20, 1, 0, l, &info).IsInvalidArgument());
  EXPECT_TRUE(PlanPool(64 << 20, 0, 0, l, &info).IsInvalidArgument());
  l.chunk_size = 3 << 20;
  EXPECT_TRUE(PlanPool(64 << 20, 1, 0, l, &info).IsInvalidArgument());
  l.chunk_size = 32 << 10;
  EXPECT_TRUE(PlanPool(64 << 20, 1, 0, l, &info).IsInvalidArgument());
  l = PoolLayout();
  l.max_owners = 1;
  EXPECT_TRUE(PlanPool(64 << 20, 1, 0, l, &info).IsInvalidArgument());
  l = PoolLayout();
  l.job_board_bytes = uint64_t{1} << 50;
  EXPECT_TRUE(PlanPool(64 << 20, 1, 0, l, &info).IsInvalidArgument());
}

// ---- Opening files that are not (good) pools, on both file backends ----

class PoolFileTest : public ::testing::TestWithParam<const char*> {
 protected:
  PoolFileTest() : shm_("open") {}
  void SetUp() override {
    const std::string not_built = NotBuiltReason(GetParam());
    if (!not_built.empty()) GTEST_SKIP() << not_built;
  }
  std::string Uri() const {
    return std::string(GetParam()) + ":" + shm_.path();
  }
  Status OpenExisting(std::unique_ptr<Fabric>* f) {
    FabricOptions o;
    o.uri = Uri();
    o.timeout = std::chrono::milliseconds(50);
    return OpenFabric(o, f);
  }
  void Create(uint64_t size = 8 << 20) {
    FabricOptions o;
    o.uri = Uri();
    o.create_if_missing = true;
    o.size = size;
    o.layout = TestLayout();
    o.cluster_id = 42;
    std::unique_ptr<Fabric> f;
    ASSERT_OK(OpenFabric(o, &f));
  }
  void WriteFile(const std::string& bytes) {
    std::ofstream out(shm_.path(), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::string ReadSuperblock() {
    std::string sb(kSuperblockSize, '\0');
    int fd = open(shm_.path().c_str(), O_RDONLY);
    EXPECT_EQ(static_cast<ssize_t>(sb.size()),
              pread(fd, sb.data(), sb.size(), 0));
    close(fd);
    return sb;
  }
  void WriteSuperblock(const std::string& sb) {
    int fd = open(shm_.path().c_str(), O_WRONLY);
    EXPECT_EQ(static_cast<ssize_t>(sb.size()),
              pwrite(fd, sb.data(), sb.size(), 0));
    close(fd);
  }
  // Expects Open to fail with code `want` and a message naming the path
  // and containing `needle`.
  void ExpectOpenFails(Status::Code want, const std::string& needle) {
    std::unique_ptr<Fabric> f;
    Status s = OpenExisting(&f);
    EXPECT_EQ(want, s.code()) << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find(shm_.path()))
        << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find(needle)) << s.ToString();
    EXPECT_EQ(nullptr, f);
  }

  ShmPath shm_;
};

TEST_P(PoolFileTest, CreateAttachAndOptions) {
  std::unique_ptr<Fabric> f;
  Status s = OpenExisting(&f);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  Create();
  ASSERT_OK(OpenExisting(&f));
  EXPECT_EQ(42u, f->cluster_id());
  EXPECT_EQ(8u << 20, f->pool_size());
  f.reset();
  FabricOptions o;
  o.uri = Uri();
  o.error_if_exists = true;
  EXPECT_TRUE(OpenFabric(o, &f).IsInvalidArgument());
  o = FabricOptions();
  o.uri = Uri() + "?cluster_id=43";
  s = OpenFabric(o, &f);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("cluster 42")) << s.ToString();
  // format re-creates it with a new size and cluster.
  o = FabricOptions();
  o.uri = Uri() + "?format=1&size=4M&cluster_id=9";
  o.layout = TestLayout();
  ASSERT_OK(OpenFabric(o, &f));
  EXPECT_EQ(9u, f->cluster_id());
  EXPECT_EQ(4u << 20, f->pool_size());
}

TEST_P(PoolFileTest, ForeignFileIsCorruption) {
  Random64 rnd(5);
  WriteFile(o3lsm::test::RandomBytes(&rnd, 4 << 20, false));
  ExpectOpenFails(Status::Code::kCorruption, "bad magic");
}

TEST_P(PoolFileTest, TextFileIsCorruption) {
  std::string text;
  while (text.size() < 3 << 20) text += "just some text file, not a pool\n";
  WriteFile(text);
  ExpectOpenFails(Status::Code::kCorruption, "not an o3lsm DM pool");
}

TEST_P(PoolFileTest, TinyFileIsTruncated) {
  WriteFile("O3LSMDM1 but short");
  ExpectOpenFails(Status::Code::kCorruption, "truncated");
}

TEST_P(PoolFileTest, EmptyFileIsCorruption) {
  WriteFile("");
  ExpectOpenFails(Status::Code::kCorruption, "empty");
}

TEST_P(PoolFileTest, TruncatedPoolIsCorruption) {
  Create(8 << 20);
  ASSERT_EQ(0, truncate(shm_.path().c_str(), 5 << 20));
  ExpectOpenFails(Status::Code::kCorruption, "truncated");
}

TEST_P(PoolFileTest, UnformattedPoolIsUnavailable) {
  WriteFile(std::string(2 << 20, '\0'));
  ExpectOpenFails(Status::Code::kUnavailable, "not formatted");
}

TEST_P(PoolFileTest, FlippedByteFailsTheChecksum) {
  Create();
  std::string sb = ReadSuperblock();
  sb[25] ^= 0x10;  // inside cluster_id
  WriteSuperblock(sb);
  ExpectOpenFails(Status::Code::kCorruption, "checksum mismatch");
}

TEST_P(PoolFileTest, UnknownVersionIsNotSupported) {
  Create();
  std::string sb = ReadSuperblock();
  EncodeFixed32(&sb[8], 99);
  WriteSuperblock(sb);
  ExpectOpenFails(Status::Code::kNotSupported, "version 99");
}

// Superblocks with a valid checksum but impossible contents.
TEST_P(PoolFileTest, BadRegionsAreCorruptionNamingTheField) {
  Create();
  PoolInfo good;
  {
    std::unique_ptr<Fabric> f;
    ASSERT_OK(OpenExisting(&f));
    good = f->pool();
  }
  struct Case {
    const char* needle;
    void (*mutate)(PoolInfo*);
  };
  const Case cases[] = {
      {"region[job board]",
       [](PoolInfo* p) {
         p->region(RegionKind::kJobBoard).offset = p->pool_size;
       }},
      {"region[mailboxes]",
       [](PoolInfo* p) { p->region(RegionKind::kMailboxes).length = 0; }},
      {"region[heap]",
       [](PoolInfo* p) { p->region(RegionKind::kHeap).length += 4096; }},
      {"region[node table]",
       [](PoolInfo* p) { p->region(RegionKind::kNodeTable).offset = 0; }},
      {"overlaps",
       [](PoolInfo* p) {
         p->region(RegionKind::kSegmentDirectory).offset =
             p->region(RegionKind::kJobBoard).offset;
       }},
      {"region[allocator]",
       [](PoolInfo* p) { p->region(RegionKind::kAllocator).length = 64; }},
      {"pool_id", [](PoolInfo* p) { p->pool_id = 0; }},
      {"pool_size", [](PoolInfo* p) { p->pool_size = 12345; }},
      {"truncated", [](PoolInfo* p) { p->pool_size = uint64_t{1} << 40; }},
      {"chunk_size", [](PoolInfo* p) { p->chunk_size = 1000; }},
  };
  for (const Case& c : cases) {
    PoolInfo p = good;
    c.mutate(&p);
    std::string sb(kSuperblockSize, '\0');
    EncodeSuperblock(p, sb.data());
    WriteSuperblock(sb);
    SCOPED_TRACE(c.needle);
    ExpectOpenFails(Status::Code::kCorruption, c.needle);
  }
  // And the untouched superblock still opens.
  std::string sb(kSuperblockSize, '\0');
  EncodeSuperblock(good, sb.data());
  WriteSuperblock(sb);
  std::unique_ptr<Fabric> f;
  ASSERT_OK(OpenExisting(&f));
}

TEST_P(PoolFileTest, TooSmallPoolIsRefusedAndNotLeftBehind) {
  FabricOptions o;
  o.uri = Uri() + "?create=1&size=64K";
  std::unique_ptr<Fabric> f;
  Status s = OpenFabric(o, &f);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("pool size")) << s.ToString();
  EXPECT_NE(0, access(shm_.path().c_str(), F_OK));
}

TEST_P(PoolFileTest, DirectoryIsRejected) {
  FabricOptions o;
  o.uri = std::string(GetParam()) + ":/dev/shm";
  std::unique_ptr<Fabric> f;
  Status s = OpenFabric(o, &f);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

// A pool larger than the tmpfs it is created on (a container's small
// /dev/shm) fails at open with NoSpace naming the free space, instead of
// opening sparse and dying of SIGBUS at the first page without room. Runs
// in a child with its own mount namespace holding a 1 MiB tmpfs; skipped
// where the kernel allows no such namespace.
TEST_P(PoolFileTest, PoolLargerThanItsTmpfsIsNoSpaceAtOpen) {
  char dir[] = "/tmp/o3lsm-small-tmpfs-XXXXXX";
  ASSERT_NE(nullptr, mkdtemp(dir));
  int pipe_fds[2];
  ASSERT_EQ(0, pipe(pipe_fds));
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(pipe_fds[0]);
    auto report = [&](int code, const std::string& text) {
      if (write(pipe_fds[1], text.data(), text.size()) < 0) _exit(3);
      _exit(code);
    };
    const int flags =
        geteuid() == 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS;
    if (unshare(flags) != 0 ||
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount("tmpfs", dir, "tmpfs", 0, "size=1m") != 0) {
      report(2, std::string("no private 1 MiB tmpfs here: ") + strerror(errno));
    }
    FabricOptions o;
    o.uri = std::string(GetParam()) + ":" + dir + "/pool";
    o.create_if_missing = true;
    o.size = 8 << 20;
    o.layout = TestLayout();
    std::unique_ptr<Fabric> f;
    const Status s = OpenFabric(o, &f);
    const bool gone = access((std::string(dir) + "/pool").c_str(), F_OK) != 0;
    report(s.IsNoSpace() && f == nullptr && gone ? 0 : 1,
           s.ToString() + (gone ? "" : " (the pool file was left behind)"));
  }
  close(pipe_fds[1]);
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0) text.append(buf, n);
  close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(pid, waitpid(pid, &status, 0));
  rmdir(dir);  // the tmpfs went with the child's mount namespace
  ASSERT_TRUE(WIFEXITED(status)) << "child died: " << text;
  if (WEXITSTATUS(status) == 2) GTEST_SKIP() << text;
  EXPECT_EQ(0, WEXITSTATUS(status)) << text;
  EXPECT_NE(std::string::npos, text.find("reserving 8 MiB for the pool"))
      << text;
  EXPECT_NE(std::string::npos, text.find("free of 1 MiB")) << text;
}

INSTANTIATE_TEST_SUITE_P(FileBackends, PoolFileTest,
                         ::testing::Values("emulated", "cxl"));

TEST(EmulatedFabric, NumaNodeIsValidated) {
  FabricOptions o;
  o.uri = "emulated:?size=4M&numa_node=0";
  o.layout = TestLayout();
  std::unique_ptr<Fabric> f;
  ASSERT_OK(OpenFabric(o, &f));
  EXPECT_NE(std::string::npos, f->Describe().find("numa node 0"))
      << f->Describe();
  o.uri = "emulated:?size=4M&numa_node=999";
  Status s = OpenFabric(o, &f);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("999")) << s.ToString();
}

// Pages of [p, p + n) present in this process's page tables (bit 63 of
// /proc/self/pagemap), or -1 if the pagemap cannot be read.
int PresentPages(const void* p, size_t n) {
  const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  int present = 0;
  const auto first = reinterpret_cast<uintptr_t>(p);
  for (uintptr_t a = first; a < first + n; a += page) {
    uint64_t entry = 0;
    if (pread(fd, &entry, sizeof(entry), static_cast<off_t>(a / page * 8)) !=
        static_cast<ssize_t>(sizeof(entry))) {
      close(fd);
      return -1;
    }
    present += (entry >> 63) & 1;
  }
  close(fd);
  return present;
}

// A bulk write maps the 2 MiB spans it touches in one call; a small write
// maps only what it touches (docs/fabric.md "Mapped pools: bulk writes map
// their spans first").
TEST(EmulatedFabric, BulkWritesMapTheirWholeSpans) {
  constexpr size_t kSpan = 2 << 20;
  FabricOptions o;
  o.uri = "emulated:?size=16M";  // a sparse memfd: nothing mapped yet
  o.layout = TestLayout();
  std::unique_ptr<Fabric> f;
  ASSERT_OK(OpenFabric(o, &f));
  const Region& heap = f->pool().region(RegionKind::kHeap);
  const uint64_t start = (heap.offset + kSpan - 1) / kSpan * kSpan;
  ASSERT_LE(start + 2 * kSpan, heap.offset + heap.length);
  const char* base =
      static_cast<const char*>(f->LocalView(DmAddr(f->pool_id(), 0), 1));
  ASSERT_NE(nullptr, base);
  const char* span = base + start;
  const int before = PresentPages(span, 2 * kSpan);
  if (before < 0) GTEST_SKIP() << "/proc/self/pagemap is not readable here";
  ASSERT_EQ(0, before);

  const std::string small(4096, 's');
  ASSERT_OK(f->Write(DmAddr(f->pool_id(), start), small.data(), small.size()));
  // One page, or a whole huge page where the host backs shmem with them.
  EXPECT_GE(PresentPages(span, kSpan), 1);
  EXPECT_EQ(0, PresentPages(span + kSpan, kSpan));

  // 64 KiB ending 4 KiB into the second span: both spans, every page.
  std::string bulk(64 << 10, '\0');
  for (size_t i = 0; i < bulk.size(); i++) bulk[i] = static_cast<char>(i * 7);
  const uint64_t at = start + kSpan - bulk.size() + 4096;
  ASSERT_OK(f->Write(DmAddr(f->pool_id(), at), bulk.data(), bulk.size()));
  const int pages = static_cast<int>(kSpan / sysconf(_SC_PAGESIZE));
  EXPECT_EQ(2 * pages, PresentPages(span, 2 * kSpan));

  std::string back(bulk.size(), 'x');
  ASSERT_OK(f->Read(DmAddr(f->pool_id(), at), back.data(), back.size()));
  EXPECT_EQ(bulk, back);
  ASSERT_OK(f->Read(DmAddr(f->pool_id(), start), back.data(), small.size()));
  EXPECT_EQ(small, back.substr(0, small.size()));
}

TEST(CxlFabric, TmpfsMapsAtPageGranularityAndIsNotPersistent) {
  const std::string not_built = NotBuiltReason("cxl");
  if (!not_built.empty()) GTEST_SKIP() << not_built;
  ShmPath shm("gran");
  FabricOptions o;
  o.uri = "cxl:" + shm.path() + "?size=4M&create=1";
  o.layout = TestLayout();
  std::unique_ptr<Fabric> f;
  ASSERT_OK(OpenFabric(o, &f));
  EXPECT_FALSE(f->persistent());
  EXPECT_NE(std::string::npos, f->Describe().find("page granularity"))
      << f->Describe();
}

}  // namespace
}  // namespace o3lsm::fabric::test
