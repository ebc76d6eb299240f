// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/search_client.h"

#include <algorithm>

#include "util/coding.h"
#include "util/clock.h"

namespace o3lsm {

namespace {

constexpr uint64_t kSampleEveryUs = 50'000;
// A heartbeat that has not moved for this long: no server.
constexpr uint64_t kServerSilentUs = 1'000'000;

}  // namespace

Status SearchClient::Open(fabric::Fabric* fabric, uint64_t owner,
                          size_t max_slots,
                          std::unique_ptr<SearchClient>* client) {
  std::unique_ptr<SearchMailboxes> mailboxes;
  Status s = SearchMailboxes::Open(fabric, &mailboxes);
  if (!s.ok()) return s;
  std::vector<uint32_t> slots;
  s = mailboxes->Claim(owner, max_slots, &slots);
  if (!s.ok()) return s;
  if (slots.empty()) return Status::NotFound("search mailboxes", "none free");
  client->reset(new SearchClient(std::move(mailboxes), owner, std::move(slots)));
  return Status::OK();
}

SearchClient::SearchClient(std::unique_ptr<SearchMailboxes> mailboxes,
                           uint64_t owner, std::vector<uint32_t> slots)
    : mailboxes_(std::move(mailboxes)),
      owner_(owner),
      slots_(std::move(slots)),
      ids_(slots_.size(), 0) {
  for (size_t i = 0; i < slots_.size(); i++) free_.push_back(i);
  // Ids go on from what the slots' previous owners used: a reply still on
  // its way to one of them can never match a request of ours.
  std::vector<uint64_t> words(slots_.size(), 0);
  std::vector<fabric::WorkRequest> reads;
  for (size_t i = 0; i < slots_.size(); i++) {
    reads.push_back(fabric::WorkRequest::Read(
        mailboxes_->Slot(slots_[i], SearchMailboxes::kRequest), &words[i], 8));
  }
  if (mailboxes_->fabric()->Execute(reads).ok()) {
    for (size_t i = 0; i < slots_.size(); i++) {
      ids_[i] = words[i] & SearchMailboxes::kIdMask;
    }
  }
}

void SearchClient::Release() {
  {
    MutexLock l(&mu_);
    if (released_) return;
    released_ = true;
    // Requests in flight finish first: their slots come back to free_.
    free_.clear();
  }
  mailboxes_->Release(owner_, slots_).PermitUncheckedError();
}

bool SearchClient::ServerAlive() {
  const uint64_t now = SteadyMicros();
  if (now >= next_sample_us_.load(std::memory_order_relaxed) &&
      !sampling_.exchange(true, std::memory_order_acquire)) {
    next_sample_us_.store(now + kSampleEveryUs, std::memory_order_relaxed);
    SampleServer();
    sampling_.store(false, std::memory_order_release);
  }
  return alive_.load(std::memory_order_relaxed);
}

void SearchClient::SampleServer() {
  SearchMailboxes::ServerInfo info;
  if (!mailboxes_->ReadServerInfo(&info).ok()) {
    alive_.store(false, std::memory_order_relaxed);
    return;
  }
  const uint64_t now = SteadyMicros();
  if (info.heartbeat != last_heartbeat_ || heartbeat_seen_us_ == 0) {
    last_heartbeat_ = info.heartbeat;
    heartbeat_seen_us_ = now;
  }
  const bool beating =
      info.heartbeat != 0 && now - heartbeat_seen_us_ < kServerSilentUs;
  alive_.store(info.threads > 0 && beating, std::memory_order_relaxed);
  if (last_sample_us_ != 0 && now > last_sample_us_ && info.threads > 0) {
    const double busy =
        static_cast<double>(info.serve_micros - last_served_us_) /
        static_cast<double>((now - last_sample_us_) * info.threads);
    load_.store(std::clamp(busy, 0.0, 1.0), std::memory_order_relaxed);
  }
  last_served_us_ = info.serve_micros;
  last_sample_us_ = now;
  served_.store(info.served, std::memory_order_relaxed);
  serve_micros_.store(info.serve_micros, std::memory_order_relaxed);
}

Status SearchClient::Search(SearchRequest* request, SearchReply* reply,
                            std::chrono::nanoseconds timeout,
                            int* round_trips) {
  int trips = 0;
  struct Tally {
    int* out;
    const int* trips;
    ~Tally() {
      if (out != nullptr) *out = *trips;
    }
  } tally{round_trips, &trips};
  size_t i;
  {
    MutexLock l(&mu_);
    if (released_) return Status::Aborted("search mailboxes", "released");
    if (free_.empty()) return Status::Busy("search mailboxes", "all in use");
    i = free_.back();
    free_.pop_back();
  }
  const uint32_t slot = slots_[i];
  struct Giveback {
    SearchClient* c;
    size_t i;
    ~Giveback() {
      MutexLock l(&c->mu_);
      c->free_.push_back(i);
    }
  } giveback{this, i};

  uint64_t id = (ids_[i] + 1) & SearchMailboxes::kIdMask;
  if (id == 0) id = 1;
  ids_[i] = id;
  request->id = id;
  std::string body;
  EncodeSearchRequest(*request, &body);
  if (body.size() > capacity()) {
    return Status::InvalidArgument("search request",
                                   "larger than a mailbox");
  }
  fabric::Fabric* fabric = mailboxes_->fabric();
  const uint64_t word = SearchMailboxes::MessageWord(body.size(), id);
  const fabric::DmAddr reply_addr =
      mailboxes_->Slot(slot, SearchMailboxes::kReply);
  const fabric::DmAddr bell =
      mailboxes_->Header(SearchMailboxes::kRequestBell);
  uint64_t seen = 0;
  // One batch, in order: what the reply word says now, the body, the word
  // that makes it a request, the bell.
  fabric::WorkRequest post[] = {
      fabric::WorkRequest::Read(reply_addr, &seen, 8),
      fabric::WorkRequest::Write(mailboxes_->Body(slot), body.data(),
                                 body.size()),
      fabric::WorkRequest::Write(
          mailboxes_->Slot(slot, SearchMailboxes::kRequest), &word, 8),
      fabric::WorkRequest::FetchAndAdd(bell, 1, nullptr),
  };
  Status s = fabric->Execute(post);
  trips++;
  if (s.ok()) s = fabric->Wake(bell);
  if (!s.ok()) return s;

  // The memory node starts on the request as soon as it lands, while the
  // post's completion travels back: by then a short search is often done.
  // One read fetches the reply word and the start of the body, so that a
  // short reply costs no further round trip; only a slower one is slept on.
  constexpr size_t kPeekBody = 1024;
  constexpr size_t kWordToBody =
      SearchMailboxes::kBodyOffset - SearchMailboxes::kReply;
  char peek[kWordToBody + kPeekBody];
  s = fabric->Read(reply_addr, peek, sizeof(peek));
  trips++;
  if (!s.ok()) return s;
  uint64_t now_word = DecodeFixed64(peek);
  bool have_body = (now_word & SearchMailboxes::kIdMask) == id;
  if (!have_body) now_word = seen;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while ((now_word & SearchMailboxes::kIdMask) != id) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds(0)) {
      return Status::TimedOut("delegated search", "no reply from the memory node");
    }
    s = fabric->WaitOnWord(reply_addr, now_word, left, &now_word);
    trips++;
    if (!s.ok()) return s;
  }
  const size_t length = now_word >> SearchMailboxes::kIdBits;
  if (length > capacity()) {
    return Status::Corruption("search reply", "longer than a mailbox");
  }
  std::string in;
  if (have_body && length <= kPeekBody) {
    in.assign(peek + kWordToBody, length);
  } else {
    in.resize(length);
    s = fabric->Read(mailboxes_->Body(slot), in.data(), length);
    trips++;
    if (!s.ok()) return s;
  }
  s = DecodeSearchReply(in, reply);
  if (!s.ok()) return s;
  if (reply->id != id) {
    return Status::Corruption("search reply", "answers another request");
  }
  if (reply->keys.size() == 1 &&
      reply->keys[0].outcome == SearchOutcome::kRejected) {
    return Status::Corruption("search request rejected", reply->keys[0].value);
  }
  if (reply->keys.size() != request->keys.size()) {
    return Status::Corruption("search reply", "wrong number of keys");
  }
  return Status::OK();
}

}  // namespace o3lsm
