// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// MappedFabric implements the verbs for a pool mapped into this process
// (emulated shared memory, cxl via libpmem2): a Read or Write is a memcpy
// on the mapping, CAS and FAA are std::atomic_ref operations on 8-byte
// aligned words (atomic across processes mapping the same pages), the
// doorbell is a futex on the shared word, and an optional LatencyModel makes
// each batch cost what a remote one would. It also formats a new pool or
// validates an existing one.
//
// A bulk write (64 KiB or more) first maps the 2 MiB spans it touches
// into this process's page tables in one call (MADV_POPULATE_WRITE), as
// registering memory with an RDMA NIC maps it once: a memtable moving into
// a part of the pool this process never wrote would otherwise take one
// write fault per 4 KiB page (on a VM, 7.4 ms of CPU per 2 MiB against 3.9
// ms populated; once mapped, a copy costs 0.1 ms). A span is populated
// once per mapping; a failure leaves the copy to fault as before.
//
// Backends derive from it, own the mapping, and override PersistMapped.
//
// Thread safety: as Fabric.

#ifndef O3LSM_INTERCONNECT_MAPPED_FABRIC_H_
#define O3LSM_INTERCONNECT_MAPPED_FABRIC_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "interconnect/fabric.h"
#include "interconnect/latency_model.h"

namespace o3lsm::fabric {

class MappedFabric : public Fabric {
 public:
  Status Post(std::span<WorkRequest> batch, Completion* completion) override;
  Status Wait(Completion* completion,
              std::chrono::nanoseconds timeout) override;
  Status Persist(DmAddr addr, size_t n) override;
  Status Ring(DmAddr word) override;
  Status Wake(DmAddr word) override;
  Status WaitOnWord(DmAddr word, uint64_t seen,
                    std::chrono::nanoseconds timeout, uint64_t* now) override;
  void* LocalView(DmAddr addr, size_t n) override;
  const PoolInfo& pool() const override { return info_; }
  std::chrono::nanoseconds default_timeout() const override { return timeout_; }

 protected:
  // base: the mapping of mapped_bytes bytes; where: the pool's name in
  // errors. REQUIRES: the mapping outlives this object (the subclass unmaps
  // it in its destructor).
  MappedFabric(char* base, uint64_t mapped_bytes, std::string where,
               const FabricOptions& options);

  // Formats the mapping as a new pool (zero_regions: the mapping may hold
  // old bytes) or validates the superblock found there. With
  // wait_for_format, an unformatted pool is re-read until options.timeout
  // (another process is formatting it).
  [[nodiscard]] Status FormatOrAttach(bool format, bool zero_regions,
                                      bool wait_for_format);

  // Makes [p, p+n) of the mapping durable. Default: nothing (volatile).
  virtual void PersistMapped(const void* p, size_t n) {}

  const std::string& where() const { return where_; }
  const LatencyModel& model() const { return *model_; }
  std::string DescribeModel() const;

 private:
  void ExecuteOne(const WorkRequest& wr);
  // Populates the spans of [p, p + n) not populated yet (see above).
  void MapSpansFor(const char* p, size_t n);
  [[nodiscard]] Status Format(bool zero_regions);

  char* const base_;
  const uint64_t mapped_bytes_;
  const std::string where_;
  const FabricOptions options_;
  const std::chrono::nanoseconds timeout_;
  std::unique_ptr<LatencyModel> model_;
  PoolInfo info_;
  // One flag per 2 MiB span of the mapping: populated by a bulk write.
  std::unique_ptr<std::atomic<uint8_t>[]> span_mapped_;
};

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_MAPPED_FABRIC_H_
