// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/net/handshake.h"

#include <cstring>
#include <string_view>

#include "util/coding.h"

namespace o3lsm::fabric::net {

namespace {

constexpr uint32_t kChallengeMagic = 0x4843334f;  // "O3CH" little-endian
constexpr uint32_t kProofMagic = 0x5250334f;      // "O3PR"
constexpr uint32_t kAnswerMagic = 0x4e41334f;     // "O3AN"
constexpr char kClientLabel[] = "o3lsm client v1";
constexpr char kServerLabel[] = "o3lsm server v1";

std::string_view View(const void* p, size_t n) {
  return {static_cast<const char*>(p), n};
}

Status SendAnswer(int fd, RefusalCode code, const std::string& body,
                  Deadline deadline) {
  std::string out(kAnswerHeaderSize, '\0');
  EncodeFixed32(out.data(), kAnswerMagic);
  EncodeFixed16(out.data() + 4, kHandshakeVersion);
  EncodeFixed16(out.data() + 6, static_cast<uint16_t>(code));
  const size_t length =
      code == RefusalCode::kWelcome ? body.size() - ClusterSecret::kMacBytes
                                    : body.size();
  EncodeFixed16(out.data() + 8, static_cast<uint16_t>(length));
  out += body;
  return SendAll(fd, out.data(), out.size(), deadline);
}

Status Refuse(int fd, RefusalCode code, const std::string& peer,
              const std::string& why, Deadline deadline) {
  // Best effort: the peer may be gone or not speak the protocol at all.
  SendAnswer(fd, code, why.substr(0, kMaxBlob), deadline)
      .PermitUncheckedError();
  return Status::InvalidArgument("refused " + peer, why);
}

std::string ClusterBytes(uint64_t cluster_id) {
  std::string b(8, '\0');
  EncodeFixed64(b.data(), cluster_id);
  return b;
}

}  // namespace

void EncodeDoorbell(const Doorbell& d, char* dst) {
  memset(dst, 0, kDoorbellSize);
  EncodeFixed32(dst, d.type);
  EncodeFixed64(dst + 8, d.offset);
}

bool DecodeDoorbell(const char* src, Doorbell* d) {
  const uint32_t type = DecodeFixed32(src);
  if (type < Doorbell::kRing || type > Doorbell::kWatch) return false;
  d->type = static_cast<Doorbell::Type>(type);
  d->offset = DecodeFixed64(src + 8);
  return true;
}

Status ClientHandshake(int fd, const ClusterSecret& secret,
                       uint64_t cluster_id, const std::string& client_blob,
                       Deadline deadline, const std::string& where,
                       std::string* server_blob) {
  if (client_blob.size() > kMaxBlob) {
    return Status::InvalidArgument(where, "handshake blob too large");
  }
  char challenge[kChallengeSize];
  Status s = RecvAll(fd, challenge, sizeof(challenge), deadline);
  if (!s.ok()) {
    return Annotated(s, where, "waiting for the memory node's challenge");
  }
  if (DecodeFixed32(challenge) != kChallengeMagic) {
    return Status::InvalidArgument(
        where, "the peer is not an o3lsm memory node (no handshake "
               "challenge)");
  }
  if (DecodeFixed16(challenge + 4) != kHandshakeVersion) {
    return Status::InvalidArgument(
        where, "the memory node speaks handshake version " +
                   std::to_string(DecodeFixed16(challenge + 4)) +
                   ", this build " + std::to_string(kHandshakeVersion));
  }
  const std::string_view server_nonce = View(challenge + 8, kNonceBytes);
  char client_nonce[kNonceBytes];
  s = RandomBytes(client_nonce, sizeof(client_nonce));
  if (!s.ok()) return s;
  const std::string cluster = ClusterBytes(cluster_id);
  const ClusterSecret::Mac proof =
      secret.Sign({kClientLabel, server_nonce, View(client_nonce, kNonceBytes),
                   cluster, client_blob});
  std::string msg(kProofHeaderSize, '\0');
  EncodeFixed32(msg.data(), kProofMagic);
  EncodeFixed16(msg.data() + 4, kHandshakeVersion);
  EncodeFixed16(msg.data() + 6, static_cast<uint16_t>(client_blob.size()));
  EncodeFixed64(msg.data() + 8, cluster_id);
  memcpy(msg.data() + 16, client_nonce, kNonceBytes);
  memcpy(msg.data() + 48, proof.data(), proof.size());
  msg += client_blob;
  s = SendAll(fd, msg.data(), msg.size(), deadline);
  if (s.ok()) {
    char header[kAnswerHeaderSize];
    s = RecvAll(fd, header, sizeof(header), deadline);
    if (s.ok() && DecodeFixed32(header) != kAnswerMagic) {
      return Status::InvalidArgument(where,
                                     "the memory node's answer is garbled");
    }
    if (s.ok()) {
      const auto code = static_cast<RefusalCode>(DecodeFixed16(header + 6));
      const size_t length = DecodeFixed16(header + 8);
      if (length > kMaxBlob) {
        return Status::InvalidArgument(where, "the answer is too long");
      }
      const size_t body = length + (code == RefusalCode::kWelcome
                                        ? ClusterSecret::kMacBytes
                                        : 0);
      std::string rest(body, '\0');
      s = RecvAll(fd, rest.data(), rest.size(), deadline);
      if (!s.ok()) {
        return Annotated(s, where, "reading the answer");
      }
      switch (code) {
        case RefusalCode::kWelcome: {
          ClusterSecret::Mac got;
          memcpy(got.data(), rest.data(), got.size());
          const std::string blob = rest.substr(ClusterSecret::kMacBytes);
          const ClusterSecret::Mac want = secret.Sign(
              {kServerLabel, server_nonce, View(client_nonce, kNonceBytes),
               cluster, client_blob, blob});
          if (!ClusterSecret::Equal(got, want)) {
            return Status::InvalidArgument(
                where, "the memory node cannot prove it holds the cluster "
                       "secret " + secret.path() +
                       " (a node of another cluster, or an impostor)");
          }
          *server_blob = blob;
          return Status::OK();
        }
        case RefusalCode::kBadProof:
          return Status::InvalidArgument(
              where, "the memory node refused the cluster secret " +
                         secret.path() + " (not this cluster's key): " + rest);
        case RefusalCode::kWrongCluster:
        case RefusalCode::kProtocol:
          return Status::InvalidArgument(where, "refused: " + rest);
        case RefusalCode::kBusy:
          return Status::Busy(where, "refused: " + rest);
        default:
          return Status::Unavailable(where, "refused: " + rest);
      }
    }
  }
  return Annotated(s, where, "handshake");
}

Status ServerHandshake(int fd, const ClusterSecret& secret,
                       uint64_t cluster_id, Deadline deadline,
                       const AdmitFunction& admit) {
  const std::string peer = PeerName(fd);
  char challenge[kChallengeSize] = {};
  EncodeFixed32(challenge, kChallengeMagic);
  EncodeFixed16(challenge + 4, kHandshakeVersion);
  Status s = RandomBytes(challenge + 8, kNonceBytes);
  if (s.ok()) s = SendAll(fd, challenge, sizeof(challenge), deadline);
  char header[kProofHeaderSize];
  if (s.ok()) s = RecvAll(fd, header, sizeof(header), deadline);
  if (!s.ok()) {
    return Annotated(s, "handshake with " + peer, "no proof");
  }
  if (DecodeFixed32(header) != kProofMagic) {
    return Refuse(fd, RefusalCode::kProtocol, peer,
                  "not an o3lsm handshake (bad magic)", deadline);
  }
  if (DecodeFixed16(header + 4) != kHandshakeVersion) {
    return Refuse(fd, RefusalCode::kProtocol, peer,
                  "handshake version " +
                      std::to_string(DecodeFixed16(header + 4)) +
                      " is not this node's " +
                      std::to_string(kHandshakeVersion),
                  deadline);
  }
  const size_t blob_len = DecodeFixed16(header + 6);
  if (blob_len > kMaxBlob) {
    return Refuse(fd, RefusalCode::kProtocol, peer, "handshake blob too large",
                  deadline);
  }
  std::string client_blob(blob_len, '\0');
  s = RecvAll(fd, client_blob.data(), blob_len, deadline);
  if (!s.ok()) return Annotated(s, "handshake with " + peer, "no proof");
  const uint64_t asked_cluster = DecodeFixed64(header + 8);
  const std::string_view server_nonce = View(challenge + 8, kNonceBytes);
  const std::string_view client_nonce = View(header + 16, kNonceBytes);
  ClusterSecret::Mac proof;
  memcpy(proof.data(), header + 48, proof.size());
  const std::string cluster = ClusterBytes(asked_cluster);
  const ClusterSecret::Mac want = secret.Sign(
      {kClientLabel, server_nonce, client_nonce, cluster, client_blob});
  // The proof first: a client without the secret learns nothing, not even
  // whether it guessed the cluster id.
  if (!ClusterSecret::Equal(proof, want)) {
    return Refuse(fd, RefusalCode::kBadProof, peer,
                  "the client does not hold this cluster's secret", deadline);
  }
  if (asked_cluster != cluster_id) {
    return Refuse(fd, RefusalCode::kWrongCluster, peer,
                  "the client asked for cluster " +
                      std::to_string(asked_cluster) + "; this pool is cluster " +
                      std::to_string(cluster_id),
                  deadline);
  }
  std::string server_blob;
  s = admit(client_blob, &server_blob);
  if (s.ok() && server_blob.size() > kMaxBlob) {
    s = Status::InvalidArgument("backend blob too large");
  }
  if (!s.ok()) {
    Refuse(fd, s.IsBusy() ? RefusalCode::kBusy : RefusalCode::kNotAdmitted,
           peer, s.ToString(), deadline)
        .PermitUncheckedError();
    return Annotated(s, "could not admit " + peer, "backend");
  }
  const ClusterSecret::Mac mac =
      secret.Sign({kServerLabel, server_nonce, client_nonce, cluster,
                   client_blob, server_blob});
  std::string body(reinterpret_cast<const char*>(mac.data()), mac.size());
  body += server_blob;
  s = SendAnswer(fd, RefusalCode::kWelcome, body, deadline);
  if (!s.ok()) return Annotated(s, "welcoming " + peer, "send");
  return Status::OK();
}

}  // namespace o3lsm::fabric::net
