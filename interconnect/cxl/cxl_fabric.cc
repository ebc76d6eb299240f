// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/cxl/cxl_fabric.h"

#include <libpmem2.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "interconnect/mapped_fabric.h"
#include "interconnect/pool_file.h"

namespace o3lsm::fabric {

namespace {

Status Pmem2Error(const std::string& where, const char* call, int rc) {
  return Status::IOError(where, std::string(call) + " failed (" +
                                    std::to_string(rc) +
                                    "): " + pmem2_errormsg());
}

const char* GranularityName(pmem2_granularity g) {
  switch (g) {
    case PMEM2_GRANULARITY_BYTE:
      return "byte";
    case PMEM2_GRANULARITY_CACHE_LINE:
      return "cache line";
    case PMEM2_GRANULARITY_PAGE:
      return "page";
  }
  return "unknown";
}

// RAM-backed file systems: msync makes nothing durable.
bool OnRamFileSystem(int fd) {
  struct statfs fs;
  if (fstatfs(fd, &fs) != 0) return false;
  return fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC;
}

// Owns the pmem2 objects; deleting them in reverse order of creation.
struct Pmem2Mapping {
  pmem2_config* config = nullptr;
  pmem2_source* source = nullptr;
  pmem2_map* map = nullptr;
  ~Pmem2Mapping() {
    if (map != nullptr) pmem2_map_delete(&map);
    if (source != nullptr) pmem2_source_delete(&source);
    if (config != nullptr) pmem2_config_delete(&config);
  }
};

class CxlFabric final : public MappedFabric {
 public:
  CxlFabric(std::unique_ptr<Pmem2Mapping> mapping, std::string where,
            const FabricOptions& options, bool persistent)
      : MappedFabric(static_cast<char*>(pmem2_map_get_address(mapping->map)),
                     pmem2_map_get_size(mapping->map), std::move(where),
                     options),
        mapping_(std::move(mapping)),
        persist_(pmem2_get_persist_fn(mapping_->map)),
        granularity_(pmem2_map_get_store_granularity(mapping_->map)),
        persistent_(persistent) {}

  bool persistent() const override { return persistent_; }
  std::string Describe() const override {
    return "cxl:" + where() + " (pool " + std::to_string(pool_id()) + ", " +
           std::to_string(pool_size() >> 20) + " MiB, " +
           GranularityName(granularity_) + " granularity, " +
           (persistent_ ? "persistent" : "volatile (RAM file system)") + ", " +
           DescribeModel() + ")";
  }
  using MappedFabric::FormatOrAttach;

 protected:
  void PersistMapped(const void* p, size_t n) override { persist_(p, n); }

 private:
  std::unique_ptr<Pmem2Mapping> mapping_;
  const pmem2_persist_fn persist_;
  const pmem2_granularity granularity_;
  const bool persistent_;
};

}  // namespace

Status OpenCxlFabric(const FabricOptions& options, const std::string& path,
                     std::unique_ptr<Fabric>* result) {
  PoolFile file;
  Status s = file.Open(path, options);
  if (!s.ok()) return s;
  auto m = std::make_unique<Pmem2Mapping>();
  int rc = pmem2_config_new(&m->config);
  if (rc != 0) return Pmem2Error(path, "pmem2_config_new", rc);
  rc = pmem2_source_from_fd(&m->source, file.fd());
  if (rc != 0) return Pmem2Error(path, "pmem2_source_from_fd", rc);
  // Page granularity is the coarsest and maps everywhere (tmpfs, ext4
  // without dax); on DAX, pmem2 picks the finer one the platform offers.
  rc = pmem2_config_set_required_store_granularity(m->config,
                                                   PMEM2_GRANULARITY_PAGE);
  if (rc != 0) {
    return Pmem2Error(path, "pmem2_config_set_required_store_granularity", rc);
  }
  size_t source_size = 0;
  rc = pmem2_source_size(m->source, &source_size);
  if (rc != 0) return Pmem2Error(path, "pmem2_source_size", rc);
  if (source_size < kSuperblockSize) {
    return Status::Corruption(path,
                              "truncated: " + std::to_string(source_size) +
                                  " bytes, a superblock needs " +
                                  std::to_string(kSuperblockSize));
  }
  rc = pmem2_map_new(&m->map, m->config, m->source);
  if (rc != 0) return Pmem2Error(path, "pmem2_map_new", rc);
  const bool persistent = file.is_device() || !OnRamFileSystem(file.fd());
  auto fabric =
      std::make_unique<CxlFabric>(std::move(m), path, options, persistent);
  file.Close();  // pmem2 keeps what it needs of the source
  s = fabric->FormatOrAttach(file.must_format(), !file.fresh(),
                             file.maybe_formatting());
  if (!s.ok()) {
    // A file created here and never formatted would only confuse the next
    // opener.
    if (file.fresh() && !path.empty()) unlink(path.c_str());
    return s;
  }
  if (options.info_log != nullptr) {
    Log(options.info_log.get(), "fabric: opened %s",
        fabric->Describe().c_str());
  }
  *result = std::move(fabric);
  return Status::OK();
}

}  // namespace o3lsm::fabric
