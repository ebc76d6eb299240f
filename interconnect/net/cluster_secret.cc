// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/net/cluster_secret.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace o3lsm::fabric {

namespace {

constexpr char kHex[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status RandomBytes(void* dst, size_t n) {
  char* p = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("getrandom", strerror(errno));
    }
    p += got;
    n -= static_cast<size_t>(got);
  }
  return Status::OK();
}

Status ClusterSecret::CreateFile(const std::string& path) {
  if (path.empty()) {
    return Status::InvalidArgument("cluster secret", "no key file path given");
  }
  std::array<uint8_t, kKeyBytes> key;
  Status s = RandomBytes(key.data(), key.size());
  if (!s.ok()) return s;
  std::string text;
  for (uint8_t b : key) {
    text += kHex[b >> 4];
    text += kHex[b & 15];
  }
  text += '\n';
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                      0600);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) {
      return Status::InvalidArgument(
          "cluster secret " + path,
          "the key file already exists (a secret is never overwritten)");
    }
    return Status::IOError("cluster secret " + path, strerror(err));
  }
  const ssize_t wrote = write(fd, text.data(), text.size());
  const int err = errno;
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (wrote != static_cast<ssize_t>(text.size()) || !synced) {
    unlink(path.c_str());
    return Status::IOError("cluster secret " + path,
                           std::string("write failed: ") + strerror(err));
  }
  return Status::OK();
}

Status ClusterSecret::Load(const std::string& path, ClusterSecret* secret) {
  const std::string where = "cluster secret " + path;
  if (path.empty()) {
    return Status::InvalidArgument("cluster secret", "no key file path given");
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::InvalidArgument(where, strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(where, "not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    char mode[8];
    snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
    return Status::InvalidArgument(
        where, std::string("group or others may read the key file (mode ") +
                   mode + "); chmod 600 it");
  }
  char buf[256];
  const ssize_t n = read(fd, buf, sizeof(buf));
  close(fd);
  if (n < 0) return Status::IOError(where, strerror(errno));
  size_t len = static_cast<size_t>(n);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
                     buf[len - 1] == ' ')) {
    len--;
  }
  if (len != 2 * kKeyBytes) {
    return Status::InvalidArgument(
        where, "not a cluster key (expected one line of 64 hex digits, "
               "as o3lsm-node --create writes)");
  }
  ClusterSecret out;
  for (size_t i = 0; i < kKeyBytes; i++) {
    const int hi = HexValue(buf[2 * i]);
    const int lo = HexValue(buf[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument(where,
                                     "not a cluster key (a non-hex digit)");
    }
    out.key_[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  out.loaded_ = true;
  out.path_ = path;
  *secret = out;
  return Status::OK();
}

ClusterSecret ClusterSecret::FromBytes(
    const std::array<uint8_t, kKeyBytes>& key) {
  ClusterSecret s;
  s.key_ = key;
  s.loaded_ = true;
  s.path_ = "(in memory)";
  return s;
}

ClusterSecret::Mac ClusterSecret::Sign(
    std::initializer_list<std::string_view> parts) const {
  Mac mac{};
  // EVP_MAC is OpenSSL 3's interface; HMAC_CTX is deprecated there.
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* mctx = hmac != nullptr ? EVP_MAC_CTX_new(hmac) : nullptr;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string("digest", digest, 0),
      OSSL_PARAM_construct_end()};
  size_t out_len = 0;
  bool ok = mctx != nullptr &&
            EVP_MAC_init(mctx, key_.data(), key_.size(), params) == 1;
  for (std::string_view p : parts) {
    ok = ok && EVP_MAC_update(mctx, reinterpret_cast<const uint8_t*>(p.data()),
                              p.size()) == 1;
  }
  ok = ok && EVP_MAC_final(mctx, mac.data(), &out_len, mac.size()) == 1;
  EVP_MAC_CTX_free(mctx);
  EVP_MAC_free(hmac);
  if (!ok || out_len != mac.size()) {
    // Never reached with a working libcrypto. Random bytes match no
    // proof, so a broken library fails closed.
    RandomBytes(mac.data(), mac.size()).PermitUncheckedError();
  }
  return mac;
}

bool ClusterSecret::Equal(const Mac& a, const Mac& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace o3lsm::fabric
