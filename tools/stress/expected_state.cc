// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The state file is mapped with mmap(2) directly rather than through Env:
// Env has no mapping call, and the point of the file is that stores into
// the mapping survive the process (see expected_state.h).

#include "tools/stress/expected_state.h"

#include <atomic>
#include <cstring>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/coding.h"

namespace o3lsm::stress {

namespace {

// "O3STRES1" in file order.
constexpr char kMagic[8] = {'O', '3', 'S', 'T', 'R', 'E', 'S', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 4096;
// Header fields, at these offsets.
constexpr size_t kVersionOffset = 8;
constexpr size_t kKeySpaceOffset = 12;
constexpr size_t kValueMinOffset = 16;
constexpr size_t kValueMaxOffset = 20;
constexpr size_t kFlagsOffset = 24;  // 64-bit, stored atomically
constexpr uint64_t kLossyFlag = 1;

// A key state word: bit 63 set for a pending write that is present, bit 32
// for exists, the generation in the low 32 bits. The settled word of a key
// never written is 0.
constexpr uint64_t kPresentBit = 1ull << 63;
constexpr uint64_t kExistsBit = 1ull << 32;

uint64_t Encode(const KeyState& s) {
  return kPresentBit | (s.exists ? kExistsBit : 0) | s.generation;
}

KeyState Decode(uint64_t w) {
  KeyState s;
  s.generation = static_cast<uint32_t>(w);
  s.exists = (w & kExistsBit) != 0;
  return s;
}

uint64_t Load(const uint64_t* w) {
  return std::atomic_ref<const uint64_t>(*w).load(std::memory_order_acquire);
}

void Store(uint64_t* w, uint64_t v) {
  std::atomic_ref<uint64_t>(*w).store(v, std::memory_order_release);
}

Status PosixError(const std::string& path, const char* what) {
  return Status::IOError(path, std::string(what) + ": " + strerror(errno));
}

}  // namespace

std::string KeyState::ToString() const {
  if (generation == 0 && !exists) return "never written";
  return "g" + std::to_string(generation) +
         (exists ? " (value)" : " (deleted)");
}

Status ExpectedState::Open(const std::string& path, uint32_t key_space,
                           const ValueSizes& sizes,
                           std::unique_ptr<ExpectedState>* result) {
  if (key_space == 0) {
    return Status::InvalidArgument(path, "key space must not be empty");
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return PosixError(path, "open");
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Status s = PosixError(path, "fstat");
    close(fd);
    return s;
  }
  const size_t size = kHeaderSize + size_t{key_space} * 2 * sizeof(uint64_t);
  const bool fresh = st.st_size == 0;
  if (fresh && ftruncate(fd, static_cast<off_t>(size)) != 0) {
    Status s = PosixError(path, "ftruncate");
    close(fd);
    return s;
  }
  if (!fresh && static_cast<uint64_t>(st.st_size) < kHeaderSize) {
    close(fd);
    return Status::Corruption(path, "state file shorter than its header");
  }
  const size_t map_size = fresh ? size : static_cast<size_t>(st.st_size);
  void* base =
      mmap(nullptr, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);  // the mapping keeps the file
  if (base == MAP_FAILED) return PosixError(path, "mmap");
  std::unique_ptr<ExpectedState> state(
      new ExpectedState(path, static_cast<char*>(base), map_size));
  char* h = state->base_;
  if (fresh) {
    memcpy(h, kMagic, sizeof(kMagic));
    EncodeFixed32(h + kVersionOffset, kVersion);
    EncodeFixed32(h + kKeySpaceOffset, key_space);
    EncodeFixed32(h + kValueMinOffset, sizes.min);
    EncodeFixed32(h + kValueMaxOffset, sizes.max);
  } else {
    if (memcmp(h, kMagic, sizeof(kMagic)) != 0) {
      return Status::Corruption(path, "not an o3lsm-stress state file");
    }
    if (DecodeFixed32(h + kVersionOffset) != kVersion) {
      return Status::NotSupported(
          path, "state file version " +
                    std::to_string(DecodeFixed32(h + kVersionOffset)));
    }
    const uint32_t stored = DecodeFixed32(h + kKeySpaceOffset);
    if (stored != key_space) {
      return Status::InvalidArgument(
          path, "made for a key space of " + std::to_string(stored) +
                    " keys, not " + std::to_string(key_space) +
                    " (use the same --key_space, or --destroy)");
    }
    if (map_size != size) {
      return Status::Corruption(path,
                                "state file has " + std::to_string(map_size) +
                                    " bytes, expected " + std::to_string(size));
    }
  }
  state->key_space_ = key_space;
  state->sizes_.min = DecodeFixed32(h + kValueMinOffset);
  state->sizes_.max = DecodeFixed32(h + kValueMaxOffset);
  if (state->sizes_.min < kMinValueSize ||
      state->sizes_.min > state->sizes_.max) {
    return Status::Corruption(path, "bad value sizes in state file header");
  }
  state->words_ = reinterpret_cast<uint64_t*>(h + kHeaderSize);
  *result = std::move(state);
  return Status::OK();
}

Status ExpectedState::Destroy(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return PosixError(path, "unlink");
  }
  return Status::OK();
}

ExpectedState::ExpectedState(std::string path, char* base, size_t size)
    : path_(std::move(path)), base_(base), size_(size) {}

ExpectedState::~ExpectedState() { munmap(base_, size_); }

KeyState ExpectedState::Settled(uint32_t key) const {
  return Decode(Load(&words_[2 * size_t{key}]));
}

std::optional<KeyState> ExpectedState::Pending(uint32_t key) const {
  const uint64_t w = Load(&words_[2 * size_t{key} + 1]);
  if ((w & kPresentBit) == 0) return std::nullopt;
  return Decode(w);
}

void ExpectedState::BeginWrite(uint32_t key, const KeyState& next) {
  Store(&words_[2 * size_t{key} + 1], Encode(next));
}

void ExpectedState::CommitWrite(uint32_t key) {
  uint64_t* w = &words_[2 * size_t{key}];
  // Settled first: if the process dies between the two stores, settled and
  // pending agree, which is as good as committed.
  Store(&w[0], Load(&w[1]) & ~kPresentBit);
  Store(&w[1], 0);
}

void ExpectedState::Resolve(uint32_t key, const KeyState& found) {
  uint64_t* w = &words_[2 * size_t{key}];
  Store(&w[0], Encode(found) & ~kPresentBit);
  Store(&w[1], 0);
}

bool ExpectedState::MayHold(uint32_t key, const KeyState& found) const {
  const KeyState settled = Settled(key);
  const std::optional<KeyState> pending = Pending(key);
  if (found.SameAs(settled)) return true;
  return pending.has_value() && found.SameAs(*pending);
}

bool ExpectedState::MayHoldAfterLoss(uint32_t key,
                                     const KeyState& found) const {
  if (MayHold(key, found)) return true;
  const KeyState settled = Settled(key);
  const std::optional<KeyState> pending = Pending(key);
  uint32_t newest = settled.generation;
  if (pending.has_value()) newest = std::max(newest, pending->generation);
  return !found.exists || (found.generation >= 1 && found.generation <= newest);
}

std::string ExpectedState::Describe(uint32_t key) const {
  std::string r = "settled " + Settled(key).ToString();
  if (auto p = Pending(key)) r += ", pending " + p->ToString();
  return r;
}

bool ExpectedState::lossy() const {
  return (Load(reinterpret_cast<const uint64_t*>(base_ + kFlagsOffset)) &
          kLossyFlag) != 0;
}

void ExpectedState::SetLossy(bool lossy) {
  Store(reinterpret_cast<uint64_t*>(base_ + kFlagsOffset),
        lossy ? kLossyFlag : 0);
}

Status ExpectedState::Sync() {
  if (msync(base_, size_, MS_SYNC) != 0) return PosixError(path_, "msync");
  return Status::OK();
}

}  // namespace o3lsm::stress
