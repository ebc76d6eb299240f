// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The shell's lexical layer: how input text becomes statements and words.
//
//   statements  are separated by ';' and by newlines, except inside quotes;
//               a '#' at the start of a word comments out the rest of the
//               line. "put a 1; get a" is two statements everywhere (-c,
//               pipes, scripts, the terminal), so a script can be pasted.
//   words       are separated by blanks. '...' quotes literally; "..."
//               understands \" \\ \n \t \r \0 \xHH, so every byte can be
//               typed, and what the shell prints escaped (\xHH, \\) can be
//               pasted back between double quotes. Outside quotes a
//               backslash is an ordinary byte.
//
// Thread safety: pure functions.

#ifndef O3LSM_TOOLS_CLI_COMMAND_LINE_H_
#define O3LSM_TOOLS_CLI_COMMAND_LINE_H_

#include <string>
#include <string_view>
#include <vector>

#include "o3lsm/status.h"

namespace o3lsm::cli {

// Splits text into statements (without their separators, blank ones
// dropped). Never fails: an unterminated quote runs to the end of text, and
// SplitCommandLine reports it when that statement is run.
std::vector<std::string> SplitStatements(std::string_view text);

// Splits one statement into words. On success fills *words (empty for a
// blank or comment-only statement). Fails with InvalidArgument naming the
// 1-based column of an unterminated quote or a bad escape.
[[nodiscard]] Status SplitCommandLine(std::string_view line,
                                      std::vector<std::string>* words);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_COMMAND_LINE_H_
