// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Splits one shell line into words. Words are separated by blanks; a word
// may be quoted with "..." or '...' to hold blanks, and inside double quotes
// \" \\ \n \t \xHH escape as usual. A '#' outside quotes starts a comment.
//
// Thread safety: pure function.

#ifndef O3LSM_TOOLS_CLI_COMMAND_LINE_H_
#define O3LSM_TOOLS_CLI_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "o3lsm/status.h"

namespace o3lsm::cli {

// On success fills *words (empty for a blank or comment-only line).
// Fails with InvalidArgument naming the column of an unterminated quote or
// a bad escape.
Status SplitCommandLine(const std::string& line,
                        std::vector<std::string>* words);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_COMMAND_LINE_H_
