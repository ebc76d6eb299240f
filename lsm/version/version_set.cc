// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/version/version_set.h"

#include <algorithm>
#include <map>

#include "lsm/version/filename.h"
#include "lsm/wal/log_reader.h"

namespace o3lsm {

namespace {

void ApplyRangeTombstones(const VersionEdit& edit,
                          std::map<SequenceNumber, RangeTombstone>* live) {
  for (const RangeTombstone& t : edit.new_range_tombstones()) {
    (*live)[t.seq] = t;
  }
  for (SequenceNumber seq : edit.dropped_range_tombstones()) live->erase(seq);
}

// A MANIFEST past this size is rewritten as one snapshot edit on the next
// change, which bounds recovery time.
constexpr uint64_t kMaxManifestSize = 64ull << 20;

const InternalKeyComparator kCmp;

// Sorts a level: L0 newest first, other levels by smallest key.
void SortLevel(int level, std::vector<FileRef>* files) {
  if (level == 0) {
    std::sort(files->begin(), files->end(),
              [](const FileRef& a, const FileRef& b) {
                if (a->largest_seqno != b->largest_seqno) {
                  return a->largest_seqno > b->largest_seqno;
                }
                return a->number > b->number;
              });
  } else {
    std::sort(files->begin(), files->end(),
              [](const FileRef& a, const FileRef& b) {
                int r = kCmp.Compare(a->smallest.Encode(), b->smallest.Encode());
                return r != 0 ? r < 0 : a->number < b->number;
              });
  }
}

}  // namespace

// Accumulates edits on top of a base version and builds the result. A file
// that an edit moves (removed at one level, added at another) keeps its
// FileRef, so that the move does not report it obsolete.
class VersionSet::Builder {
 public:
  Builder(const VersionSet* vset, const Version* base)
      : vset_(vset), levels_(base->num_levels()) {
    for (int level = 0; level < base->num_levels(); level++) {
      for (const auto& f : base->files(level)) {
        levels_[level].emplace(f->number, f);
      }
    }
  }

  Status Apply(const VersionEdit& edit) {
    for (const auto& [level, number] : edit.deleted_files()) {
      auto it = levels_[level].find(number);
      if (it == levels_[level].end()) {
        return Status::Corruption("MANIFEST", "removes file " +
                                                  std::to_string(number) +
                                                  " missing from level " +
                                                  std::to_string(level));
      }
      moved_.emplace(number, it->second);
      levels_[level].erase(it);
    }
    for (const auto& [level, f] : edit.new_files()) {
      auto moved = moved_.find(f.number);
      FileRef ref = moved != moved_.end() ? moved->second
                                          : vset_->MakeFileRef(f);
      if (!levels_[level].emplace(f.number, std::move(ref)).second) {
        return Status::Corruption("MANIFEST", "adds file " +
                                                  std::to_string(f.number) +
                                                  " twice to level " +
                                                  std::to_string(level));
      }
    }
    return Status::OK();
  }

  Status SaveTo(Version* v) {
    for (int level = 0; level < static_cast<int>(levels_.size()); level++) {
      auto& files = *MutableFiles(v, level);
      files.clear();
      for (const auto& [number, f] : levels_[level]) files.push_back(f);
      SortLevel(level, &files);
      if (level > 0) {
        for (size_t i = 1; i < files.size(); i++) {
          if (kCmp.Compare(files[i - 1]->largest.Encode(),
                           files[i]->smallest.Encode()) >= 0) {
            return Status::Corruption(
                "MANIFEST", "overlapping files " +
                                std::to_string(files[i - 1]->number) + " and " +
                                std::to_string(files[i]->number) +
                                " in level " + std::to_string(level));
          }
        }
      }
    }
    v->FinishBuild();
    return Status::OK();
  }

 private:
  const VersionSet* const vset_;
  std::vector<std::map<uint64_t, FileRef>> levels_;
  std::map<uint64_t, FileRef> moved_;
};

VersionSet::VersionSet(std::string dbname, const Options* options,
                       std::shared_ptr<ObsoleteFiles> obsolete)
    : dbname_(std::move(dbname)),
      options_(options),
      env_(options->env),
      obsolete_(std::move(obsolete)),
      compact_pointer_(options->num_levels),
      current_(std::make_shared<Version>(options->num_levels)) {}

VersionSet::~VersionSet() {
  if (descriptor_log_ != nullptr) {
    descriptor_log_->Close().PermitUncheckedError();
  }
}

FileRef VersionSet::MakeFileRef(const FileMetaData& f) const {
  std::weak_ptr<ObsoleteFiles> sink = obsolete_;
  FileRef ref(new FileMetaData(f), [sink](FileMetaData* p) {
    if (auto s = sink.lock()) s->Add(p->number);
    delete p;
  });
  // LevelDB's floor: a small file is not compacted for a handful of seeks.
  constexpr int64_t kMinSeekBudget = 100;
  const uint64_t per_seek = options_->seek_compaction_bytes_per_seek;
  ref->seek_budget.Set(
      per_seek == 0
          ? INT64_MAX
          : std::max<int64_t>(kMinSeekBudget,
                              static_cast<int64_t>(f.file_size / per_seek)));
  return ref;
}

void VersionSet::MarkFileNumberUsed(uint64_t number) {
  uint64_t cur = next_file_number_.load();
  while (cur <= number &&
         !next_file_number_.compare_exchange_weak(cur, number + 1)) {
  }
}

uint64_t VersionSet::manifest_file_size() const {
  return descriptor_log_ != nullptr ? descriptor_log_->FileSize() : 0;
}

void VersionSet::AddLiveFiles(std::set<uint64_t>* live) const {
  for (int level = 0; level < current_->num_levels(); level++) {
    for (const auto& f : current_->files(level)) live->insert(f->number);
  }
}

Status VersionSet::WriteSnapshot(log::Writer* log) {
  VersionEdit edit;
  for (int level = 0; level < options_->num_levels; level++) {
    if (!compact_pointer_[level].empty()) {
      InternalKey key;
      if (key.DecodeFrom(compact_pointer_[level])) {
        edit.SetCompactPointer(level, key);
      }
    }
    for (const auto& f : current_->files(level)) edit.AddFile(level, *f);
  }
  for (const auto& [seq, t] : range_tombstones_) edit.AddRangeTombstone(t);
  edit.SetLogNumber(log_number_);
  edit.SetNextFile(next_file_number_.load());
  edit.SetLastSequence(LastSequence());
  std::string record;
  edit.EncodeTo(&record);
  return log->AddRecord(record);
}

Status VersionSet::CreateNew() {
  manifest_file_number_ = 1;
  next_file_number_ = 2;
  const std::string manifest = DescriptorFileName(dbname_, 1);
  std::unique_ptr<WritableFile> file;
  Status s = env_->NewWritableFile(manifest, &file);
  if (!s.ok()) return s;
  {
    log::Writer log(std::move(file), manifest_file_number_);
    s = WriteSnapshot(&log);
    if (s.ok()) s = log.Sync();
    Status close = log.Close();
    if (s.ok()) s = close;
  }
  if (s.ok()) {
    // A failed switch may still have renamed CURRENT: keep the file.
    s = SetCurrentFile(env_, dbname_, 1);
  } else {
    env_->RemoveFile(manifest).PermitUncheckedError();
  }
  if (s.ok()) live_manifest_number_ = 1;
  return s;
}

Status VersionSet::Recover() {
  std::string current;
  Status s = ReadFileToString(env_, CurrentFileName(dbname_), &current);
  if (!s.ok()) return s;
  if (current.empty() || current.back() != '\n') {
    return Status::Corruption(CurrentFileName(dbname_),
                              "does not end with a newline");
  }
  current.pop_back();
  uint64_t manifest_number;
  FileType type;
  if (!ParseFileName(current, &manifest_number, &type) ||
      type != FileType::kDescriptorFile) {
    return Status::Corruption(CurrentFileName(dbname_),
                              "names no MANIFEST: '" + current + "'");
  }
  const std::string manifest = dbname_ + "/" + current;
  std::unique_ptr<SequentialFile> file;
  s = env_->NewSequentialFile(manifest, &file);
  if (!s.ok()) {
    if (s.IsNotFound()) {
      return Status::Corruption(manifest, "named by CURRENT but missing");
    }
    return s;
  }

  bool have_log_number = false;
  bool have_next_file = false;
  bool have_last_sequence = false;
  uint64_t log_number = 0;
  uint64_t next_file = 0;
  SequenceNumber last_sequence = 0;
  Builder builder(this, current_.get());
  {
    log::Reader reader(std::move(file), manifest, manifest_number);
    Slice record;
    std::string scratch;
    while (reader.ReadRecord(&record, &scratch)) {
      VersionEdit edit;
      s = edit.DecodeFrom(record, options_->num_levels);
      if (s.ok()) s = builder.Apply(edit);
      if (!s.ok()) {
        return Status::Corruption(
            manifest, "record ending at offset " +
                          std::to_string(reader.LastGoodOffset()) + ": " +
                          std::string(s.message()));
      }
      for (const auto& [level, key] : edit.compact_pointers()) {
        compact_pointer_[level] = key.Encode().ToString();
      }
      ApplyRangeTombstones(edit, &range_tombstones_);
      if (edit.has_log_number()) {
        log_number = edit.log_number();
        have_log_number = true;
      }
      if (edit.has_next_file_number()) {
        next_file = edit.next_file_number();
        have_next_file = true;
      }
      if (edit.has_last_sequence()) {
        last_sequence = edit.last_sequence();
        have_last_sequence = true;
      }
    }
    // A torn last record is a crash while appending: the edit was never
    // acknowledged, so dropping it is correct. Damage before the end is not.
    // A read error is never mistaken for the end of the MANIFEST.
    if (reader.end_state() == log::Reader::EndState::kCorruption ||
        reader.end_state() == log::Reader::EndState::kIOError) {
      return reader.status();
    }
  }
  if (!have_next_file || !have_log_number || !have_last_sequence) {
    return Status::Corruption(manifest, "missing next-file, log-number or "
                                        "last-sequence entry");
  }

  auto v = std::make_shared<Version>(options_->num_levels);
  s = builder.SaveTo(v.get());
  if (!s.ok()) return Status::Corruption(manifest, s.message());
  current_ = std::move(v);
  log_number_ = log_number;
  // A tombstone written without the WAL may be persisted by a flush edit
  // written before its sequence was published: no sequence at or below it
  // may be handed out again.
  if (!range_tombstones_.empty()) {
    last_sequence = std::max(last_sequence, range_tombstones_.rbegin()->first);
  }
  SetLastSequence(last_sequence);
  next_file_number_ = next_file;
  durable_next_file_ = next_file;
  MarkFileNumberUsed(manifest_number);
  MarkFileNumberUsed(log_number);
  live_manifest_number_ = manifest_number;
  // The next LogAndApply starts a fresh MANIFEST: recovery never appends
  // after bytes it could not fully read.
  manifest_file_number_ = NewFileNumber();
  return Status::OK();
}

Status VersionSet::LogAndApply(VersionEdit* edit, Mutex* mu) {
  mu->AssertHeld();
  if (manifest_cv_ == nullptr) manifest_cv_ = std::make_unique<CondVar>(mu);
  while (manifest_busy_) manifest_cv_->Wait();
  // After a failed MANIFEST write nobody knows which edits a reopen will
  // see; appending more could only widen the gap between the two.
  if (!manifest_error_.ok()) return manifest_error_;
  manifest_busy_ = true;

  if (!edit->has_log_number()) edit->SetLogNumber(log_number_);
  edit->SetNextFile(next_file_number_.load());
  edit->SetLastSequence(LastSequence());

  auto v = std::make_shared<Version>(options_->num_levels);
  Status s;
  {
    Builder builder(this, current_.get());
    s = builder.Apply(*edit);
    if (s.ok()) s = builder.SaveTo(v.get());
  }

  // Start a new MANIFEST when there is none yet, or the old one grew large.
  std::unique_ptr<log::Writer> new_log;
  uint64_t new_manifest_number = 0;
  if (s.ok() && (descriptor_log_ == nullptr ||
                 descriptor_log_->FileSize() > kMaxManifestSize)) {
    new_manifest_number =
        descriptor_log_ == nullptr ? manifest_file_number_ : NewFileNumber();
    std::unique_ptr<WritableFile> file;
    s = env_->NewWritableFile(DescriptorFileName(dbname_, new_manifest_number),
                              &file);
    if (s.ok()) {
      new_log = std::make_unique<log::Writer>(std::move(file),
                                              new_manifest_number);
      s = WriteSnapshot(new_log.get());
    }
  }

  std::string record;
  edit->EncodeTo(&record);
  log::Writer* log = new_log != nullptr ? new_log.get() : descriptor_log_.get();
  bool current_touched = false;  // CURRENT may name the new MANIFEST
  if (s.ok()) {
    mu->Unlock();
    s = log->AddRecord(record);
    if (s.ok()) s = log->Sync();
    if (s.ok() && new_log != nullptr) {
      current_touched = true;
      s = SetCurrentFile(env_, dbname_, new_manifest_number);
    }
    mu->Lock();
    // The edit may or may not be durable: no edit may follow it (the
    // caller keeps its new files for the open-time sweep to sort out).
    if (!s.ok()) manifest_error_ = s;
  }

  if (s.ok()) {
    if (new_log != nullptr) {
      if (descriptor_log_ != nullptr) {
        descriptor_log_->Close().PermitUncheckedError();
      }
      descriptor_log_ = std::move(new_log);
      manifest_file_number_ = new_manifest_number;
      live_manifest_number_ = new_manifest_number;
    }
    current_ = std::move(v);
    ApplyRangeTombstones(*edit, &range_tombstones_);
    log_number_ = edit->log_number();
    durable_next_file_ = edit->next_file_number();
  } else if (new_log != nullptr) {
    new_log->Close().PermitUncheckedError();
    if (!current_touched) {
      env_->RemoveFile(DescriptorFileName(dbname_, new_manifest_number))
          .PermitUncheckedError();
    }
  } else if (descriptor_log_ != nullptr) {
    // The MANIFEST may now end in a partial record; never append after it.
    // The next change writes a fresh MANIFEST.
    descriptor_log_->Close().PermitUncheckedError();
    descriptor_log_.reset();
    manifest_file_number_ = NewFileNumber();
  }

  manifest_busy_ = false;
  manifest_cv_->SignalAll();
  return s;
}

}  // namespace o3lsm
