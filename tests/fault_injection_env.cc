// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tests/fault_injection_env.h"

#include <algorithm>
#include <cstring>

namespace o3lsm::test {

namespace {

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionEnv* env, std::string fname,
                    std::unique_ptr<WritableFile> base)
      : env_(env), fname_(std::move(fname)), base_(std::move(base)) {}

  Status Append(const Slice& data) override {
    Status s = env_->PowerCutFault(fname_);
    if (!s.ok()) return s;
    size_t keep = 0;
    s = env_->AppendFault(fname_, data.size(), &keep);
    if (!s.ok()) {
      // A torn append: the prefix reaches the file, the caller sees the
      // error. What the engine does with a file in this state is the point.
      if (keep > 0)
        base_->Append(Slice(data.data(), keep)).PermitUncheckedError();
      return s;
    }
    return base_->Append(data);
  }
  Status Flush() override {
    Status s = env_->PowerCutFault(fname_);
    if (!s.ok()) return s;
    return base_->Flush();
  }
  Status Sync() override {
    Status s = env_->PowerCutFault(fname_);
    if (!s.ok()) return s;
    if (env_->Matches(fname_, FaultInjectionEnv::kFailSyncs)) {
      env_->Injected();
      return Status::IOError(fname_, "injected sync failure");
    }
    s = base_->Sync();
    if (s.ok()) env_->RecordSynced(fname_, base_->Size());
    return s;
  }
  Status Close() override {
    // Closing hands buffered bytes to the OS even after a power cut; they
    // are unsynced, so RestorePower truncates them away again.
    Status s = base_->Close();
    Status cut = env_->PowerCutFault(fname_);
    return cut.ok() ? s : cut;
  }
  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultInjectionEnv* const env_;
  const std::string fname_;
  std::unique_ptr<WritableFile> base_;
};

// Flips one random bit of *result, first copying it into scratch if it
// points elsewhere (into a mapping the wrapper must not modify).
void CorruptResult(FaultInjectionEnv* env, Slice* result, char* scratch) {
  if (result->empty()) return;
  if (result->data() != scratch) {
    memcpy(scratch, result->data(), result->size());
    *result = Slice(scratch, result->size());
  }
  scratch[env->Uniform(result->size())] ^=
      static_cast<char>(1u << env->Uniform(8));
  env->Injected();
}

class FaultSequentialFile final : public SequentialFile {
 public:
  FaultSequentialFile(FaultInjectionEnv* env, std::string fname,
                      std::unique_ptr<SequentialFile> base)
      : env_(env), fname_(std::move(fname)), base_(std::move(base)) {}

  Status Read(size_t n, Slice* result, char* scratch) override {
    if (env_->Matches(fname_, FaultInjectionEnv::kFailReads)) {
      env_->Injected();
      return Status::IOError(fname_, "injected read failure");
    }
    if (n > 1 && env_->Matches(fname_, FaultInjectionEnv::kShortReads)) {
      env_->Injected();
      n = std::max<size_t>(1, n / 3);
    }
    Status s = base_->Read(n, result, scratch);
    if (s.ok() && env_->Matches(fname_, FaultInjectionEnv::kCorruptReads)) {
      CorruptResult(env_, result, scratch);
    }
    return s;
  }
  Status Skip(uint64_t n) override { return base_->Skip(n); }

 private:
  FaultInjectionEnv* const env_;
  const std::string fname_;
  std::unique_ptr<SequentialFile> base_;
};

class FaultRandomAccessFile final : public RandomAccessFile {
 public:
  FaultRandomAccessFile(FaultInjectionEnv* env, std::string fname,
                        std::unique_ptr<RandomAccessFile> base)
      : env_(env), fname_(std::move(fname)), base_(std::move(base)) {}

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    if (env_->Matches(fname_, FaultInjectionEnv::kFailReads)) {
      env_->Injected();
      return Status::IOError(
          fname_, "injected read failure at offset " + std::to_string(offset));
    }
    if (n > 1 && env_->Matches(fname_, FaultInjectionEnv::kShortReads)) {
      // A short read in the middle of the file, as a faulty network file
      // system may give: the reader must notice, not use partial data.
      env_->Injected();
      n = n / 2;
    }
    Status s = base_->Read(offset, n, result, scratch);
    if (s.ok() && env_->Matches(fname_, FaultInjectionEnv::kCorruptReads)) {
      CorruptResult(env_, result, scratch);
    }
    return s;
  }

 private:
  FaultInjectionEnv* const env_;
  const std::string fname_;
  std::unique_ptr<RandomAccessFile> base_;
};

}  // namespace

bool FaultInjectionEnv::Matches(const std::string& fname, Rule rule) {
  MutexLock l(&mu_);
  const std::string& pattern = patterns_[rule];
  if (pattern.empty() || fname.find(pattern) == std::string::npos) {
    return false;
  }
  return probability_ >= 1.0 || rnd_.NextDouble() < probability_;
}

uint64_t FaultInjectionEnv::Uniform(uint64_t n) {
  MutexLock l(&mu_);
  return rnd_.Uniform(n);
}

void FaultInjectionEnv::SetFaultProbability(double p, uint64_t seed) {
  MutexLock l(&mu_);
  probability_ = p;
  rnd_ = Random64(seed);
}

Status FaultInjectionEnv::AppendFault(const std::string& fname, size_t n,
                                      size_t* keep) {
  *keep = 0;
  if (Matches(fname, FaultInjectionEnv::kFailWrites)) {
    Injected();
    return Status::IOError(fname, "injected write failure");
  }
  if (n > 0 && Matches(fname, FaultInjectionEnv::kPartialWrites)) {
    Injected();
    *keep = Uniform(n);
    return Status::IOError(fname, "injected torn write of " +
                                      std::to_string(*keep) + " of " +
                                      std::to_string(n) + " bytes");
  }
  if (Matches(fname, FaultInjectionEnv::kDiskFull)) {
    if (space_left_.fetch_sub(static_cast<int64_t>(n)) <
        static_cast<int64_t>(n)) {
      Injected();
      return Status::NoSpace(fname, "injected: no space left on device");
    }
  }
  return Status::OK();
}

Status FaultInjectionEnv::PowerCutFault(const std::string& fname) {
  if (!power_cut_.load()) return Status::OK();
  Injected();
  return Status::IOError(fname, "injected power cut");
}

void FaultInjectionEnv::RecordSynced(const std::string& fname, uint64_t size) {
  MutexLock l(&mu_);
  synced_[fname] = size;
}

void FaultInjectionEnv::ClearFaults() {
  MutexLock l(&mu_);
  for (auto& p : patterns_) p.clear();
}

Status FaultInjectionEnv::DropUnsyncedData() {
  std::map<std::string, uint64_t> files;
  {
    MutexLock l(&mu_);
    files = synced_;
  }
  for (const auto& [fname, size] : files) {
    if (!target()->FileExists(fname)) continue;
    Status s = target()->TruncateFile(fname, size);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status FaultInjectionEnv::RestorePower() {
  Status s = DropUnsyncedData();
  power_cut_.store(false);
  return s;
}

Status FaultInjectionEnv::NewSequentialFile(
    const std::string& f, std::unique_ptr<SequentialFile>* r) {
  std::unique_ptr<SequentialFile> base;
  Status s = target()->NewSequentialFile(f, &base);
  if (s.ok()) {
    *r = std::make_unique<FaultSequentialFile>(this, f, std::move(base));
  }
  return s;
}

std::unique_ptr<RandomAccessFile> FaultInjectionEnv::WrapRandomAccessFile(
    const std::string& fname, std::unique_ptr<RandomAccessFile> file) {
  return std::make_unique<FaultRandomAccessFile>(this, fname, std::move(file));
}

Status FaultInjectionEnv::NewWritableFile(const std::string& f,
                                          std::unique_ptr<WritableFile>* r) {
  Status s = PowerCutFault(f);
  if (!s.ok()) return s;
  if (Matches(f, FaultInjectionEnv::kFailWrites)) {
    Injected();
    return Status::IOError(f, "injected create failure");
  }
  std::unique_ptr<WritableFile> base;
  s = target()->NewWritableFile(f, &base);
  if (s.ok()) {
    {
      MutexLock l(&mu_);
      synced_[f] = 0;
    }
    *r = std::make_unique<FaultWritableFile>(this, f, std::move(base));
  }
  return s;
}

Status FaultInjectionEnv::NewAppendableFile(const std::string& f,
                                            std::unique_ptr<WritableFile>* r) {
  Status s = PowerCutFault(f);
  if (!s.ok()) return s;
  std::unique_ptr<WritableFile> base;
  s = target()->NewAppendableFile(f, &base);
  if (s.ok()) {
    {
      MutexLock l(&mu_);
      synced_.emplace(f, base->Size());
    }
    *r = std::make_unique<FaultWritableFile>(this, f, std::move(base));
  }
  return s;
}

Status FaultInjectionEnv::RenameFile(const std::string& src,
                                     const std::string& target_name) {
  Status s = PowerCutFault(src);
  if (!s.ok()) return s;
  s = target()->RenameFile(src, target_name);
  if (s.ok()) {
    MutexLock l(&mu_);
    auto it = synced_.find(src);
    if (it != synced_.end()) {
      synced_[target_name] = it->second;
      synced_.erase(it);
    }
  }
  return s;
}

Status FaultInjectionEnv::RemoveFile(const std::string& f) {
  Status s = PowerCutFault(f);
  if (!s.ok()) return s;
  s = target()->RemoveFile(f);
  if (s.ok()) {
    MutexLock l(&mu_);
    synced_.erase(f);
  }
  return s;
}

Status FaultInjectionEnv::TruncateFile(const std::string& f, uint64_t size) {
  Status s = PowerCutFault(f);
  if (!s.ok()) return s;
  s = target()->TruncateFile(f, size);
  if (s.ok()) {
    MutexLock l(&mu_);
    auto it = synced_.find(f);
    if (it != synced_.end()) it->second = std::min(it->second, size);
  }
  return s;
}

Status FaultInjectionEnv::CreateDir(const std::string& d) {
  Status s = PowerCutFault(d);
  return s.ok() ? target()->CreateDir(d) : s;
}

Status FaultInjectionEnv::RemoveDir(const std::string& d) {
  Status s = PowerCutFault(d);
  return s.ok() ? target()->RemoveDir(d) : s;
}

Status FaultInjectionEnv::SyncDir(const std::string& d) {
  Status s = PowerCutFault(d);
  return s.ok() ? target()->SyncDir(d) : s;
}

}  // namespace o3lsm::test
