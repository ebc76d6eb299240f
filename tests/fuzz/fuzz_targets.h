// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The fuzz targets: one function per decoder of untrusted bytes, each with
// libFuzzer's signature (return 0; crash on a bug). fuzz_main.cc turns one
// of them into a libFuzzer executable (clang only, tests/fuzz/
// CMakeLists.txt); regression_test.cc replays the checked-in corpora and
// crash inputs through all of them in every build. docs/reliability.md
// lists them.
//
// Most formats carry checksums, which random mutations almost never get
// right, so a fuzzer would seldom get past them. Where the format has
// checksums, the first input byte holds flags, and flag bit 0 asks the
// target to recompute every checksum it can locate before decoding: the
// fuzzer then explores the decoders behind the checksums too. Inputs with
// the bit clear exercise the checksum verification itself.
//
// A target aborts (a crash libFuzzer reports) when a decoder breaks an
// invariant that holds for any input: a round trip that changes a decoded
// value, an iterator that is Valid() with a non-OK status, and so on.
//
// Thread safety: the functions may run concurrently.

#ifndef O3LSM_TESTS_FUZZ_FUZZ_TARGETS_H_
#define O3LSM_TESTS_FUZZ_FUZZ_TARGETS_H_

#include <cstddef>
#include <cstdint>

namespace o3lsm::fuzz {

using FuzzFunction = int (*)(const uint8_t* data, size_t size);

// lsm/table: BlockIter over arbitrary block bytes, both key orders.
int FuzzBlock(const uint8_t* data, size_t size);
// lsm/table: Footer::DecodeFrom and BlockHandle::DecodeFrom. Flags byte.
int FuzzFooter(const uint8_t* data, size_t size);
// lsm/table: Table::Open on arbitrary file bytes, then reads. Flags byte:
// bit 1 serves the file in place (the mapped-file path), bit 2 adds a block
// cache.
int FuzzTable(const uint8_t* data, size_t size);
// lsm/wal: log::Reader over arbitrary file bytes; records decoded as write
// batches and version edits. Flags byte.
int FuzzLogReader(const uint8_t* data, size_t size);
// lsm/wal: WriteBatch::Iterate of arbitrary contents (SetContents).
int FuzzWriteBatch(const uint8_t* data, size_t size);
// lsm/version: VersionEdit::DecodeFrom, and a re-encoding round trip.
int FuzzVersionEdit(const uint8_t* data, size_t size);
// interconnect: DecodeSuperblock, and a re-encoding round trip. Flags byte.
int FuzzSuperblock(const uint8_t* data, size_t size);
// tools/cli: SplitStatements and SplitCommandLine.
int FuzzCommandLine(const uint8_t* data, size_t size);
// lsm/offload: a DM memtable segment: SegmentHeader::DecodeFrom and a
// re-encoding round trip, DecodeSegmentKeys, ReadSegment from a pool, the
// image through NewSkipListIterator, and GetFromFencedRange over fences
// found by iterating it. Flags byte: bit 1 pads or cuts the bytes to the
// length the header claims.
int FuzzSegment(const uint8_t* data, size_t size);
// lsm/offload, scheduler/cluster: FlushJobSpec, CompactionJobSpec and
// JobResult DecodeFrom with re-encoding round trips, and JobWord::Decode.
// Flags byte: bit 1 reads the input as a job slot instead (state word, then
// the slot's bytes) that a JobBoard in a pool inspects, lists, reads the
// result of, claims and completes.
int FuzzJob(const uint8_t* data, size_t size);
// lsm/offload: delegated search messages: DecodeSearchRequest and
// DecodeSearchReply with re-encoding round trips, and the memory node's
// SearchServer::Answer of a request against a pool. Flags byte: bit 1
// reads the input as a reply.
int FuzzSearch(const uint8_t* data, size_t size);

struct FuzzTarget {
  const char* name;  // the corpus directory: tests/fuzz/corpus/<name>
  FuzzFunction function;
};

inline constexpr FuzzTarget kFuzzTargets[] = {
    {"block", FuzzBlock},
    {"footer", FuzzFooter},
    {"table", FuzzTable},
    {"log_reader", FuzzLogReader},
    {"write_batch", FuzzWriteBatch},
    {"version_edit", FuzzVersionEdit},
    {"superblock", FuzzSuperblock},
    {"command_line", FuzzCommandLine},
    {"segment", FuzzSegment},
    {"job", FuzzJob},
    {"search", FuzzSearch},
};

// Inputs longer than this are ignored: they slow the fuzzer down without
// reaching code that shorter inputs do not.
inline constexpr size_t kMaxInputSize = 1 << 20;

}  // namespace o3lsm::fuzz

#endif  // O3LSM_TESTS_FUZZ_FUZZ_TARGETS_H_
