// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "o3lsm/status.h"

namespace o3lsm {

Status::Status(Code code, const Slice& msg, const Slice& msg2) : code_(code) {
  auto text = std::make_unique<std::string>(msg.data(), msg.size());
  if (!msg2.empty()) {
    text->append(": ");
    text->append(msg2.data(), msg2.size());
  }
  msg_ = std::move(text);
}

std::string Status::ToString() const {
  const char* name;
  switch (code_) {
    case Code::kOk:
      return "OK";
    case Code::kNotFound:
      name = "NotFound";
      break;
    case Code::kCorruption:
      name = "Corruption";
      break;
    case Code::kNotSupported:
      name = "NotSupported";
      break;
    case Code::kInvalidArgument:
      name = "InvalidArgument";
      break;
    case Code::kIOError:
      name = "IOError";
      break;
    case Code::kBusy:
      name = "Busy";
      break;
    case Code::kTimedOut:
      name = "TimedOut";
      break;
    case Code::kUnavailable:
      name = "Unavailable";
      break;
    case Code::kAborted:
      name = "Aborted";
      break;
    case Code::kNoSpace:
      name = "NoSpace";
      break;
    default:
      name = "Unknown";
      break;
  }
  std::string result(name);
  if (msg_ && !msg_->empty()) {
    result.append(": ");
    result.append(*msg_);
  }
  return result;
}

}  // namespace o3lsm
