// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/sealed_memtable.h"

#include <cstdio>
#include <cstdlib>

namespace o3lsm {

const char* SealedMemTable::PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kLocal: return "local";
    case Phase::kMoving: return "moving";
    case Phase::kInDm: return "in-dm";
    case Phase::kRemoteFlushing: return "remote-flushing";
    case Phase::kFlushing: return "flushing";
    case Phase::kRebuilding: return "rebuilding";
    case Phase::kFlushed: return "flushed";
    case Phase::kInstalling: return "installing";
  }
  return "?";
}

SealedMemTable::SealedMemTable(MemTableRef mem, int shard,
                               uint64_t router_generation)
    : id_(mem->id()),
      log_number_(mem->log_number()),
      shard_(shard),
      router_generation_(router_generation),
      mem_(std::move(mem)) {
  mem_->KeyRange(&smallest_, &largest_);
}

void SealedMemTable::Move(std::initializer_list<Phase> from, Phase to) {
  for (Phase p : from) {
    if (p == phase_) {
      phase_ = to;
      return;
    }
  }
  fprintf(stderr, "o3lsm: sealed memtable %llu: illegal move %s -> %s\n",
          static_cast<unsigned long long>(id_), PhaseName(phase_),
          PhaseName(to));
  std::abort();
}

void SealedMemTable::FinishMove(DmSegmentRef segment) {
  Move({Phase::kMoving}, Phase::kInDm);
  segment_ = std::move(segment);
  mem_.reset();
}

void SealedMemTable::StartRemoteFlush() {
  if (local_only_) Move({}, Phase::kRemoteFlushing);  // refused: aborts
  Move({Phase::kInDm}, Phase::kRemoteFlushing);
}

void SealedMemTable::RemoteFlushDone(const FileMetaData& result) {
  Move({Phase::kRemoteFlushing}, Phase::kFlushed);
  result_ = result;
}

void SealedMemTable::RemoteFlushHandedBack() {
  Move({Phase::kRemoteFlushing}, Phase::kInDm);
  local_only_ = true;
}

void SealedMemTable::FlushHereOnly() {
  Move({Phase::kInDm}, Phase::kInDm);
  local_only_ = true;
}

void SealedMemTable::FinishFlush(const FileMetaData& result) {
  Move({Phase::kFlushing}, Phase::kFlushed);
  result_ = result;
}

void SealedMemTable::FailFlush() {
  Move({Phase::kFlushing}, in_dm() ? Phase::kInDm : Phase::kLocal);
}

void SealedMemTable::FinishRebuild(MemTableRef mem) {
  Move({Phase::kRebuilding}, Phase::kLocal);
  mem_ = std::move(mem);
  segment_.reset();
  local_only_ = true;
}

}  // namespace o3lsm
