// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Opens the file or device behind an emulated: or cxl: pool as
// FabricOptions say (create_if_missing, error_if_exists, format, size), and
// tells the backend whether to format it. Shared by the mapped backends so
// that both treat files alike. A plain file descriptor; mapping is the
// backend's business.
//
// Thread safety: not shared; one PoolFile per open.

#ifndef O3LSM_INTERCONNECT_POOL_FILE_H_
#define O3LSM_INTERCONNECT_POOL_FILE_H_

#include <cstdint>
#include <string>

#include "interconnect/fabric.h"

namespace o3lsm::fabric {

class PoolFile {
 public:
  PoolFile() = default;
  PoolFile(const PoolFile&) = delete;
  PoolFile& operator=(const PoolFile&) = delete;
  ~PoolFile();

  // Opens path. A regular file is created (size options.size) when missing
  // and create_if_missing, or re-sized to options.size when format. A
  // character device (devdax) is opened as it is; its size is the
  // backend's to find.
  [[nodiscard]] Status Open(const std::string& path,
                            const FabricOptions& options);
  // Opens an anonymous memfd of options.size bytes (always fresh).
  [[nodiscard]] Status OpenAnonymous(const FabricOptions& options);

  int fd() const { return fd_; }
  // Bytes in the file (0 for a device).
  uint64_t size() const { return size_; }
  bool is_device() const { return is_device_; }
  // The backend must format the pool.
  bool must_format() const { return must_format_; }
  // The file was created here and is all zero.
  bool fresh() const { return fresh_; }
  // Someone else may be formatting it right now (created concurrently).
  bool maybe_formatting() const { return maybe_formatting_; }
  // Closes the descriptor (a mapping keeps the pages).
  void Close();

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  bool is_device_ = false;
  bool must_format_ = false;
  bool fresh_ = false;
  bool maybe_formatting_ = false;
};

// "path: what: strerror(err)" as IOError (NotFound for ENOENT, NoSpace for
// ENOSPC).
Status PosixPoolError(const std::string& path, const std::string& what,
                      int err);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_POOL_FILE_H_
