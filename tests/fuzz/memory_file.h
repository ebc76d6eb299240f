// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Files whose bytes live in memory, for the fuzz targets: the decoders read
// fuzzer input through the same Env file interfaces they use in the
// engine. Reads are copied into the caller's scratch (except where the file
// says it reads in place), so that a decoder reading past what it asked for
// touches the end of scratch, where AddressSanitizer sees it.
//
// Thread safety: MemoryRandomAccessFile as RandomAccessFile (concurrent
// reads); MemorySequentialFile is used by one thread.

#ifndef O3LSM_TESTS_FUZZ_MEMORY_FILE_H_
#define O3LSM_TESTS_FUZZ_MEMORY_FILE_H_

#include <algorithm>
#include <cstring>
#include <string>

#include "o3lsm/env.h"

namespace o3lsm::fuzz {

class MemoryRandomAccessFile final : public RandomAccessFile {
 public:
  // in_place: serve reads as slices of the contents, as a mapped file does
  // (the table reader then uses blocks where they lie).
  MemoryRandomAccessFile(std::string contents, bool in_place)
      : contents_(std::move(contents)), in_place_(in_place) {}

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    if (offset > contents_.size()) {
      *result = Slice();
      return Status::OK();
    }
    n = std::min<uint64_t>(n, contents_.size() - offset);
    if (in_place_) {
      *result = Slice(contents_.data() + offset, n);
    } else {
      memcpy(scratch, contents_.data() + offset, n);
      *result = Slice(scratch, n);
    }
    return Status::OK();
  }
  bool ReadsInPlace() const override { return in_place_; }

 private:
  const std::string contents_;
  const bool in_place_;
};

class MemorySequentialFile final : public SequentialFile {
 public:
  explicit MemorySequentialFile(std::string contents)
      : contents_(std::move(contents)) {}

  Status Read(size_t n, Slice* result, char* scratch) override {
    n = std::min(n, contents_.size() - pos_);
    memcpy(scratch, contents_.data() + pos_, n);
    pos_ += n;
    *result = Slice(scratch, n);
    return Status::OK();
  }
  Status Skip(uint64_t n) override {
    pos_ += std::min<uint64_t>(n, contents_.size() - pos_);
    return Status::OK();
  }

 private:
  const std::string contents_;
  size_t pos_ = 0;
};

}  // namespace o3lsm::fuzz

#endif  // O3LSM_TESTS_FUZZ_MEMORY_FILE_H_
