// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tests/fault_injection_env.h"

#include <algorithm>

namespace o3lsm::test {

namespace {

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionEnv* env, std::string fname,
                    std::unique_ptr<WritableFile> base)
      : env_(env), fname_(std::move(fname)), base_(std::move(base)) {}

  Status Append(const Slice& data) override {
    Status s = env_->AppendFault(fname_, data.size());
    if (!s.ok()) return s;
    return base_->Append(data);
  }
  Status Flush() override { return base_->Flush(); }
  Status Sync() override {
    if (env_->Matches(fname_, FaultInjectionEnv::kFailSyncs)) {
      env_->Injected();
      return Status::IOError(fname_, "injected sync failure");
    }
    Status s = base_->Sync();
    if (s.ok()) env_->RecordSynced(fname_, base_->Size());
    return s;
  }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultInjectionEnv* const env_;
  const std::string fname_;
  std::unique_ptr<WritableFile> base_;
};

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
    return base_->Read(n, result, scratch);
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
      return Status::IOError(fname_, "injected read failure at offset " +
                                         std::to_string(offset));
    }
    if (n > 1 && env_->Matches(fname_, FaultInjectionEnv::kShortReads)) {
      // A short read in the middle of the file, as a faulty network file
      // system may give: the reader must notice, not use partial data.
      env_->Injected();
      n = n / 2;
    }
    return base_->Read(offset, n, result, scratch);
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
  return !pattern.empty() && fname.find(pattern) != std::string::npos;
}

Status FaultInjectionEnv::AppendFault(const std::string& fname, size_t n) {
  if (Matches(fname, FaultInjectionEnv::kFailWrites)) {
    Injected();
    return Status::IOError(fname, "injected write failure");
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

Status FaultInjectionEnv::NewSequentialFile(
    const std::string& f, std::unique_ptr<SequentialFile>* r) {
  std::unique_ptr<SequentialFile> base;
  Status s = target()->NewSequentialFile(f, &base);
  if (s.ok()) *r = std::make_unique<FaultSequentialFile>(this, f, std::move(base));
  return s;
}

Status FaultInjectionEnv::NewRandomAccessFile(
    const std::string& f, std::unique_ptr<RandomAccessFile>* r) {
  std::unique_ptr<RandomAccessFile> base;
  Status s = target()->NewRandomAccessFile(f, &base);
  if (s.ok()) {
    *r = std::make_unique<FaultRandomAccessFile>(this, f, std::move(base));
  }
  return s;
}

Status FaultInjectionEnv::NewWritableFile(const std::string& f,
                                          std::unique_ptr<WritableFile>* r) {
  if (Matches(f, FaultInjectionEnv::kFailWrites)) {
    Injected();
    return Status::IOError(f, "injected create failure");
  }
  std::unique_ptr<WritableFile> base;
  Status s = target()->NewWritableFile(f, &base);
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
  std::unique_ptr<WritableFile> base;
  Status s = target()->NewAppendableFile(f, &base);
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
  Status s = target()->RenameFile(src, target_name);
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
  Status s = target()->RemoveFile(f);
  if (s.ok()) {
    MutexLock l(&mu_);
    synced_.erase(f);
  }
  return s;
}

}  // namespace o3lsm::test
