// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/manifest_tool.h"

#include <map>
#include <vector>

#include "lsm/version/filename.h"
#include "lsm/version/version_edit.h"
#include "lsm/wal/log_format.h"
#include "lsm/wal/log_reader.h"
#include "tools/cli/interrupt.h"
#include "util/coding.h"

namespace o3lsm::cli {

namespace {

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The log number stored in the first fragment header of manifest.
Status NumberFromHeader(Env* env, const std::string& manifest,
                        uint64_t* number) {
  std::unique_ptr<SequentialFile> file;
  Status s = env->NewSequentialFile(manifest, &file);
  if (!s.ok()) return s;
  char scratch[log::kHeaderSize];
  Slice header;
  s = file->Read(sizeof(scratch), &header, scratch);
  if (!s.ok()) return s;
  if (header.size() < log::kHeaderSize) {
    return Status::Corruption(manifest, "too short for a MANIFEST (" +
                                            std::to_string(header.size()) +
                                            " bytes)");
  }
  *number = DecodeFixed32(header.data() + log::kLogNumberOffset);
  return Status::OK();
}

// The live files the edits add up to, and the counters.
struct Summary {
  std::vector<std::map<uint64_t, FileMetaData>> levels;
  bool has_log_number = false;
  bool has_next_file = false;
  bool has_last_sequence = false;
  uint64_t log_number = 0;
  uint64_t next_file = 0;
  SequenceNumber last_sequence = 0;
  uint64_t edits = 0;

  explicit Summary(int num_levels) : levels(num_levels) {}

  // Deletions before additions, as recovery applies an edit.
  void Apply(const VersionEdit& edit) {
    edits++;
    for (const auto& [level, number] : edit.deleted_files()) {
      levels[level].erase(number);
    }
    for (const auto& [level, file] : edit.new_files()) {
      levels[level][file.number] = file;
    }
    if (edit.has_log_number()) {
      has_log_number = true;
      log_number = edit.log_number();
    }
    if (edit.has_next_file_number()) {
      has_next_file = true;
      next_file = edit.next_file_number();
    }
    if (edit.has_last_sequence()) {
      has_last_sequence = true;
      last_sequence = edit.last_sequence();
    }
  }

  std::string Text(const std::string& manifest, const std::string& end) const {
    auto counter = [](bool has, uint64_t v) {
      return has ? std::to_string(v) : std::string("(none)");
    };
    std::string t = "--- summary of " + manifest + ": " +
                    std::to_string(edits) + " edits, " + end + "\n";
    t += "log_number: " + counter(has_log_number, log_number) +
         "  next_file: " + counter(has_next_file, next_file) +
         "  last_sequence: " + counter(has_last_sequence, last_sequence) + "\n";
    uint64_t total_files = 0;
    uint64_t total_bytes = 0;
    for (size_t level = 0; level < levels.size(); level++) {
      if (levels[level].empty()) continue;
      uint64_t bytes = 0;
      std::string numbers;
      for (const auto& [number, file] : levels[level]) {
        bytes += file.file_size;
        numbers += " " + std::to_string(number);
      }
      total_files += levels[level].size();
      total_bytes += bytes;
      t += "level " + std::to_string(level) + ": " +
           std::to_string(levels[level].size()) + " files, " +
           std::to_string(bytes) + " bytes [" + numbers.substr(1) + "]\n";
    }
    t += "total: " + std::to_string(total_files) + " live files, " +
         std::to_string(total_bytes) + " bytes\n";
    return t;
  }
};

}  // namespace

Status ResolveManifest(Env* env, const std::string& path, std::string* manifest,
                       uint64_t* number) {
  const std::string current = CurrentFileName(path);
  FileType type;
  if (env->FileExists(current)) {
    std::string name;
    Status s = ReadFileToString(env, current, &name);
    if (!s.ok()) return s;
    if (name.empty() || name.back() != '\n') {
      return Status::Corruption(current, "does not end with a newline");
    }
    name.pop_back();
    if (!ParseFileName(name, number, &type) ||
        type != FileType::kDescriptorFile) {
      return Status::Corruption(current, "names no MANIFEST: '" + name + "'");
    }
    *manifest = path + "/" + name;
    if (!env->FileExists(*manifest)) {
      return Status::Corruption(*manifest, "named by CURRENT but missing");
    }
    return Status::OK();
  }
  if (!env->FileExists(path)) {
    return Status::NotFound(path + ": no such MANIFEST or database directory");
  }
  *manifest = path;
  if (ParseFileName(BaseName(path), number, &type) &&
      type == FileType::kDescriptorFile) {
    return Status::OK();
  }
  return NumberFromHeader(env, path, number);
}

Status DumpManifest(Env* env, const std::string& manifest, uint64_t number,
                    int num_levels, Console* console) {
  std::unique_ptr<SequentialFile> file;
  Status s = env->NewSequentialFile(manifest, &file);
  if (!s.ok()) return s;
  log::Reader reader(std::move(file), manifest, number);
  Summary summary(num_levels);
  Slice record;
  std::string scratch;
  uint64_t start = 0;
  while (reader.ReadRecord(&record, &scratch)) {
    if (InterruptRequested()) {
      return Status::Aborted(
          manifest,
          "interrupted after " + std::to_string(summary.edits) + " edits");
    }
    VersionEdit edit;
    s = edit.DecodeFrom(record, num_levels);
    if (!s.ok()) {
      return Status::Corruption(manifest, "record at offset " +
                                              std::to_string(start) + ": " +
                                              std::string(s.message()));
    }
    console->Out("# edit " + std::to_string(summary.edits + 1) + " at offset " +
                 std::to_string(start) + "\n" + edit.DebugString());
    summary.Apply(edit);
    start = reader.LastGoodOffset();
  }
  std::string end;
  switch (reader.end_state()) {
    case log::Reader::EndState::kTornTail:
      end = "torn tail after offset " +
            std::to_string(reader.LastGoodOffset()) +
            " (a crash while appending; recovery drops it)";
      break;
    case log::Reader::EndState::kCorruption:
    case log::Reader::EndState::kIOError:
      console->Out(summary.Text(manifest, "stopped by damage"));
      return reader.status();
    default:
      end = "clean end at offset " + std::to_string(reader.LastGoodOffset());
      break;
  }
  console->Out(summary.Text(manifest, end));
  return Status::OK();
}

}  // namespace o3lsm::cli
