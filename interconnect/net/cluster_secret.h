// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The cluster secret: 32 random bytes every node of one cluster holds in a
// key file, and that every connection to a memory node proves it holds
// before any memory is exposed (docs/fabric.md, "Who gets in"). The key
// file is one line of 64 hex digits, created 0600; a key file that group or
// others may read is refused, as ssh refuses such a private key.
//
// Proofs are HMAC-SHA256 (OpenSSL) over a label and the handshake's nonces,
// so a recorded proof is worthless for the next connection.
//
// Thread safety: a ClusterSecret is an immutable value.

#ifndef O3LSM_INTERCONNECT_NET_CLUSTER_SECRET_H_
#define O3LSM_INTERCONNECT_NET_CLUSTER_SECRET_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "o3lsm/status.h"

namespace o3lsm::fabric {

class ClusterSecret {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kMacBytes = 32;
  using Mac = std::array<uint8_t, kMacBytes>;

  // Writes a fresh random key to path, created 0600. InvalidArgument if the
  // file exists (a secret is never overwritten), IOError otherwise.
  [[nodiscard]] static Status CreateFile(const std::string& path);
  // Reads the key at path. InvalidArgument for a missing path, a file
  // others may read, or a file that is not 64 hex digits.
  [[nodiscard]] static Status Load(const std::string& path,
                                   ClusterSecret* secret);
  // A secret from raw bytes (tests).
  static ClusterSecret FromBytes(const std::array<uint8_t, kKeyBytes>& key);

  // HMAC-SHA256 of the concatenated parts under this key.
  Mac Sign(std::initializer_list<std::string_view> parts) const;
  // Constant-time comparison of a received MAC with the expected one.
  static bool Equal(const Mac& a, const Mac& b);

  bool empty() const { return !loaded_; }
  // Where the key came from, for messages ("/etc/o3lsm/cluster.key").
  const std::string& path() const { return path_; }

 private:
  std::array<uint8_t, kKeyBytes> key_{};
  bool loaded_ = false;
  std::string path_;
};

// n cryptographically random bytes (getrandom); IOError if the kernel
// cannot give them.
[[nodiscard]] Status RandomBytes(void* dst, size_t n);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_NET_CLUSTER_SECRET_H_
