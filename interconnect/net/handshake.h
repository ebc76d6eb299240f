// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The handshake that opens every connection to a memory node, on every
// network backend (docs/fabric.md, "Who gets in"). Over a fresh TCP
// connection to the node's control address:
//
//   server -> client  Challenge  magic u32 "O3CH", version u16, reserved u16,
//                                server_nonce [32]                (40 bytes)
//   client -> server  Proof      magic u32 "O3PR", version u16, blob_len u16,
//                                cluster_id u64, client_nonce [32],
//                                mac [32], blob [blob_len]        (80 + blob)
//       mac = HMAC-SHA256(secret, "o3lsm client v1" | server_nonce |
//                         client_nonce | cluster_id | blob)
//   server -> client  Answer     magic u32 "O3AN", version u16, code u16,
//                                length u16, reserved u16 x3      (16 bytes)
//       code 0 (welcome): mac [32], blob [length]
//         mac = HMAC-SHA256(secret, "o3lsm server v1" | server_nonce |
//                           client_nonce | cluster_id | client blob | blob)
//       other codes (RefusalCode): message [length], UTF-8
//
// All integers little-endian. The client's blob says what its backend
// needs from the node (may be empty); the server's blob is what the node's
// backend gives an admitted client (addresses, memory keys, a connection
// ticket): it is sent only after the proof checks out. The server proves
// the secret back, so a client never trusts a node of another cluster.
// Nonces are fresh per connection: a recorded proof does not replay.
//
// After a welcome the connection stays open as the client's control
// connection: 16-byte Doorbell frames both ways, and its close tells each
// side that the other is gone. A client hears of a word's rings only once
// it has watched that word (kWatch): a reply word wakes its one waiter, not
// every client of the node.
//
// Thread safety: functions.

#ifndef O3LSM_INTERCONNECT_NET_HANDSHAKE_H_
#define O3LSM_INTERCONNECT_NET_HANDSHAKE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "interconnect/net/cluster_secret.h"
#include "interconnect/net/tcp_socket.h"
#include "o3lsm/status.h"

namespace o3lsm::fabric::net {

inline constexpr uint16_t kHandshakeVersion = 2;
inline constexpr size_t kNonceBytes = 32;
inline constexpr size_t kChallengeSize = 40;
inline constexpr size_t kProofHeaderSize = 80;
inline constexpr size_t kAnswerHeaderSize = 16;
// Largest blob either side sends.
inline constexpr size_t kMaxBlob = 1024;

// Why a server refused a client. On the wire: do not renumber.
enum class RefusalCode : uint16_t {
  kWelcome = 0,
  kBadProof = 1,        // the client does not hold the cluster's secret
  kWrongCluster = 2,    // the client asked for another cluster id
  kProtocol = 3,        // not an o3lsm handshake, or another version
  kBusy = 4,            // the node serves as many clients as it may
  kNotAdmitted = 5,     // the backend could not admit the client
};

// A doorbell on the control connection (16 bytes: type u32, reserved u32,
// offset u64). On the wire: do not renumber.
struct Doorbell {
  enum Type : uint32_t {
    kRing = 1,    // client -> server: I added 1 to the word; wake its waiters
    kWake = 2,    // client -> server: I changed the word; wake its waiters
    kNotify = 3,  // server -> client: the word was rung or changed
    kWatch = 4,   // client -> server: notify me of this word from now on
  };
  Type type = kRing;
  uint64_t offset = 0;
};
inline constexpr size_t kDoorbellSize = 16;
void EncodeDoorbell(const Doorbell& d, char* dst);
bool DecodeDoorbell(const char* src, Doorbell* d);

// The client's side, on a connected socket. Returns the server's blob.
// InvalidArgument for a refusal of this client's secret or cluster id, or
// a server that cannot prove the secret; Busy/Unavailable/TimedOut for the
// rest (retryable).
[[nodiscard]] Status ClientHandshake(int fd, const ClusterSecret& secret,
                                     uint64_t cluster_id,
                                     const std::string& client_blob,
                                     Deadline deadline,
                                     const std::string& where,
                                     std::string* server_blob);

// Decides whether to admit a proven client: sets *server_blob, or returns a
// Status whose message is sent to the client with kNotAdmitted (or kBusy if
// the Status is Busy).
using AdmitFunction =
    std::function<Status(const std::string& client_blob,
                         std::string* server_blob)>;

// The server's side, on an accepted socket. OK if the client was welcomed;
// otherwise the refusal was sent (when the socket still worked) and the
// Status says why, for the node's log.
[[nodiscard]] Status ServerHandshake(int fd, const ClusterSecret& secret,
                                     uint64_t cluster_id, Deadline deadline,
                                     const AdmitFunction& admit);

}  // namespace o3lsm::fabric::net

#endif  // O3LSM_INTERCONNECT_NET_HANDSHAKE_H_
