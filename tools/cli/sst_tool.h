// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The `sst` tool (the shell's answer to RocksDB's sst_dump): looks at one
// SST file on its own, without opening a database.
//
//   check  reads every block through the index, verifying each checksum,
//          and checks that the entries are well-formed internal keys in
//          order and agree with the properties block (count, deletions,
//          smallest/largest key, sequence range).
//   dump   prints the entries with their internal key parts, one per line:
//            'user key' seq:12, type:1 => value
//          (type 1 is a value, 0 a deletion, as in docs/sst_format.md).
//   props  prints the properties block (TableProperties::ToString).
//
// Errors are Corruption or IOError naming the file and, from the table
// reader, the offset of the damaged block.
//
// Thread safety: the functions share no state; each opens its own Table.

#ifndef O3LSM_TOOLS_CLI_SST_TOOL_H_
#define O3LSM_TOOLS_CLI_SST_TOOL_H_

#include <cstdint>
#include <memory>
#include <string>

#include "o3lsm/env.h"
#include "o3lsm/status.h"

#include "tools/cli/arguments.h"
#include "tools/cli/console.h"

namespace o3lsm {
class Table;
}

namespace o3lsm::cli {

struct SstDumpOptions {
  KeyRange range;  // user keys; [from, to)
  uint64_t limit = UINT64_MAX;
  bool key_hex = false;
  bool value_hex = false;
};

// Opens fname (read through env) as a Table with no block cache.
[[nodiscard]] Status OpenSst(Env* env, const std::string& fname,
                             std::unique_ptr<Table>* table);

// Verifies fname as described above; on success *summary is one line
// ("FILE: OK, N entries ...").
[[nodiscard]] Status CheckSst(Env* env, const std::string& fname,
                              std::string* summary);

// Prints fname's entries in options.range, at most options.limit of them.
[[nodiscard]] Status DumpSst(Env* env, const std::string& fname,
                             const SstDumpOptions& options, Console* console);

// *text is fname's size and properties, one "name: value" line each.
[[nodiscard]] Status SstProperties(Env* env, const std::string& fname,
                                   std::string* text);

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_SST_TOOL_H_
