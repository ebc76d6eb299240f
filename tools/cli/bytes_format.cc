// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/bytes_format.h"

namespace o3lsm::cli {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendHexByte(unsigned char b, std::string* out) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  out->push_back(kDigits[b >> 4]);
  out->push_back(kDigits[b & 0xf]);
}

}  // namespace

std::string EscapeBytes(const Slice& bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size(); i++) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (b == '\\' || b == '"') {
      out.push_back('\\');
      out.push_back(static_cast<char>(b));
    } else if (b >= 0x20 && b < 0x7f) {
      out.push_back(static_cast<char>(b));
    } else {
      out.append("\\x");
      AppendHexByte(b, &out);
    }
  }
  return out;
}

std::string ToHex(const Slice& bytes) {
  std::string out = "0x";
  out.reserve(2 + 2 * bytes.size());
  for (size_t i = 0; i < bytes.size(); i++) {
    AppendHexByte(static_cast<unsigned char>(bytes[i]), &out);
  }
  return out;
}

Status ParseHex(std::string_view text, std::string* bytes) {
  std::string_view digits = text;
  if (digits.size() >= 2 && digits[0] == '0' &&
      (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
  }
  if (digits.size() % 2 != 0) {
    return Status::InvalidArgument("bad hex '" + EscapeBytes(text) +
                                   "': odd number of digits");
  }
  std::string out;
  out.reserve(digits.size() / 2);
  for (size_t i = 0; i < digits.size(); i += 2) {
    const int hi = HexValue(digits[i]);
    const int lo = HexValue(digits[i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("bad hex '" + EscapeBytes(text) +
                                     "': not a hex digit");
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  *bytes = std::move(out);
  return Status::OK();
}

}  // namespace o3lsm::cli
