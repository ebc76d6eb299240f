// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/emulated/emulated_fabric.h"

#include <cerrno>
#include <sys/mman.h>
#include <unistd.h>

#include "interconnect/emulated/numa_placement.h"
#include "interconnect/mapped_fabric.h"
#include "interconnect/pool_file.h"

namespace o3lsm::fabric {

namespace {

void LogInfo(const FabricOptions& options, const std::string& line) {
  if (options.info_log != nullptr) {
    ::o3lsm::Log(options.info_log.get(), "%s", line.c_str());
  }
}

class EmulatedFabric final : public MappedFabric {
 public:
  EmulatedFabric(char* base, uint64_t bytes, std::string where,
                 const FabricOptions& options, std::string placement)
      : MappedFabric(base, bytes, std::move(where), options),
        base_(base),
        bytes_(bytes),
        placement_(std::move(placement)) {}
  ~EmulatedFabric() override { munmap(base_, bytes_); }

  bool persistent() const override { return false; }
  std::string Describe() const override {
    return "emulated:" + where() + " (pool " + std::to_string(pool_id()) +
           ", " + std::to_string(pool_size() >> 20) + " MiB, " + placement_ +
           ", " + DescribeModel() + ")";
  }
  using MappedFabric::FormatOrAttach;

 private:
  char* const base_;
  const uint64_t bytes_;
  const std::string placement_;
};

}  // namespace

Status OpenEmulatedFabric(const FabricOptions& options, const std::string& path,
                          std::unique_ptr<Fabric>* result) {
  const std::string where = path.empty() ? "anonymous" : path;
  if (options.numa_node >= 0) {
    Status s = ValidateNumaNode(options.numa_node);
    if (!s.ok()) return Status::InvalidArgument(where, s.message());
  }
  PoolFile file;
  Status s =
      path.empty() ? file.OpenAnonymous(options) : file.Open(path, options);
  if (!s.ok()) return s;
  if (file.is_device()) {
    return Status::InvalidArgument(
        where, "a device; the emulated backend maps files (use cxl:)");
  }
  void* base = mmap(nullptr, file.size(), PROT_READ | PROT_WRITE, MAP_SHARED,
                    file.fd(), 0);
  if (base == MAP_FAILED) return PosixPoolError(where, "mmap", errno);
  std::string placement = "no numa placement";
  if (options.numa_node >= 0) {
    // Before the first touch, or the pages are already placed.
    s = PlaceOnNumaNode(base, file.size(), options.numa_node, &placement);
    if (!s.ok()) {
      munmap(base, file.size());
      return Status::IOError(where, s.message());
    }
  }
  auto fabric = std::make_unique<EmulatedFabric>(
      static_cast<char*>(base), file.size(), where, options, placement);
  file.Close();  // the mapping keeps the pages
  s = fabric->FormatOrAttach(file.must_format(), !file.fresh(),
                             file.maybe_formatting());
  if (!s.ok()) {
    // A file created here and never formatted would only confuse the next
    // opener.
    if (file.fresh() && !path.empty()) unlink(path.c_str());
    return s;
  }
  LogInfo(options, "fabric: opened " + fabric->Describe());
  *result = std::move(fabric);
  return Status::OK();
}

}  // namespace o3lsm::fabric
