// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A Status is the result of an operation: success, or an error code with a
// message naming what failed and where (file and offset, node, DM address).
// Every fallible o3lsm call returns one; no exception crosses the API.
//
// Errors carry two properties the disaggregated parts rely on:
//   retryable()  the operation may succeed if repeated (a peer that went away,
//                a timeout, a busy resource);
//   data_loss()  bytes were found damaged (a checksum mismatch, a malformed
//                structure): retrying reads the same bad bytes.
//
// Thread safety: const methods may be called concurrently. A Status is a
// value: copy or move it freely.

#ifndef O3LSM_INCLUDE_STATUS_H_
#define O3LSM_INCLUDE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>

#include "o3lsm/slice.h"

namespace o3lsm {

class [[nodiscard]] Status {
 public:
  // Persisted nowhere, but printed by tools and matched by scripts: keep the
  // names stable.
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound = 1,
    kCorruption = 2,
    kNotSupported = 3,
    kInvalidArgument = 4,
    kIOError = 5,
    kBusy = 6,
    kTimedOut = 7,
    kUnavailable = 8,
    kAborted = 9,
    kNoSpace = 10,
  };

  Status() noexcept = default;
  Status(const Status& rhs);
  Status& operator=(const Status& rhs);
  Status(Status&& rhs) noexcept = default;
  Status& operator=(Status&& rhs) noexcept = default;
  ~Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kNotFound, msg, msg2);
  }
  static Status Corruption(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kCorruption, msg, msg2);
  }
  static Status NotSupported(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kNotSupported, msg, msg2);
  }
  static Status InvalidArgument(const Slice& msg,
                                const Slice& msg2 = Slice()) {
    return Status(Code::kInvalidArgument, msg, msg2);
  }
  static Status IOError(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kIOError, msg, msg2);
  }
  static Status Busy(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kBusy, msg, msg2);
  }
  static Status TimedOut(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kTimedOut, msg, msg2);
  }
  static Status Unavailable(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kUnavailable, msg, msg2);
  }
  static Status Aborted(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kAborted, msg, msg2);
  }
  static Status NoSpace(const Slice& msg, const Slice& msg2 = Slice()) {
    return Status(Code::kNoSpace, msg, msg2);
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsTimedOut() const { return code_ == Code::kTimedOut; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsAborted() const { return code_ == Code::kAborted; }
  bool IsNoSpace() const { return code_ == Code::kNoSpace; }

  // True if repeating the operation may succeed (peer gone, timeout, busy).
  bool retryable() const {
    return code_ == Code::kUnavailable || code_ == Code::kTimedOut ||
           code_ == Code::kBusy;
  }
  // True if stored bytes were found damaged.
  bool data_loss() const { return code_ == Code::kCorruption; }

  // The message without the code prefix ("" for OK).
  std::string_view message() const {
    return msg_ ? std::string_view(*msg_) : std::string_view();
  }

  // "OK", or "Code: message".
  std::string ToString() const;

  // Marks a deliberately ignored status (best-effort clean-up paths).
  void PermitUncheckedError() const {}

 private:
  Status(Code code, const Slice& msg, const Slice& msg2);

  Code code_ = Code::kOk;
  std::unique_ptr<std::string> msg_;  // null when ok()
};

inline Status::Status(const Status& rhs)
    : code_(rhs.code_),
      msg_(rhs.msg_ ? std::make_unique<std::string>(*rhs.msg_) : nullptr) {}

inline Status& Status::operator=(const Status& rhs) {
  if (this != &rhs) {
    code_ = rhs.code_;
    msg_ = rhs.msg_ ? std::make_unique<std::string>(*rhs.msg_) : nullptr;
  }
  return *this;
}

}  // namespace o3lsm

#endif  // O3LSM_INCLUDE_STATUS_H_
