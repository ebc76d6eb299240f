// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/ycsb_workload.h"

#include <utility>

namespace o3lsm::bench {

const char* YcsbOpName(YcsbOp op) {
  switch (op) {
    case YcsbOp::kRead:
      return "read";
    case YcsbOp::kUpdate:
      return "update";
    case YcsbOp::kInsert:
      return "insert";
    case YcsbOp::kScan:
      return "scan";
    case YcsbOp::kReadModifyWrite:
      return "readmodifywrite";
  }
  return "?";
}

Status GetYcsbWorkload(const std::string& name, WorkloadSpec* spec) {
  if (name.size() != 5 || name.compare(0, 4, "ycsb") != 0 || name[4] < 'a' ||
      name[4] > 'f') {
    return Status::NotFound("no YCSB workload named '" + name + "'");
  }
  WorkloadSpec s;
  s.id = static_cast<char>(name[4] - 'a' + 'A');
  auto set = [&s](YcsbOp op, int pct) {
    s.percent[static_cast<int>(op)] = pct;
  };
  switch (s.id) {
    case 'A':
      set(YcsbOp::kRead, 50);
      set(YcsbOp::kUpdate, 50);
      break;
    case 'B':
      set(YcsbOp::kRead, 95);
      set(YcsbOp::kUpdate, 5);
      break;
    case 'C':
      set(YcsbOp::kRead, 100);
      break;
    case 'D':
      set(YcsbOp::kRead, 95);
      set(YcsbOp::kInsert, 5);
      s.distribution = RequestDistribution::kLatest;
      break;
    case 'E':
      set(YcsbOp::kScan, 95);
      set(YcsbOp::kInsert, 5);
      break;
    case 'F':
      set(YcsbOp::kRead, 50);
      set(YcsbOp::kReadModifyWrite, 50);
      break;
  }
  *spec = s;
  return Status::OK();
}

OperationMix::OperationMix(const WorkloadSpec& spec) {
  size_t card = 0;
  for (int op = 0; op < kNumYcsbOps; op++) {
    for (int i = 0; i < spec.percent[op] && card < deck_.size(); i++) {
      deck_[card++] = static_cast<YcsbOp>(op);
    }
  }
  // Percentages summing below 100 (not the built-in workloads) read.
  while (card < deck_.size()) deck_[card++] = YcsbOp::kRead;
}

YcsbOp OperationMix::Next(Random64* rnd) {
  if (dealt_ == static_cast<int>(deck_.size())) {
    // Fisher-Yates.
    for (size_t i = deck_.size() - 1; i > 0; i--) {
      std::swap(deck_[i], deck_[rnd->Uniform(i + 1)]);
    }
    dealt_ = 0;
  }
  return deck_[dealt_++];
}

YcsbKeyChooser::YcsbKeyChooser(const WorkloadSpec& spec, uint64_t record_count,
                               uint64_t expected_inserts,
                               double zipfian_constant)
    : distribution_(spec.distribution) {
  switch (distribution_) {
    case RequestDistribution::kZipfian:
      scrambled_ = std::make_unique<ScrambledZipfianGenerator>(
          record_count + 2 * expected_inserts, zipfian_constant);
      break;
    case RequestDistribution::kLatest:
      latest_ = std::make_unique<SkewedLatestGenerator>(
          record_count > 0 ? record_count - 1 : 0, zipfian_constant);
      break;
    case RequestDistribution::kUniform:
      break;
  }
}

uint64_t YcsbKeyChooser::Next(Random64* rnd, uint64_t last_acknowledged) {
  switch (distribution_) {
    case RequestDistribution::kZipfian: {
      // The zipfian spans future inserts too; redraw numbers not written
      // yet, as YCSB does.
      for (int attempt = 0; attempt < 64; attempt++) {
        const uint64_t n = scrambled_->Next(rnd);
        if (n <= last_acknowledged) return n;
      }
      return rnd->Uniform(last_acknowledged + 1);
    }
    case RequestDistribution::kLatest:
      return latest_->Next(rnd, last_acknowledged);
    case RequestDistribution::kUniform:
      return rnd->Uniform(last_acknowledged + 1);
  }
  return 0;
}

}  // namespace o3lsm::bench
