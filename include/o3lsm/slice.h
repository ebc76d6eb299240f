// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Slice is a non-owning view of bytes: a pointer and a length. The caller
// must keep the storage alive for as long as the Slice is used.
//
// Thread safety: const methods may be called concurrently; non-const methods
// need external synchronization.

#ifndef O3LSM_INCLUDE_SLICE_H_
#define O3LSM_INCLUDE_SLICE_H_

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace o3lsm {

class Slice {
 public:
  Slice() : data_(""), size_(0) {}
  Slice(const char* d, size_t n) : data_(d), size_(n) {}
  Slice(const std::string& s) : data_(s.data()), size_(s.size()) {}  // NOLINT
  Slice(std::string_view s) : data_(s.data()), size_(s.size()) {}    // NOLINT
  Slice(const char* s) : data_(s), size_(strlen(s)) {}               // NOLINT

  // Intentionally copyable.
  Slice(const Slice&) = default;
  Slice& operator=(const Slice&) = default;

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // REQUIRES: n < size()
  char operator[](size_t n) const {
    assert(n < size_);
    return data_[n];
  }

  void clear() {
    data_ = "";
    size_ = 0;
  }

  // REQUIRES: n <= size()
  void remove_prefix(size_t n) {
    assert(n <= size_);
    data_ += n;
    size_ -= n;
  }

  std::string ToString() const { return std::string(data_, size_); }
  std::string_view view() const { return std::string_view(data_, size_); }

  // Three-way bytewise comparison: <0, 0 or >0.
  int compare(const Slice& b) const;

  bool starts_with(const Slice& x) const {
    return size_ >= x.size_ && memcmp(data_, x.data_, x.size_) == 0;
  }

 private:
  const char* data_;
  size_t size_;
};

inline bool operator==(const Slice& x, const Slice& y) {
  return x.size() == y.size() && memcmp(x.data(), y.data(), x.size()) == 0;
}

inline bool operator!=(const Slice& x, const Slice& y) { return !(x == y); }

inline int Slice::compare(const Slice& b) const {
  const size_t min_len = (size_ < b.size_) ? size_ : b.size_;
  // Eight bytes at a time, as big-endian words: keys are short, and a call
  // to memcmp costs more than comparing them inline.
  size_t i = 0;
  for (; i + 8 <= min_len; i += 8) {
    uint64_t x, y;
    memcpy(&x, data_ + i, 8);
    memcpy(&y, b.data_ + i, 8);
    if (x != y) {
      x = __builtin_bswap64(x);
      y = __builtin_bswap64(y);
      return x < y ? -1 : +1;
    }
  }
  for (; i < min_len; i++) {
    const unsigned char x = static_cast<unsigned char>(data_[i]);
    const unsigned char y = static_cast<unsigned char>(b.data_[i]);
    if (x != y) return x < y ? -1 : +1;
  }
  if (size_ < b.size_) return -1;
  if (size_ > b.size_) return +1;
  return 0;
}

}  // namespace o3lsm

#endif  // O3LSM_INCLUDE_SLICE_H_
