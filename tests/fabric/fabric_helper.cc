// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// o3lsm_fabric_helper: the child process of the multi-process fabric tests.
// Each command opens an existing pool by URI and works on it:
//
//   count <uri> <word-offset> <iterations>
//       adds 1 to the word <iterations> times with FAA, and to the next
//       word as many times with a CAS retry loop
//   alloc <uri> <owner> <count> <out-file>
//       makes <count> allocations of mixed sizes, stamps each with its own
//       tag, checks the stamps, and writes "offset size tag" lines
//   churn <uri> <owner> <gen-file>
//       writes its generation to <gen-file>, then allocates and frees
//       forever (to be killed with SIGKILL mid-allocation)
//   serve-ofi <uri> <key-file>
//       opens (creating) the pool at <uri>, exports it with OfiPoolServer
//       (tcp;ofi_rxm) on 127.0.0.1, prints "port N", and serves until
//       killed
//
// Exit status 0 on success; 1 with a message on stderr otherwise.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "interconnect/dm_allocator.h"
#include "interconnect/fabric.h"
#include "o3lsm/build_config.h"
#include "util/random.h"
#if O3LSM_WITH_OFI
#include "interconnect/net/cluster_secret.h"
#include "interconnect/ofi/ofi_server.h"
#endif

namespace o3lsm::fabric {
namespace {

int Fail(const std::string& what, const Status& s) {
  fprintf(stderr, "o3lsm_fabric_helper: %s: %s\n", what.c_str(),
          s.ToString().c_str());
  return 1;
}

int Count(Fabric* f, uint64_t offset, int iterations) {
  const DmAddr faa(f->pool_id(), offset), cas = faa + 8;
  for (int i = 0; i < iterations; i++) {
    Status s = f->FetchAndAdd64(faa, 1, nullptr);
    if (!s.ok()) return Fail("faa", s);
    uint64_t cur = 0;
    s = f->Read(cas, &cur, 8);
    if (!s.ok()) return Fail("read", s);
    while (true) {
      uint64_t seen = 0;
      s = f->CompareAndSwap64(cas, cur, cur + 1, &seen);
      if (!s.ok()) return Fail("cas", s);
      if (seen == cur) break;
      cur = seen;
    }
  }
  return 0;
}

uint64_t PickSize(Random64* rnd, uint64_t chunk) {
  if (rnd->OneIn(10)) return chunk + rnd->Uniform(2 * chunk);
  return 8 + rnd->Uniform(4000);
}

int Alloc(Fabric* f, uint16_t owner, int count, const char* out_path) {
  std::unique_ptr<DmAllocator> a;
  Status s = DmAllocator::Open(f, owner, &a);
  if (!s.ok()) return Fail("open allocator", s);
  Random64 rnd(owner * 7919u);
  struct Item {
    DmAddr addr;
    uint64_t size, tag;
  };
  std::vector<Item> items;
  for (int i = 0; i < count; i++) {
    Item it;
    it.size = PickSize(&rnd, a->chunk_size());
    it.tag = (uint64_t{owner} << 48) | (uint64_t(i) << 16);
    s = a->Allocate(it.size, &it.addr);
    if (s.IsNoSpace()) break;
    if (!s.ok()) return Fail("allocate", s);
    std::vector<uint64_t> stamp(it.size / 8, it.tag);
    s = f->Write(it.addr, stamp.data(), stamp.size() * 8);
    if (!s.ok()) return Fail("stamp", s);
    items.push_back(it);
  }
  std::ofstream out(out_path);
  for (const Item& it : items) {
    std::vector<uint64_t> back(it.size / 8);
    s = f->Read(it.addr, back.data(), back.size() * 8);
    if (!s.ok()) return Fail("read back", s);
    for (uint64_t v : back) {
      if (v != it.tag) {
        fprintf(stderr, "stamp at %s overwritten\n",
                it.addr.ToString().c_str());
        return 1;
      }
    }
    out << it.addr.offset() << " " << it.size << " " << it.tag << "\n";
  }
  return out.good() ? 0 : 1;
}

int Churn(Fabric* f, uint16_t owner, const char* gen_path) {
  std::unique_ptr<DmAllocator> a;
  Status s = DmAllocator::Open(f, owner, &a);
  if (!s.ok()) return Fail("open allocator", s);
  {
    std::ofstream out(gen_path);
    out << a->generation() << "\n";
  }
  Random64 rnd(owner);
  std::vector<DmAddr> held;
  while (true) {
    DmAddr addr;
    s = a->Allocate(PickSize(&rnd, a->chunk_size()), &addr);
    if (s.ok()) {
      held.push_back(addr);
    } else if (!s.IsNoSpace()) {
      return Fail("allocate", s);
    }
    if (held.size() > 40 || (s.IsNoSpace() && !held.empty())) {
      const size_t k = rnd.Uniform(held.size());
      s = a->Free(held[k]);
      if (!s.ok()) return Fail("free", s);
      held.erase(held.begin() + static_cast<ptrdiff_t>(k));
    }
  }
}

int ServeOfi(Fabric* pool, const std::string& key_file) {
#if !O3LSM_WITH_OFI
  return Fail("serve", Status::NotSupported("serve-ofi",
                                            "o3lsm was built without ofi "
                                            "(O3LSM_WITH_OFI=OFF)"));
#else
  OfiServerOptions so;
  so.control.host = "127.0.0.1";
  so.control.port = 0;
  so.provider = "tcp;ofi_rxm";
  Status s = ClusterSecret::Load(key_file, &so.control.secret);
  if (!s.ok()) return Fail("secret", s);
  std::unique_ptr<OfiPoolServer> server;
  s = OfiPoolServer::Start(pool, so, &server);
  if (!s.ok()) return Fail("serve", s);
  printf("port %d\n", server->port());
  fflush(stdout);
  while (true) pause();
#endif  // O3LSM_WITH_OFI
}

}  // namespace
}  // namespace o3lsm::fabric

int main(int argc, char** argv) {
  using namespace o3lsm::fabric;
  if (argc < 3) {
    fprintf(stderr, "usage: o3lsm_fabric_helper count|alloc|churn|serve-ofi uri ...\n");
    return 2;
  }
  const std::string cmd = argv[1];
  FabricOptions o;
  o.uri = argv[2];
  o.create_if_missing = cmd == "serve-ofi";
  std::unique_ptr<Fabric> f;
  o3lsm::Status s = OpenFabric(o, &f);
  if (!s.ok()) return Fail("open " + o.uri, s);
  if (cmd == "count" && argc == 5) {
    return Count(f.get(), strtoull(argv[3], nullptr, 10), atoi(argv[4]));
  }
  if (cmd == "alloc" && argc == 6) {
    return Alloc(f.get(), static_cast<uint16_t>(atoi(argv[3])), atoi(argv[4]),
                 argv[5]);
  }
  if (cmd == "churn" && argc == 5) {
    return Churn(f.get(), static_cast<uint16_t>(atoi(argv[3])), argv[4]);
  }
  if (cmd == "serve-ofi" && argc == 4) return ServeOfi(f.get(), argv[3]);
  fprintf(stderr, "o3lsm_fabric_helper: bad command line\n");
  return 2;
}
