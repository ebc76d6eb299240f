// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/compaction/compaction_picker.h"

#include <algorithm>
#include <cmath>

namespace o3lsm {

namespace {

const InternalKeyComparator kCmp;

}  // namespace

CompactionPicker::CompactionPicker(const Options* options,
                                   VersionSet* versions)
    : options_(options), versions_(versions) {}

uint64_t CompactionPicker::MaxBytesForLevel(int level) const {
  double result = static_cast<double>(options_->max_bytes_for_level_base);
  for (int l = 1; l < level; l++) {
    result *= options_->max_bytes_for_level_multiplier;
  }
  return static_cast<uint64_t>(result);
}

double CompactionPicker::LevelScore(const Version& v, int level) const {
  if (level == 0) {
    // Overlap depth of the files not yet being compacted (see
    // Version::L0Depth): with key-range shards, each shard's files count
    // on their own.
    std::vector<FileRef> waiting;
    for (const auto& f : v.files(0)) {
      if (!f->being_compacted) waiting.push_back(f);
    }
    return static_cast<double>(Version::L0DepthOf(waiting)) /
           std::max(1, options_->level0_file_num_compaction_trigger);
  }
  uint64_t bytes = 0;
  for (const auto& f : v.files(level)) {
    if (!f->being_compacted) bytes += f->file_size;
  }
  return static_cast<double>(bytes) /
         static_cast<double>(MaxBytesForLevel(level));
}

bool CompactionPicker::NeedsCompaction() {
  VersionRef v = versions_->current();
  for (int level = 0; level + 1 < v->num_levels(); level++) {
    if (LevelScore(*v, level) >= 1) return true;
  }
  return PruneSeekCandidates(*v);
}

void CompactionPicker::AddSeekCandidate(FileRef f, int level) {
  for (const SeekCandidate& c : seek_candidates_) {
    if (c.file.lock() == f) return;
  }
  seek_candidates_.push_back({f, level});
}

bool CompactionPicker::PruneSeekCandidates(const Version& v) {
  std::erase_if(seek_candidates_, [&v](const SeekCandidate& c) {
    const FileRef f = c.file.lock();
    if (f == nullptr || f->being_compacted || c.level + 1 >= v.num_levels()) {
      return true;
    }
    const auto& files = v.files(c.level);
    return std::find(files.begin(), files.end(), f) == files.end();
  });
  return !seek_candidates_.empty();
}

bool CompactionPicker::AnyBeingCompacted(const std::vector<FileRef>& files) {
  for (const auto& f : files) {
    if (f->being_compacted) return true;
  }
  return false;
}

bool CompactionPicker::OutputRangeConflicts(const Compaction& c) const {
  for (const Compaction* r : running_) {
    if (r->output_level() != c.output_level()) continue;
    if (Slice(c.largest_user_key()).compare(r->smallest_user_key()) < 0 ||
        Slice(c.smallest_user_key()).compare(r->largest_user_key()) > 0) {
      continue;
    }
    return true;
  }
  return false;
}

std::unique_ptr<Compaction> CompactionPicker::Finish(
    std::unique_ptr<Compaction> c) {
  const Version& v = *c->input_version();
  if (AnyBeingCompacted(c->inputs(0))) return nullptr;
  c->ComputeRange();
  Slice lo(c->smallest_user_key());
  Slice hi(c->largest_user_key());
  c->inputs(1) = v.GetOverlappingInputs(c->output_level(), &lo, &hi);
  if (AnyBeingCompacted(c->inputs(1))) return nullptr;
  c->ComputeRange();
  if (OutputRangeConflicts(*c)) return nullptr;
  if (c->output_level() + 1 < v.num_levels()) {
    Slice glo(c->smallest_user_key());
    Slice ghi(c->largest_user_key());
    c->grandparents() =
        v.GetOverlappingInputs(c->output_level() + 1, &glo, &ghi);
  }
  for (int which = 0; which < 2; which++) {
    for (const auto& f : c->inputs(which)) f->being_compacted = true;
  }
  running_.push_back(c.get());
  return c;
}

std::unique_ptr<Compaction> CompactionPicker::PickFile(const VersionRef& v,
                                                       const FileRef& f,
                                                       int level) {
  auto c = std::make_unique<Compaction>(level, level + 1, v,
                                        options_->target_file_size_base);
  if (level == 0) {
    Slice lo = f->smallest.user_key();
    Slice hi = f->largest.user_key();
    c->inputs(0) = v->GetOverlappingInputs(0, &lo, &hi);
  } else {
    c->inputs(0).push_back(f);
  }
  return Finish(std::move(c));
}

std::unique_ptr<Compaction> CompactionPicker::PickLevel0(const VersionRef& v) {
  // Oldest files first: their groups have waited longest.
  const auto& files = v->files(0);
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    if ((*it)->being_compacted) continue;
    if (auto picked = PickFile(v, *it, 0)) return picked;
  }
  return nullptr;
}

std::unique_ptr<Compaction> CompactionPicker::PickForSeeks(
    const VersionRef& v) {
  if (!PruneSeekCandidates(*v)) return nullptr;
  for (auto it = seek_candidates_.begin(); it != seek_candidates_.end(); ++it) {
    if (auto picked = PickFile(v, it->file.lock(), it->level)) {
      seek_candidates_.erase(it);
      return picked;
    }
  }
  return nullptr;  // all busy: they wait for the running compactions
}

std::unique_ptr<Compaction> CompactionPicker::PickLevelN(const VersionRef& v,
                                                         int level) {
  const auto& files = v->files(level);
  if (files.empty()) return nullptr;
  // Round robin: start after the last key compacted at this level.
  std::string& pointer = versions_->compact_pointer(level);
  size_t start = 0;
  if (!pointer.empty()) {
    while (start < files.size() &&
           kCmp.Compare(files[start]->largest.Encode(), pointer) <= 0) {
      start++;
    }
    if (start == files.size()) start = 0;
  }
  for (size_t i = 0; i < files.size(); i++) {
    const FileRef& f = files[(start + i) % files.size()];
    if (f->being_compacted) continue;
    if (auto picked = PickFile(v, f, level)) {
      pointer = f->largest.Encode().ToString();
      return picked;
    }
  }
  return nullptr;
}

std::unique_ptr<Compaction> CompactionPicker::Pick() {
  VersionRef v = versions_->current();
  std::vector<std::pair<double, int>> scores;
  for (int level = 0; level + 1 < v->num_levels(); level++) {
    const double score = LevelScore(*v, level);
    if (score >= 1) scores.emplace_back(score, level);
  }
  std::sort(scores.begin(), scores.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [score, level] : scores) {
    auto c = level == 0 ? PickLevel0(v) : PickLevelN(v, level);
    if (c != nullptr) return c;
  }
  return PickForSeeks(v);
}

std::unique_ptr<Compaction> CompactionPicker::PickRange(int level,
                                                        const Slice* begin,
                                                        const Slice* end,
                                                        bool* busy) {
  *busy = false;
  VersionRef v = versions_->current();
  if (level + 1 >= v->num_levels()) return nullptr;
  auto c = std::make_unique<Compaction>(level, level + 1, v,
                                        options_->target_file_size_base);
  c->set_manual(true);
  c->inputs(0) = v->GetOverlappingInputs(level, begin, end);
  if (c->inputs(0).empty()) return nullptr;
  auto picked = Finish(std::move(c));
  if (picked == nullptr) *busy = true;
  return picked;
}

void CompactionPicker::Release(Compaction* c) {
  for (int which = 0; which < 2; which++) {
    for (const auto& f : c->inputs(which)) f->being_compacted = false;
  }
  running_.erase(std::remove(running_.begin(), running_.end(), c),
                 running_.end());
}

}  // namespace o3lsm
