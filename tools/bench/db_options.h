// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Translation of db_bench's engine flags into o3lsm::Options,
// ReadOptions and WriteOptions, with the decisions that translation needs:
//
//   --compression_type  none, snappy (the db_bench default), zstd, lz4 map
//                       to o3lsm's codecs. zlib, bzip2, lz4hc, xpress are
//                       RocksDB codecs o3lsm lacks: they fall back to none
//                       with a warning, so db_bench's default command line
//                       still runs; anything else is an error.
//   --bloom_bits        -1 keeps o3lsm's default (10 bits/key; db_bench's
//                       -1 means no filter), 0 disables, n > 0 is n.
//   --open_files        -1 or 0 keep o3lsm's default.
//   --max_background_*  -1 derive from --max_background_jobs as RocksDB
//                       does: flushes = max(1, jobs / 4), compactions =
//                       max(1, jobs - flushes).
//   --compression_level 32767 keeps o3lsm's default.
//
// Thread safety: pure functions.

#ifndef O3LSM_TOOLS_BENCH_DB_OPTIONS_H_
#define O3LSM_TOOLS_BENCH_DB_OPTIONS_H_

#include <memory>
#include <string>
#include <vector>

#include "o3lsm/options.h"
#include "o3lsm/status.h"

#include "tools/bench/bench_flags.h"

namespace o3lsm::bench {

struct DbSettings {
  Options options;
  // The storage model's Env, when --storage_* ask for one (options.env
  // points to it).
  std::shared_ptr<Env> storage_env;
  ReadOptions read_options;
  WriteOptions write_options;
  // Header name of the codec in use, as db_bench prints it
  // ("NoCompression", "ZSTD", "LZ4").
  std::string compression_name;
  // One line each, printed as "WARNING: ..." in the header.
  std::vector<std::string> warnings;
};

// Fails with InvalidArgument on a compression type nobody knows.
[[nodiscard]] Status MakeDbSettings(const BenchFlags& flags,
                                    DbSettings* settings);

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_DB_OPTIONS_H_
