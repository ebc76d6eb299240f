// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The `manifest` tool: prints the VersionEdits of a MANIFEST
// (docs/manifest_format.md) in order, then what they add up to: the live
// SST files per level and the recovery counters. Reads the file like
// recovery does (log::Reader), so it reports the same damage recovery
// would, but it never changes a file.
//
// Thread safety: the functions share no state.

#ifndef O3LSM_TOOLS_CLI_MANIFEST_TOOL_H_
#define O3LSM_TOOLS_CLI_MANIFEST_TOOL_H_

#include <cstdint>
#include <string>

#include "o3lsm/env.h"
#include "o3lsm/status.h"

#include "tools/cli/console.h"

namespace o3lsm::cli {

// The MANIFEST that path means: path itself if it is a file, or the one a
// database directory's CURRENT names. *number is the MANIFEST's file
// number, which its records are checksummed with: taken from the name
// (MANIFEST-NNNNNN) or, for a renamed copy, from its first record header.
[[nodiscard]] Status ResolveManifest(Env* env, const std::string& path,
                                     std::string* manifest, uint64_t* number);

// Prints every edit of manifest (numbered number), decoded for num_levels
// levels, then the summary. A torn last record (a crash while appending,
// which recovery drops) is reported in the summary and is not an error;
// damage before the end is Corruption naming the file and offset, printed
// after the edits read before it.
[[nodiscard]] Status DumpManifest(Env* env, const std::string& manifest,
                                  uint64_t number, int num_levels,
                                  Console* console);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_MANIFEST_TOOL_H_
