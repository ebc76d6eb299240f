// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// ExpectedState is o3lsm-stress's record of what the database may hold: for
// each key of the bounded key space, the state the last acknowledged write
// left (its generation, and whether it is a value or a deletion), and the
// state of a write in flight, if any. It lives in a memory-mapped file, so
// it survives the stress process being killed at any instruction: every
// update is a single aligned 64-bit store into the page cache, which the
// kernel keeps when the process dies.
//
// The protocol of a write (the "pending write" trick):
//   BeginWrite(key, next)   before the write is handed to the database;
//   CommitWrite(key)        after the database acknowledged it.
// A write that never returned (the process was killed) or failed (an
// injected fault; the engine may still have logged it) leaves the key
// pending: both its settled and its pending state are acceptable, until a
// verification pass looks at the database and Resolve()s the key to what it
// found. A key stays pending while its write is ambiguous; o3lsm-stress does
// not write a pending key again before it is resolved.
//
// A run that may lose acknowledged writes (--disable_wal, or a simulated
// power cut without sync) marks the state lossy: verification then accepts,
// for each key, absence or any intact generation up to the newest written,
// instead of exactly the settled or pending state.
//
// The file: a 4 KiB header (magic "O3STRES1", version, key space, value
// sizes, flags) followed by two 64-bit words per key (settled, pending).
//
// Thread safety: the methods on one key must be serialized by the caller
// (o3lsm-stress holds the key's lock); different keys may be used
// concurrently. Header methods may be called from any thread.

#ifndef O3LSM_TOOLS_STRESS_EXPECTED_STATE_H_
#define O3LSM_TOOLS_STRESS_EXPECTED_STATE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "o3lsm/status.h"

#include "tools/stress/stress_key_value.h"

namespace o3lsm::stress {

// What a key holds: write number `generation` of the key, a value if
// exists, else a deletion (generation 0 with !exists: never written).
struct KeyState {
  uint32_t generation = 0;
  bool exists = false;

  // Two absent keys are equal whatever deletion made them absent: the
  // database cannot tell them apart.
  bool SameAs(const KeyState& other) const {
    return exists == other.exists &&
           (!exists || generation == other.generation);
  }
  std::string ToString() const;
};

class ExpectedState {
 public:
  // Opens the state file at path, creating it for key_space keys and
  // values of the given sizes if it does not exist. An existing file must
  // have the same key space (InvalidArgument otherwise); its value sizes
  // win over the ones given (see value_sizes()).
  [[nodiscard]] static Status Open(const std::string& path, uint32_t key_space,
                                   const ValueSizes& sizes,
                                   std::unique_ptr<ExpectedState>* result);
  // Removes the state file; OK if it does not exist.
  [[nodiscard]] static Status Destroy(const std::string& path);

  ~ExpectedState();
  ExpectedState(const ExpectedState&) = delete;
  ExpectedState& operator=(const ExpectedState&) = delete;

  uint32_t key_space() const { return key_space_; }
  const ValueSizes& value_sizes() const { return sizes_; }

  KeyState Settled(uint32_t key) const;
  // The state of the ambiguous write of key, if there is one.
  std::optional<KeyState> Pending(uint32_t key) const;

  // REQUIRES: key has no pending write.
  void BeginWrite(uint32_t key, const KeyState& next);
  // REQUIRES: BeginWrite(key, ...) came before.
  void CommitWrite(uint32_t key);
  // Settles key to what the database was found to hold.
  void Resolve(uint32_t key, const KeyState& found);

  // Whether the database may hold `found` for key: its settled state or
  // its pending write.
  bool MayHold(uint32_t key, const KeyState& found) const;
  // Whether it may after acknowledged writes were lost (a lossy state):
  // also absence, or any generation written so far.
  bool MayHoldAfterLoss(uint32_t key, const KeyState& found) const;
  // "settled g5 (value), pending g6 (deleted)" for messages.
  std::string Describe(uint32_t key) const;

  bool lossy() const;
  void SetLossy(bool lossy);

  // Writes the mapping back to the file (msync): not needed to survive a
  // killed process, only a crashed machine.
  [[nodiscard]] Status Sync();

 private:
  ExpectedState(std::string path, char* base, size_t size);

  const std::string path_;
  char* const base_;  // the mapping
  const size_t size_;
  uint32_t key_space_ = 0;
  ValueSizes sizes_;
  uint64_t* words_ = nullptr;  // 2 per key: settled, pending
};

}  // namespace o3lsm::stress

#endif  // O3LSM_TOOLS_STRESS_EXPECTED_STATE_H_
