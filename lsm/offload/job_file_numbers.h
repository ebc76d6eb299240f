// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// JobFileNumbers hands out the file numbers of offloaded jobs' outputs.
// Executors in other processes create files with these numbers, maybe
// after the compute node died: a number may go to a job only once a
// MANIFEST record puts the database's next file number past it, so that a
// reopened database never hands it out again (and an orphan it finds is
// known to be garbage).
//
// Numbers come in blocks reserved ahead (kBlock at a time): Reserve takes
// the next block from the database's counter; it becomes usable once the
// MANIFEST's durable next file number covers it. Any MANIFEST record does;
// when half the block in use is gone, the next one is reserved and a
// record is asked for (log_soon), so jobs rarely wait.
//
// Thread safety: none; the owner (DBImpl) serializes calls with its mutex.

#ifndef O3LSM_LSM_OFFLOAD_JOB_FILE_NUMBERS_H_
#define O3LSM_LSM_OFFLOAD_JOB_FILE_NUMBERS_H_

#include <cstdint>
#include <functional>

namespace o3lsm {

class JobFileNumbers {
 public:
  static constexpr uint64_t kBlock = 1 << 16;

  // reserve(n): n consecutive numbers from the database's counter (the
  // first is returned). durable_next(): the next file number the MANIFEST
  // records. log_soon(): asks for a MANIFEST record soon.
  JobFileNumbers(std::function<uint64_t(uint64_t)> reserve,
                 std::function<uint64_t()> durable_next,
                 std::function<void()> log_soon)
      : reserve_(std::move(reserve)),
        durable_next_(std::move(durable_next)),
        log_soon_(std::move(log_soon)) {}

  // Reserves the next block (the first one at open, before the open's own
  // MANIFEST record, which then covers it).
  void Reserve() {
    block_next_ = reserve_(kBlock);
    block_end_ = block_next_ + kBlock;
  }

  // n consecutive numbers for a job, or 0 while none are durable yet.
  uint64_t Take(uint64_t n) {
    if (next_ + n > end_ && block_end_ != 0 && block_end_ <= durable_next_()) {
      next_ = block_next_;
      end_ = block_end_;
      block_next_ = block_end_ = 0;
    }
    if (block_end_ == 0 && end_ - next_ < kBlock / 2) {
      Reserve();
      log_soon_();
    }
    if (next_ + n > end_) return 0;
    const uint64_t base = next_;
    next_ += n;
    return base;
  }

  // A reserved block still waits for a MANIFEST record.
  bool waiting_for_record() const {
    return block_end_ != 0 && block_end_ > durable_next_();
  }
  // The end of the numbers handed out so far.
  uint64_t handed_out_end() const { return next_; }

 private:
  const std::function<uint64_t(uint64_t)> reserve_;
  const std::function<uint64_t()> durable_next_;
  const std::function<void()> log_soon_;
  uint64_t next_ = 0;  // the block in use: [next_, end_)
  uint64_t end_ = 0;
  uint64_t block_next_ = 0;  // the next block, once durable
  uint64_t block_end_ = 0;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_JOB_FILE_NUMBERS_H_
