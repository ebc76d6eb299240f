// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/sst_tool.h"

#include "lsm/dbformat.h"
#include "lsm/table/table.h"
#include "tools/cli/bytes_format.h"
#include "tools/cli/interrupt.h"

namespace o3lsm::cli {

namespace {

constexpr size_t kOutputChunk = 64 << 10;

Status EntryCorruption(const std::string& fname, uint64_t index,
                       const std::string& what) {
  return Status::Corruption(fname,
                            "entry " + std::to_string(index) + ": " + what);
}

Status Interrupted(const std::string& fname, uint64_t entries) {
  return Status::Aborted(
      fname, "interrupted after " + std::to_string(entries) + " entries");
}

// Compares what the entries showed with what the properties block claims.
Status CheckAgainstProperties(const std::string& fname,
                              const TableProperties& props, uint64_t entries,
                              uint64_t deletions, const std::string& smallest,
                              const std::string& largest,
                              SequenceNumber min_seq, SequenceNumber max_seq) {
  auto mismatch = [&fname](const std::string& what, const std::string& claimed,
                           const std::string& found) {
    return Status::Corruption(fname, "properties say " + what + " " + claimed +
                                         ", the entries " + found);
  };
  if (entries != props.num_entries) {
    return mismatch("num_entries", std::to_string(props.num_entries),
                    std::to_string(entries));
  }
  if (deletions != props.num_deletions) {
    return mismatch("num_deletions", std::to_string(props.num_deletions),
                    std::to_string(deletions));
  }
  if (entries == 0) return Status::OK();
  if (smallest != props.smallest_key) {
    return mismatch("smallest_key", EscapeBytes(props.smallest_key),
                    EscapeBytes(smallest));
  }
  if (largest != props.largest_key) {
    return mismatch("largest_key", EscapeBytes(props.largest_key),
                    EscapeBytes(largest));
  }
  if (min_seq != props.smallest_seqno || max_seq != props.largest_seqno) {
    return mismatch("sequences",
                    std::to_string(props.smallest_seqno) + ".." +
                        std::to_string(props.largest_seqno),
                    std::to_string(min_seq) + ".." + std::to_string(max_seq));
  }
  return Status::OK();
}

}  // namespace

Status OpenSst(Env* env, const std::string& fname,
               std::unique_ptr<Table>* table) {
  uint64_t size = 0;
  Status s = env->GetFileSize(fname, &size);
  std::unique_ptr<RandomAccessFile> file;
  if (s.ok()) s = env->NewRandomAccessFile(fname, &file);
  if (!s.ok()) return s;
  // No block cache: every block is read from the file and verified.
  return Table::Open(TableOptions(), fname, std::move(file), size, table);
}

Status CheckSst(Env* env, const std::string& fname, std::string* summary) {
  std::unique_ptr<Table> table;
  Status s = OpenSst(env, fname, &table);
  if (!s.ok()) return s;
  ReadOptions options;
  options.verify_checksums = true;
  options.fill_cache = false;
  std::unique_ptr<Iterator> it(table->NewIterator(options));
  const InternalKeyComparator cmp;
  uint64_t entries = 0;
  uint64_t deletions = 0;
  std::string previous;
  std::string smallest;
  SequenceNumber min_seq = kMaxSequenceNumber;
  SequenceNumber max_seq = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (InterruptRequested()) return Interrupted(fname, entries);
    const Slice key = it->key();
    ParsedInternalKey parsed;
    if (!ParseInternalKey(key, &parsed)) {
      return EntryCorruption(fname, entries,
                             "malformed internal key " + ToHex(key));
    }
    if (entries > 0 && cmp.Compare(previous, key) >= 0) {
      return EntryCorruption(
          fname, entries,
          "key " + parsed.DebugString() + " is not after the previous key");
    }
    if (entries == 0) smallest = key.ToString();
    previous.assign(key.data(), key.size());
    if (parsed.type == kTypeDeletion) deletions++;
    min_seq = std::min(min_seq, parsed.sequence);
    max_seq = std::max(max_seq, parsed.sequence);
    entries++;
  }
  s = it->status();
  if (!s.ok()) return s;
  s = CheckAgainstProperties(fname, table->properties(), entries, deletions,
                             smallest, previous, min_seq, max_seq);
  if (!s.ok()) return s;
  *summary = fname + ": OK, " + std::to_string(entries) + " entries (" +
             std::to_string(deletions) + " deletions) in " +
             std::to_string(table->properties().num_data_blocks) +
             " data blocks, " + std::to_string(table->file_size()) +
             " bytes, checksums verified";
  return Status::OK();
}

Status DumpSst(Env* env, const std::string& fname,
               const SstDumpOptions& options, Console* console) {
  std::unique_ptr<Table> table;
  Status s = OpenSst(env, fname, &table);
  if (!s.ok()) return s;
  ReadOptions read_options;
  read_options.fill_cache = false;
  std::unique_ptr<Iterator> it(table->NewIterator(read_options));
  if (options.range.has_from) {
    // The newest version of from sorts first among its versions.
    const InternalKey target(options.range.from, kMaxSequenceNumber,
                             kValueTypeForSeek);
    it->Seek(target.Encode());
  } else {
    it->SeekToFirst();
  }
  std::string out;
  uint64_t shown = 0;
  for (; it->Valid() && shown < options.limit; it->Next()) {
    if (InterruptRequested()) {
      s = Interrupted(fname, shown);
      break;
    }
    ParsedInternalKey parsed;
    if (!ParseInternalKey(it->key(), &parsed)) {
      s = EntryCorruption(fname, shown,
                          "malformed internal key " + ToHex(it->key()));
      break;
    }
    if (options.range.has_to &&
        parsed.user_key.compare(options.range.to) >= 0) {
      break;
    }
    out += "'" + FormatBytes(parsed.user_key, options.key_hex) +
           "' seq:" + std::to_string(parsed.sequence) +
           ", type:" + std::to_string(static_cast<int>(parsed.type)) + " => " +
           FormatBytes(it->value(), options.value_hex) + "\n";
    if (out.size() >= kOutputChunk) {
      console->Out(out);
      out.clear();
    }
    shown++;
  }
  console->Out(out);
  if (s.ok()) s = it->status();
  return s;
}

Status SstProperties(Env* env, const std::string& fname, std::string* text) {
  std::unique_ptr<Table> table;
  Status s = OpenSst(env, fname, &table);
  if (!s.ok()) return s;
  *text = "file: " + fname +
          "\nfile_size: " + std::to_string(table->file_size()) + "\n" +
          table->properties().ToString();
  return Status::OK();
}

}  // namespace o3lsm::cli
