// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Helpers for the lsm/table tests: internal keys, building a table file
// from a sorted model, and a RandomAccessFile wrapper that counts reads or
// serves them from a copy in memory (as a mapping would).

#ifndef O3LSM_TESTS_TABLE_TABLE_TEST_UTIL_H_
#define O3LSM_TESTS_TABLE_TABLE_TEST_UTIL_H_

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "o3lsm/env.h"

#include "lsm/dbformat.h"
#include "lsm/table/format.h"
#include "lsm/table/table.h"
#include "lsm/table/table_builder.h"
#include "util/coding.h"

namespace o3lsm::test {

inline std::string IKey(const std::string& user_key, SequenceNumber seq,
                        ValueType type = kTypeValue) {
  std::string k;
  AppendInternalKey(&k, ParsedInternalKey(user_key, seq, type));
  return k;
}

struct InternalKeyLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return InternalKeyComparator().Compare(a, b) < 0;
  }
};

// A table's expected contents: internal key -> value, in table order.
using Model = std::map<std::string, std::string, InternalKeyLess>;

// True if s, printed, contains text.
inline bool StatusContains(const Status& s, const std::string& text) {
  return s.ToString().find(text) != std::string::npos;
}

// Appends stored and its trailer to *file, as a block written at the end of
// the file image so far; returns its handle.
inline BlockHandle AppendBlockWithTrailer(std::string* file,
                                          const Slice& stored,
                                          CompressionType type) {
  const BlockHandle h(file->size(), stored.size());
  file->append(stored.data(), stored.size());
  file->push_back(static_cast<char>(type));
  PutFixed32(file,
             BlockChecksum(file->data() + h.offset, stored.size(), h.offset));
  return h;
}

// Writes model as an SST named fname through env.
inline Status BuildTable(Env* env, const std::string& fname,
                         const TableOptions& options, const Model& model,
                         TableProperties* props = nullptr) {
  std::unique_ptr<WritableFile> file;
  Status s = env->NewWritableFile(fname, &file);
  if (!s.ok()) return s;
  TableBuilder builder(options, file.get(), fname);
  for (const auto& [k, v] : model) builder.Add(k, v);
  s = builder.Finish();
  if (props != nullptr) *props = builder.properties();
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  return s;
}

// Counts reads and bytes read; forwards to the wrapped file.
class CountingFile final : public RandomAccessFile {
 public:
  explicit CountingFile(std::unique_ptr<RandomAccessFile> target)
      : target_(std::move(target)) {}
  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    reads_.fetch_add(1);
    bytes_.fetch_add(n);
    return target_->Read(offset, n, result, scratch);
  }
  int reads() const { return reads_.load(); }
  uint64_t bytes() const { return bytes_.load(); }
  void ResetCounts() {
    reads_ = 0;
    bytes_ = 0;
  }

 private:
  std::unique_ptr<RandomAccessFile> target_;
  mutable std::atomic<int> reads_{0};
  mutable std::atomic<uint64_t> bytes_{0};
};

// Serves reads from a string. In mapped mode results point into the string
// and scratch is ignored (like a memory-mapped file); otherwise results are
// copied into scratch (like pread).
class StringFile final : public RandomAccessFile {
 public:
  StringFile(std::string contents, bool mapped)
      : contents_(std::move(contents)), mapped_(mapped) {}
  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    if (offset > contents_.size()) {
      *result = Slice();
      return Status::OK();
    }
    n = std::min<uint64_t>(n, contents_.size() - offset);
    if (mapped_) {
      *result = Slice(contents_.data() + offset, n);
    } else {
      memcpy(scratch, contents_.data() + offset, n);
      *result = Slice(scratch, n);
    }
    return Status::OK();
  }

 private:
  const std::string contents_;
  const bool mapped_;
};

// Opens contents (an SST image in memory) as a table named fname.
inline Status OpenTableFromString(const TableOptions& options,
                                  const std::string& fname,
                                  const std::string& contents, bool mapped,
                                  std::unique_ptr<Table>* table) {
  return Table::Open(options, fname,
                     std::make_unique<StringFile>(contents, mapped),
                     contents.size(), table);
}

// Opens the SST file fname through env. With counter, reads go through a
// CountingFile that *counter points to (owned by the table).
inline Status OpenTableFile(Env* env, const TableOptions& options,
                            const std::string& fname,
                            std::unique_ptr<Table>* table,
                            CountingFile** counter = nullptr) {
  uint64_t size = 0;
  Status s = env->GetFileSize(fname, &size);
  if (!s.ok()) return s;
  std::unique_ptr<RandomAccessFile> file;
  s = env->NewRandomAccessFile(fname, &file);
  if (!s.ok()) return s;
  if (counter != nullptr) {
    auto counting = std::make_unique<CountingFile>(std::move(file));
    *counter = counting.get();
    file = std::move(counting);
  }
  return Table::Open(options, fname, std::move(file), size, table);
}

// Every entry of iter, first to last.
inline std::vector<std::pair<std::string, std::string>> ScanAll(
    Iterator* iter) {
  std::vector<std::pair<std::string, std::string>> out;
  for (iter->SeekToFirst(); iter->Valid(); iter->Next()) {
    out.emplace_back(iter->key().ToString(), iter->value().ToString());
  }
  return out;
}

}  // namespace o3lsm::test

#endif  // O3LSM_TESTS_TABLE_TABLE_TEST_UTIL_H_
