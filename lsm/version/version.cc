// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/version/version.h"

#include <algorithm>

#include "lsm/table/two_level_iterator.h"
#include "lsm/version/table_cache.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

const InternalKeyComparator kCmp;

bool AfterFile(const Slice* user_key, const FileMetaData& f) {
  // nullptr user_key occurs before all keys.
  return user_key != nullptr && user_key->compare(f.largest.user_key()) > 0;
}

bool BeforeFile(const Slice* user_key, const FileMetaData& f) {
  // nullptr user_key occurs after all keys.
  return user_key != nullptr && user_key->compare(f.smallest.user_key()) < 0;
}

// Index over the files of a sorted level: key() is a file's largest key,
// value() its number and size (16 bytes).
class LevelFileNumIterator final : public Iterator {
 public:
  explicit LevelFileNumIterator(const std::vector<FileRef>* files)
      : files_(files), index_(files->size()) {}

  bool Valid() const override { return index_ < files_->size(); }
  void Seek(const Slice& target) override {
    index_ = FindFile(*files_, target);
  }
  void SeekToFirst() override { index_ = 0; }
  void SeekToLast() override {
    index_ = files_->empty() ? 0 : files_->size() - 1;
  }
  void Next() override { index_++; }
  void Prev() override {
    index_ = (index_ == 0) ? files_->size() : index_ - 1;
  }
  Slice key() const override { return (*files_)[index_]->largest.Encode(); }
  Slice value() const override {
    EncodeFixed64(value_buf_, (*files_)[index_]->number);
    EncodeFixed64(value_buf_ + 8, (*files_)[index_]->file_size);
    return Slice(value_buf_, sizeof(value_buf_));
  }
  Status status() const override { return Status::OK(); }
  // REQUIRES: Valid()
  const FileMetaData& file() const { return *(*files_)[index_]; }

 private:
  const std::vector<FileRef>* const files_;
  size_t index_;
  mutable char value_buf_[16];
};

}  // namespace

size_t FindFile(const std::vector<FileRef>& files, const Slice& internal_key) {
  size_t left = 0;
  size_t right = files.size();
  while (left < right) {
    const size_t mid = (left + right) / 2;
    if (kCmp.Compare(files[mid]->largest.Encode(), internal_key) < 0) {
      left = mid + 1;  // everything at or before mid is too small
    } else {
      right = mid;
    }
  }
  return right;
}

std::shared_ptr<Version> Version::FromFiles(
    std::vector<std::vector<FileRef>> files) {
  auto v = std::make_shared<Version>(static_cast<int>(files.size()));
  v->files_ = std::move(files);
  v->FinishBuild();
  return v;
}

void Version::FinishBuild() {
  l0_depth_ = L0DepthOf(files_[0]);
  sorted_runs_ = static_cast<int>(files_[0].size());
  for (int level = 1; level < num_levels(); level++) {
    if (!files_[level].empty()) sorted_runs_++;
  }
}

FileRef Version::ChargeSeek(const Slice& user_key, int64_t seeks,
                            int* level) const {
  const FileRef* first = nullptr;
  int first_level = 0;
  int runs = 0;
  for (const FileRef& f : files_[0]) {  // newest first
    if (BeforeFile(&user_key, *f) || AfterFile(&user_key, *f)) continue;
    if (first == nullptr) first = &f;
    runs++;
  }
  // Before every version of user_key: FindFile's first file whose largest
  // key is at or past it is the one file of a level that may hold it.
  const InternalKey seek_key(user_key, kMaxSequenceNumber, kValueTypeForSeek);
  for (int l = 1; l < num_levels(); l++) {
    const std::vector<FileRef>& files = files_[l];
    const size_t index = FindFile(files, seek_key.Encode());
    if (index >= files.size() || BeforeFile(&user_key, *files[index])) {
      continue;
    }
    if (first == nullptr) {
      first = &files[index];
      first_level = l;
    }
    runs++;
  }
  if (runs < 2 || !(*first)->seek_budget.Spend(seeks * (runs - 1))) {
    return nullptr;
  }
  *level = first_level;
  return *first;
}

int Version::L0DepthOf(const std::vector<FileRef>& files) {
  // Sweep the closed intervals [smallest, largest] in key order: opens
  // before closes at equal keys, so touching ranges count as overlapping.
  std::vector<std::pair<Slice, int>> events;
  events.reserve(files.size() * 2);
  for (const auto& f : files) {
    events.emplace_back(f->smallest.user_key(), +1);
    events.emplace_back(f->largest.user_key(), -1);
  }
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    const int r = a.first.compare(b.first);
    return r != 0 ? r < 0 : a.second > b.second;
  });
  int depth = 0, max_depth = 0;
  for (const auto& [key, delta] : events) {
    depth += delta;
    max_depth = std::max(max_depth, depth);
  }
  return max_depth;
}

uint64_t Version::LevelBytes(int level) const {
  uint64_t sum = 0;
  for (const auto& f : files_[level]) sum += f->file_size;
  return sum;
}

uint64_t Version::TotalBytes() const {
  uint64_t sum = 0;
  for (int level = 0; level < num_levels(); level++) sum += LevelBytes(level);
  return sum;
}

uint64_t Version::TotalFiles() const {
  uint64_t n = 0;
  for (const auto& level : files_) n += level.size();
  return n;
}

Status Version::Get(const ReadOptions& options, const LookupKey& key,
                    std::string* value, TableCache* table_cache) const {
  const Slice ikey = key.internal_key();
  const Slice user_key = key.user_key();

  enum class State { kNotFound, kFound, kDeleted, kCorrupt };
  struct Saver {
    State state = State::kNotFound;
    SequenceNumber sequence = 0;  // of the entry found
    Slice user_key;
    std::string* value;
  } saver;
  saver.user_key = user_key;
  saver.value = value;
  auto handle = [&saver, &key](const Slice& found_key,
                               const Slice& found_value) {
    ParsedInternalKey parsed;
    if (!ParseInternalKey(found_key, &parsed)) {
      saver.state = State::kCorrupt;
    } else if (parsed.user_key == saver.user_key) {
      saver.sequence = parsed.sequence;
      if (key.EntryType(ExtractTag(found_key)) == kTypeValue) {
        saver.state = State::kFound;
        saver.value->assign(found_value.data(), found_value.size());
      } else {
        saver.state = State::kDeleted;
      }
    }
    return true;
  };
  // The answer once saver holds an entry (or a table error).
  auto finish = [&saver](const FileMetaData& f) -> Status {
    switch (saver.state) {
      case State::kFound:
        return Status::OK();
      case State::kCorrupt:
        return Status::Corruption("bad internal key in table " +
                                  std::to_string(f.number));
      case State::kDeleted:
      case State::kNotFound:
        break;
    }
    return Status::NotFound(Slice());
  };

  // L0: every file whose range holds the key, newest first. Newest means the
  // largest sequence number, and the files of different shards interleave
  // in sequence: after a hit, a later file may still hold a newer entry for
  // the key if its largest sequence is above the hit's. Flush installation
  // keeps that from happening (a key's memtables go into L0 in order), but
  // a lookup must not depend on it to be right.
  const FileMetaData* hit = nullptr;
  std::string scratch;  // each file's value; the best one is swapped out
  saver.value = &scratch;
  State hit_state = State::kNotFound;
  SequenceNumber hit_sequence = 0;
  for (const auto& f : files_[0]) {
    if (user_key.compare(f->smallest.user_key()) < 0 ||
        user_key.compare(f->largest.user_key()) > 0) {
      continue;
    }
    if (hit != nullptr && f->largest_seqno <= hit_sequence) break;
    saver.state = State::kNotFound;
    Status s = table_cache->Get(options, *f, ikey, handle);
    if (!s.ok()) return s;
    if (saver.state == State::kCorrupt) return finish(*f);
    if (saver.state == State::kNotFound) continue;
    if (hit == nullptr || saver.sequence > hit_sequence) {
      hit = f.get();
      hit_state = saver.state;
      hit_sequence = saver.sequence;
      if (hit_state == State::kFound) value->swap(scratch);
    }
  }
  if (hit != nullptr) {
    saver.state = hit_state;
    return finish(*hit);
  }
  saver.value = value;
  // Other levels: at most one file each.
  for (int level = 1; level < num_levels(); level++) {
    const auto& files = files_[level];
    if (files.empty()) continue;
    const size_t index = FindFile(files, ikey);
    if (index >= files.size()) continue;
    const FileMetaData& f = *files[index];
    if (user_key.compare(f.smallest.user_key()) < 0) continue;
    Status s = table_cache->Get(options, f, ikey, handle);
    if (!s.ok()) return s;
    if (saver.state != State::kNotFound) return finish(f);
  }
  return Status::NotFound(Slice());
}

void Version::AddIterators(const ReadOptions& options, TableCache* table_cache,
                           std::vector<Iterator*>* iters) const {
  for (const auto& f : files_[0]) {
    if ((options.iterate_upper_bound != nullptr &&
         f->smallest.user_key().compare(*options.iterate_upper_bound) >= 0) ||
        (options.iterate_lower_bound != nullptr &&
         f->largest.user_key().compare(*options.iterate_lower_bound) < 0)) {
      continue;  // wholly outside a bounded scan: never opened
    }
    iters->push_back(table_cache->NewIterator(options, *f));
  }
  for (int level = 1; level < num_levels(); level++) {
    if (!files_[level].empty()) {
      iters->push_back(
          NewLevelIterator(options, table_cache, &files_[level]));
    }
  }
}

Iterator* NewLevelIterator(const ReadOptions& options, TableCache* table_cache,
                           const std::vector<FileRef>* files) {
  auto* index = new LevelFileNumIterator(files);
  // The two-level iterator owns the index and this function, so the
  // function may look at the file the index stands on: a bounded scan
  // opens no file that lies wholly outside its bounds.
  return NewTwoLevelIterator(
      index,
      [options, table_cache, index](const Slice& file_value) -> Iterator* {
        if (file_value.size() != 16) {
          return NewErrorIterator(
              Status::Corruption("level iterator", "bad file entry"));
        }
        const FileMetaData& f = index->file();
        if ((options.iterate_upper_bound != nullptr &&
             f.smallest.user_key().compare(*options.iterate_upper_bound) >=
                 0) ||
            (options.iterate_lower_bound != nullptr &&
             f.largest.user_key().compare(*options.iterate_lower_bound) < 0)) {
          return NewEmptyIterator();
        }
        return table_cache->NewIterator(options, f);
      },
      options.iterate_lower_bound, options.iterate_upper_bound);
}

std::vector<FileRef> Version::GetOverlappingInputs(int level,
                                                   const Slice* begin,
                                                   const Slice* end) const {
  std::vector<FileRef> inputs;
  std::string user_begin = begin != nullptr ? begin->ToString() : "";
  std::string user_end = end != nullptr ? end->ToString() : "";
  bool has_begin = begin != nullptr;
  bool has_end = end != nullptr;
  const auto& files = files_[level];
  for (size_t i = 0; i < files.size();) {
    const FileMetaData& f = *files[i++];
    const Slice file_start = f.smallest.user_key();
    const Slice file_limit = f.largest.user_key();
    if (has_end && file_start.compare(user_end) > 0) continue;
    if (has_begin && file_limit.compare(user_begin) < 0) continue;
    inputs.push_back(files[i - 1]);
    if (level == 0) {
      // Overlapping L0 files must move together: widen the range and
      // restart until no further file joins.
      bool widened = false;
      if (has_begin && file_start.compare(user_begin) < 0) {
        user_begin = file_start.ToString();
        widened = true;
      }
      if (has_end && file_limit.compare(user_end) > 0) {
        user_end = file_limit.ToString();
        widened = true;
      }
      if (widened) {
        inputs.clear();
        i = 0;
      }
    }
  }
  return inputs;
}

bool Version::OverlapInLevel(int level, const Slice* smallest,
                             const Slice* largest) const {
  const auto& files = files_[level];
  if (level == 0) {
    for (const auto& f : files) {
      if (!AfterFile(smallest, *f) && !BeforeFile(largest, *f)) return true;
    }
    return false;
  }
  size_t index = 0;
  if (smallest != nullptr) {
    InternalKey small_key(*smallest, kMaxSequenceNumber, kValueTypeForSeek);
    index = FindFile(files, small_key.Encode());
  }
  if (index >= files.size()) return false;
  return !BeforeFile(largest, *files[index]);
}

std::string Version::LevelSummary() const {
  std::string r = "files[";
  for (const auto& level : files_) r += " " + std::to_string(level.size());
  r += " ]";
  return r;
}

std::string Version::DebugString() const {
  std::string r;
  for (int level = 0; level < num_levels(); level++) {
    r += "--- level " + std::to_string(level) + " ---\n";
    for (const auto& f : files_[level]) {
      r += " " + std::to_string(f->number) + ":" +
           std::to_string(f->file_size) + "[" + f->smallest.DebugString() +
           " .. " + f->largest.DebugString() + "]\n";
    }
  }
  return r;
}

}  // namespace o3lsm
