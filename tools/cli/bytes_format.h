// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// How the shell shows and reads keys and values, which are arbitrary bytes.
//
//   escaped  (default) printable ASCII as itself, except \ and " as \\ and
//            \", and every other byte as \xHH: one line per entry on any
//            terminal, and the text pasted between double quotes reads back
//            as the same bytes (see command_line.h).
//   hex      (--hex, like ldb) "0x" and two upper-case digits per byte.
//            Parsing accepts upper or lower case, with or without "0x".
//
// Thread safety: pure functions.

#ifndef O3LSM_TOOLS_CLI_BYTES_FORMAT_H_
#define O3LSM_TOOLS_CLI_BYTES_FORMAT_H_

#include <string>
#include <string_view>

#include "o3lsm/slice.h"
#include "o3lsm/status.h"

namespace o3lsm::cli {

std::string EscapeBytes(const Slice& bytes);

std::string ToHex(const Slice& bytes);

// Decodes hex text into *bytes. Fails with InvalidArgument quoting text on
// an odd number of digits or a non-hex character.
[[nodiscard]] Status ParseHex(std::string_view text, std::string* bytes);

// EscapeBytes or ToHex.
inline std::string FormatBytes(const Slice& bytes, bool hex) {
  return hex ? ToHex(bytes) : EscapeBytes(bytes);
}

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_BYTES_FORMAT_H_
