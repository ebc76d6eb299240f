// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "util/throttled_env.h"

#include "util/mutex.h"
#include "util/clock.h"

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace o3lsm {

namespace {

class ThrottledSequentialFile final : public SequentialFile {
 public:
  ThrottledSequentialFile(ThrottledEnv* env, std::unique_ptr<SequentialFile> f)
      : env_(env), f_(std::move(f)) {}
  Status Read(size_t n, Slice* result, char* scratch) override {
    Status s = f_->Read(n, result, scratch);
    env_->Charge(result->size());
    return s;
  }
  Status Skip(uint64_t n) override { return f_->Skip(n); }

 private:
  ThrottledEnv* const env_;
  std::unique_ptr<SequentialFile> f_;
};

// Reads of a remote file: a read right after the previous one is taken as
// a sequential stream (a compaction's inputs) and served from a readahead
// window fetched in one operation, as a network file system client does;
// any other read pays one operation.
class ThrottledRandomAccessFile final : public RandomAccessFile {
 public:
  static constexpr size_t kReadahead = 1 << 20;

  ThrottledRandomAccessFile(ThrottledEnv* env,
                            std::unique_ptr<RandomAccessFile> f)
      : env_(env), f_(std::move(f)) {}

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    {
      MutexLock l(&mu_);
      if (offset >= window_start_ &&
          offset + n <= window_start_ + window_.size()) {
        memcpy(scratch, window_.data() + (offset - window_start_), n);
        *result = Slice(scratch, n);
        next_ = offset + n;
        return Status::OK();
      }
      if (offset == next_ && n < kReadahead) {
        // Sequential: fetch the window ahead, one charged operation.
        std::string window(kReadahead, '\0');
        Slice got;
        Status s = f_->Read(offset, kReadahead, &got, window.data());
        if (!s.ok()) return s;
        env_->Charge(got.size());
        if (got.data() != window.data()) memcpy(window.data(), got.data(), got.size());
        window.resize(got.size());
        window_.swap(window);
        window_start_ = offset;
        const size_t take = std::min(n, window_.size());
        memcpy(scratch, window_.data(), take);
        *result = Slice(scratch, take);
        next_ = offset + take;
        return Status::OK();
      }
      next_ = offset + n;
    }
    Status s = f_->Read(offset, n, result, scratch);
    env_->Charge(result->size());
    return s;
  }
  // Not in place: every read goes through the model (there is no page
  // cache on the far side of a network link).

 private:
  ThrottledEnv* const env_;
  std::unique_ptr<RandomAccessFile> f_;
  mutable Mutex mu_;
  mutable std::string window_ GUARDED_BY(mu_);
  mutable uint64_t window_start_ GUARDED_BY(mu_) = 0;
  mutable uint64_t next_ GUARDED_BY(mu_) = UINT64_MAX;
};

class ThrottledWritableFile final : public WritableFile {
 public:
  ThrottledWritableFile(ThrottledEnv* env, std::unique_ptr<WritableFile> f)
      : env_(env), f_(std::move(f)) {}
  Status Append(const Slice& data) override {
    pending_ += data.size();
    return f_->Append(data);
  }
  Status Flush() override {
    Charge();
    return f_->Flush();
  }
  Status Sync() override {
    Charge();
    env_->Charge(0);  // the sync's own round trip
    return f_->Sync();
  }
  Status Close() override {
    Charge();
    return f_->Close();
  }
  uint64_t Size() const override { return f_->Size(); }

 private:
  // Buffered bytes are paid for when they leave for the file.
  void Charge() {
    if (pending_ > 0) env_->Charge(pending_);
    pending_ = 0;
  }

  ThrottledEnv* const env_;
  std::unique_ptr<WritableFile> f_;
  uint64_t pending_ = 0;
};

}  // namespace

void ThrottledEnv::Charge(uint64_t bytes) {
  if (!model_.enabled()) return;
  const uint64_t now = SteadyNanos();
  uint64_t done = now + model_.latency_us * 1000;
  if (model_.bandwidth_bytes_per_sec > 0 && bytes > 0) {
    // The shared link moves one operation's bytes after another's.
    const uint64_t transfer =
        bytes * 1000000000ull / model_.bandwidth_bytes_per_sec;
    uint64_t free_at = link_free_at_ns_.load(std::memory_order_relaxed);
    uint64_t start, end;
    do {
      start = std::max(free_at, now);
      end = start + transfer;
    } while (!link_free_at_ns_.compare_exchange_weak(free_at, end));
    done = std::max(done, end);
  }
  const uint64_t wait = done > now ? done - now : 0;
  if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
}

Status ThrottledEnv::NewSequentialFile(const std::string& f,
                                       std::unique_ptr<SequentialFile>* r) {
  std::unique_ptr<SequentialFile> base;
  Status s = target()->NewSequentialFile(f, &base);
  if (s.ok()) {
    *r = std::make_unique<ThrottledSequentialFile>(this, std::move(base));
  }
  return s;
}

std::unique_ptr<RandomAccessFile> ThrottledEnv::WrapRandomAccessFile(
    const std::string& /*fname*/, std::unique_ptr<RandomAccessFile> file) {
  return std::make_unique<ThrottledRandomAccessFile>(this, std::move(file));
}

Status ThrottledEnv::NewWritableFile(const std::string& f,
                                     std::unique_ptr<WritableFile>* r) {
  std::unique_ptr<WritableFile> base;
  Status s = target()->NewWritableFile(f, &base);
  if (s.ok()) {
    *r = std::make_unique<ThrottledWritableFile>(this, std::move(base));
  }
  return s;
}

Status ThrottledEnv::NewAppendableFile(const std::string& f,
                                       std::unique_ptr<WritableFile>* r) {
  std::unique_ptr<WritableFile> base;
  Status s = target()->NewAppendableFile(f, &base);
  if (s.ok()) {
    *r = std::make_unique<ThrottledWritableFile>(this, std::move(base));
  }
  return s;
}

}  // namespace o3lsm
