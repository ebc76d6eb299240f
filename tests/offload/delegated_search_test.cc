// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Delegated search: the request/reply encoding, the memory node's search
// threads answering through mailboxes in an in-process pool, and the
// compute node's DmReadPath in each mode, against the segments' own
// one-sided answers; damage in DM or in a mailbox, a stopped or slow
// memory node.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "interconnect/dm_allocator.h"
#include "interconnect/fabric_wrapper.h"
#include "lsm/db/merging_iterator.h"
#include "lsm/offload/dm_read_path.h"
#include "lsm/offload/dm_scan.h"
#include "lsm/offload/search_client.h"
#include "lsm/offload/search_mailbox.h"
#include "lsm/offload/search_protocol.h"
#include "lsm/offload/search_server.h"
#include "tests/testutil.h"
#include "util/checksum.h"

namespace o3lsm {

namespace {

SearchRequest SampleRequest() {
  SearchRequest r;
  r.id = 77;
  for (int k = 0; k < 3; k++) {
    SearchKey key;
    key.lookup_key = LookupKey("key" + std::to_string(k), 100 + k)
                         .internal_key()
                         .ToString();
    for (int t = 0; t <= k; t++) {
      SearchTarget target;
      target.segment = 4096 * (t + 1);
      target.image_length = 1000 + t;
      target.order_offset = 2000 + t;
      target.layout = t % 2 ? SegmentLayout::kSortedImage
                            : SegmentLayout::kArenaCopy;
      target.num_fences = static_cast<uint8_t>(1 + t % 2);
      for (int f = 0; f < target.num_fences; f++) {
        target.fences[f].offset = 10 * f + t;
        target.fences[f].length = 16;
        target.fences[f].first_node = 3;
        target.fences[f].checksum = 0xabcd + f;
      }
      key.targets.push_back(target);
    }
    r.keys.push_back(std::move(key));
  }
  return r;
}

}  // namespace

TEST(SearchProtocol, RequestAndReplyRoundTripAndDamageIsCorruption) {
  const SearchRequest request = SampleRequest();
  std::string bytes;
  EncodeSearchRequest(request, &bytes);
  size_t expect = kSearchRequestOverhead;
  for (const SearchKey& k : request.keys) expect += SearchKeyEncodedLength(k);
  EXPECT_GE(expect, bytes.size());
  SearchRequest back;
  ASSERT_OK(DecodeSearchRequest(bytes, &back));
  ASSERT_EQ(request.keys.size(), back.keys.size());
  EXPECT_EQ(77u, back.id);
  for (size_t k = 0; k < back.keys.size(); k++) {
    EXPECT_EQ(request.keys[k].lookup_key, back.keys[k].lookup_key);
    ASSERT_EQ(request.keys[k].targets.size(), back.keys[k].targets.size());
    for (size_t t = 0; t < back.keys[k].targets.size(); t++) {
      const SearchTarget& a = request.keys[k].targets[t];
      const SearchTarget& b = back.keys[k].targets[t];
      EXPECT_EQ(a.segment, b.segment);
      EXPECT_EQ(a.order_offset, b.order_offset);
      EXPECT_EQ(a.layout, b.layout);
      ASSERT_EQ(a.num_fences, b.num_fences);
      EXPECT_EQ(a.fences[a.num_fences - 1].checksum,
                b.fences[b.num_fences - 1].checksum);
    }
  }
  // Every flipped byte, every cut and an extra byte: Corruption.
  for (size_t i = 0; i < bytes.size(); i++) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    EXPECT_TRUE(DecodeSearchRequest(bad, &back).IsCorruption()) << i;
    EXPECT_TRUE(DecodeSearchRequest(Slice(bytes.data(), i), &back)
                    .IsCorruption())
        << i;
  }
  EXPECT_TRUE(DecodeSearchRequest(bytes + "x", &back).IsCorruption());

  SearchReply reply;
  reply.id = 77;
  reply.keys.resize(3);
  reply.keys[0].outcome = SearchOutcome::kValue;
  reply.keys[0].value = "hello";
  reply.keys[0].sequence = 101;
  reply.keys[1].outcome = SearchOutcome::kValueElsewhere;
  reply.keys[1].entry_offset = 4000;
  reply.keys[1].entry_length = 3100;
  reply.keys[1].entry_checksum = 0x1234;
  reply.keys[2].outcome = SearchOutcome::kAbsent;
  std::string rb;
  EncodeSearchReply(reply, &rb);
  EXPECT_LE(rb.size(), kSearchReplyOverhead + SearchKeyReplyLength(5) +
                           2 * SearchKeyReplyLength(0));
  SearchReply rback;
  ASSERT_OK(DecodeSearchReply(rb, &rback));
  ASSERT_EQ(3u, rback.keys.size());
  EXPECT_EQ("hello", rback.keys[0].value);
  EXPECT_EQ(101u, rback.keys[0].sequence);
  EXPECT_EQ(SearchOutcome::kValueElsewhere, rback.keys[1].outcome);
  EXPECT_EQ(3100u, rback.keys[1].entry_length);
  EXPECT_EQ(0x1234u, rback.keys[1].entry_checksum);
  for (size_t i = 0; i < rb.size(); i++) {
    std::string bad = rb;
    bad[i] ^= 0x01;
    EXPECT_TRUE(DecodeSearchReply(bad, &rback).IsCorruption()) << i;
  }
  // A request is not a reply.
  EXPECT_TRUE(DecodeSearchReply(bytes, &rback).IsCorruption());
}

namespace {

std::string Key(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "k%07d", i);
  return buf;
}

// Damages a byte of the pool in place, the way the verbs touch it (a
// relaxed atomic), so that ThreadSanitizer sees no race with the search
// threads reading it.
void Flip(char* p, char mask) {
  std::atomic_ref<char>(*p).fetch_xor(mask, std::memory_order_relaxed);
}

// Reads of the mailboxes' bodies come back with one byte flipped while
// *damage is set (a damaged reply in DM); every read fails as if the
// memory node were gone while *gone is set.
class DamagingFabric final : public fabric::FabricWrapper {
 public:
  DamagingFabric(std::unique_ptr<fabric::Fabric> base, std::atomic<bool>* damage,
                 std::atomic<bool>* gone)
      : FabricWrapper(base.get()),
        base_(std::move(base)),
        damage_(damage),
        gone_(gone) {
    const fabric::DmAddr region =
        base_->RegionStart(fabric::RegionKind::kMailboxes);
    bodies_ = region.offset() + SearchMailboxes::kSlotsOffset;
    end_ = region.offset() +
           base_->RegionLength(fabric::RegionKind::kMailboxes);
  }
  Status Post(std::span<fabric::WorkRequest> batch,
              fabric::Completion* c) override {
    if (gone_->load()) {
      return Status::Unavailable("test fabric", "memory node gone");
    }
    if (damage_->load()) {
      std::lock_guard<std::mutex> l(mu_);
      for (const fabric::WorkRequest& wr : batch) {
        if (wr.verb == fabric::Verb::kRead && wr.length > 64 &&
            wr.remote.offset() >= bodies_ && wr.remote.offset() < end_) {
          pending_[c] = {static_cast<char*>(wr.local), wr.length};
        }
      }
    }
    return FabricWrapper::Post(batch, c);
  }
  Status Wait(fabric::Completion* c, std::chrono::nanoseconds t) override {
    Status s = FabricWrapper::Wait(c, t);
    std::lock_guard<std::mutex> l(mu_);
    auto it = pending_.find(c);
    if (it != pending_.end()) {
      if (s.ok()) it->second.first[it->second.second / 2] ^= 0x40;
      damaged_++;
      pending_.erase(it);
    }
    return s;
  }
  int damaged() {
    std::lock_guard<std::mutex> l(mu_);
    return damaged_;
  }

 private:
  std::unique_ptr<fabric::Fabric> base_;
  std::atomic<bool>* damage_;
  std::atomic<bool>* gone_;
  uint64_t bodies_ = 0;
  uint64_t end_ = 0;
  std::mutex mu_;
  std::map<fabric::Completion*, std::pair<char*, size_t>> pending_;
  int damaged_ = 0;
};

// Three generations of segments over the same keys, newest first in
// segments_: each overwrites or deletes some keys of the older ones; a
// few values are too big to travel in a reply.
class DelegatedSearchTest : public ::testing::TestWithParam<SegmentLayout> {
 protected:
  static constexpr int kKeys = 1500;

  void SetUp() override {
    fabric::FabricOptions o;
    o.uri = "emulated:";
    o.create_if_missing = true;
    o.size = 64 << 20;
    std::unique_ptr<fabric::Fabric> f;
    ASSERT_OK(fabric::OpenFabric(o, &f));
    f = std::make_unique<DamagingFabric>(std::move(f), &damage_, &gone_);
    std::unique_ptr<fabric::DmAllocator> a;
    ASSERT_OK(fabric::DmAllocator::Open(f.get(), 1, &a));
    ctx_ = std::make_shared<DmContext>(std::move(f), std::move(a));
    Random64 rnd(5);
    SequenceNumber seq = 0;
    for (int gen = 0; gen < 3; gen++) {
      auto mem = std::make_shared<MemTable>(gen + 1, 64 << 20, 80 << 20);
      for (int i = gen; i < kKeys; i += 1 + gen) {
        ++seq;
        if (rnd.OneIn(7)) {
          ASSERT_TRUE(mem->Add(seq, kTypeDeletion, Key(i), ""));
          model_[Key(i)] = std::nullopt;
        } else {
          const size_t len = rnd.OneIn(30) ? 6000 : rnd.Uniform(200);
          std::string v = test::RandomBytes(&rnd, len, false);
          ASSERT_TRUE(mem->Add(seq, kTypeValue, Key(i), v));
          model_[Key(i)] = v;
        }
      }
      DmSegmentRef seg;
      ASSERT_OK(DmSegment::Create(ctx_, mem.get(), {0, 1}, {10, GetParam()},
                                  &seg));
      segments_.insert(segments_.begin(), seg);
    }
    last_ = seq;
  }

  void StartServer(SearchServerOptions so = {}) {
    so.threads = std::max(so.threads, 2);
    ASSERT_OK(SearchServer::Start(ctx_->fabric(), so, &server_));
  }
  std::unique_ptr<DmReadPath> NewPath(DmReadMode mode) {
    // What a compute node joining the pool does.
    EXPECT_OK(SearchMailboxes::EnsureFormatted(ctx_->fabric()));
    std::unique_ptr<SearchClient> client;
    EXPECT_OK(SearchClient::Open(ctx_->fabric(),
                                 SearchMailboxes::OwnerWord(3, 1), 4,
                                 &client));
    return std::make_unique<DmReadPath>(mode, std::move(client), 1 << 20);
  }
  // Four segments of disjoint key ranges, as a sequential fill leaves
  // them: segment g holds "z" + Key(g * 10000 + i), i < 2000, 100-byte
  // values.
  void DisjointSegments(std::vector<DmSegmentRef>* out) {
    SequenceNumber seq = last_;
    for (int g = 0; g < 4; g++) {
      auto mem = std::make_shared<MemTable>(10 + g, 64 << 20, 80 << 20);
      for (int i = 0; i < 2000; i++) {
        ASSERT_TRUE(mem->Add(++seq, kTypeValue, "z" + Key(g * 10000 + i),
                             std::string(100, 'v')));
      }
      DmSegmentRef seg;
      ASSERT_OK(
          DmSegment::Create(ctx_, mem.get(), {0, 1}, {10, GetParam()}, &seg));
      out->push_back(seg);
    }
  }
  // Damages every fenced range of seg: any read of it fails its checksum.
  void DamageWhole(const DmSegmentRef& seg) {
    const SegmentLocation where = seg->location();
    char* p =
        static_cast<char*>(ctx_->fabric()->LocalView(where.addr, where.length));
    for (uint32_t off = 0; off < seg->header().image_length; off += 16) {
      Flip(p + SegmentHeader::kEncodedLength + off, 0x21);
    }
  }
  std::vector<const DmSegment*> Candidates(const std::string& key) const {
    std::vector<const DmSegment*> c;
    for (const DmSegmentRef& s : segments_) {
      if (s->MayContain(key)) c.push_back(s.get());
    }
    return c;
  }
  // Every key (and some absent ones) through path, against the model;
  // Corruption counts in *corrupt where allowed.
  void ExpectModel(DmReadPath* path, int* corrupt = nullptr) {
    ExpectModelKeys(path, -3, kKeys + 3, corrupt);
  }
  // Looks up Key(from) .. Key(to - 1) and checks each against the model.
  void ExpectModelKeys(DmReadPath* path, int from, int to,
                       int* corrupt = nullptr) {
    for (int i = from; i < to; i++) {
      const std::string k = Key(i);
      LookupKey lkey(k, last_);
      std::string v;
      Status s;
      const bool decided = path->Get(lkey, Candidates(k), &v, &s);
      if (corrupt != nullptr && decided && s.IsCorruption()) {
        ++*corrupt;
        continue;
      }
      auto m = model_.find(k);
      if (m == model_.end()) {
        ASSERT_FALSE(decided) << k;
        continue;
      }
      ASSERT_TRUE(decided) << k;
      if (!m->second.has_value()) {
        ASSERT_TRUE(s.IsNotFound()) << k << " " << s.ToString();
      } else {
        ASSERT_OK(s) << k;
        ASSERT_EQ(*m->second, v) << k;
      }
    }
  }

  std::atomic<bool> damage_{false};
  std::atomic<bool> gone_{false};  // every read fails (DamagingFabric)
  std::shared_ptr<DmContext> ctx_;
  std::vector<DmSegmentRef> segments_;  // newest first
  std::map<std::string, std::optional<std::string>> model_;
  SequenceNumber last_ = 0;
  std::unique_ptr<SearchServer> server_;
};

INSTANTIATE_TEST_SUITE_P(
    Layouts, DelegatedSearchTest,
    ::testing::Values(SegmentLayout::kArenaCopy, SegmentLayout::kSortedImage),
    [](const ::testing::TestParamInfo<SegmentLayout>& info) {
      return std::string(SegmentLayoutName(info.param));
    });

TEST_P(DelegatedSearchTest, EveryModeAnswersLikeTheModel) {
  StartServer();
  uint64_t fallbacks = 0;
  for (DmReadMode mode : {DmReadMode::kOneSided, DmReadMode::kDelegated,
                          DmReadMode::kCached, DmReadMode::kAdaptive}) {
    SCOPED_TRACE(DmReadModeName(mode));
    auto path = NewPath(mode);
    ASSERT_TRUE(path->can_delegate());
    ExpectModel(path.get());
    ExpectModel(path.get());  // again: the cache has the keys now
    const auto& c = path->counters();
    fallbacks += c.fallbacks.load();
    if (mode == DmReadMode::kCached) {
      // Every key found the first time is a hit the second time.
      EXPECT_GT(c.cache_hits.load(), uint64_t{kKeys} / 2);
      EXPECT_EQ(0u, c.cache_damaged.load());
    } else if (mode != DmReadMode::kAdaptive) {
      EXPECT_EQ(0u, c.cache_hits.load() + c.cache_misses.load());
    }
    if (mode == DmReadMode::kDelegated) {
      EXPECT_EQ(0u, c.one_sided.load());
      EXPECT_GT(c.delegated.load(), uint64_t{kKeys} / 2);
      EXPECT_GT(c.entry_reads.load(), 0u);  // the big values
      // A reply that comes too late (a loaded sanitizer run) is read
      // one-sided instead; rarely.
      EXPECT_LT(c.fallbacks.load(), c.delegated.load() / 10);
    } else if (mode == DmReadMode::kOneSided) {
      EXPECT_EQ(0u, c.delegated.load());
    }
  }
  EXPECT_GT(server_->stats().keys, uint64_t{kKeys});
  // A request is rejected only when its slot was reused under the server
  // (the lookup had given up waiting and read one-sided).
  EXPECT_LE(server_->stats().rejected, fallbacks);
}

// The adaptive mode reads one-sided first and explores delegation no
// sooner than an exploration interval after its first choice.
TEST_P(DelegatedSearchTest, AdaptiveExploresDelegationAnIntervalAfterItStarts) {
  StartServer();
  auto path = NewPath(DmReadMode::kAdaptive);
  ASSERT_TRUE(path->can_delegate());
  // 20 lookups: well within the 50 ms interval, even under sanitizers.
  ExpectModelKeys(path.get(), 0, 20);
  EXPECT_EQ(0u, path->counters().delegated.load() +
                    path->counters().fallbacks.load());
  EXPECT_EQ(20u, path->counters().one_sided.load());
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  ExpectModelKeys(path.get(), 0, 20);
  // A lookup explored the other way (answered, or fell back after it);
  // if delegation measured faster here, the rest took it too.
  EXPECT_GE(path->counters().delegated.load() +
                path->counters().fallbacks.load(),
            1u);
}

// An exploring delegation to a memory node that answers late gives up
// after a few times the one-sided cost, not after the delegation timeout
// (100 ms before any answer): the lookup reads one-sided.
TEST_P(DelegatedSearchTest, AnExploringDelegationGivesUpSoon) {
  SearchServerOptions so;
  so.debug_delay = std::chrono::milliseconds(400);
  StartServer(so);
  auto path = NewPath(DmReadMode::kAdaptive);
  ASSERT_TRUE(path->can_delegate());
  ExpectModelKeys(path.get(), 0, 20);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  const auto start = std::chrono::steady_clock::now();
  ExpectModelKeys(path.get(), 0, 20);
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(60));
  EXPECT_EQ(1u, path->counters().fallbacks.load());
  EXPECT_EQ(0u, path->counters().delegated.load());
}

// The same for MultiGet: the first batch choice starts the clock, and an
// exploring batch may wait a few times the one-sided batch's cost.
TEST_P(DelegatedSearchTest, AnExploringBatchWaitsOnlyAShortTime) {
  StartServer();
  auto path = NewPath(DmReadMode::kAdaptive);
  ASSERT_TRUE(path->can_delegate());
  std::chrono::nanoseconds timeout;
  EXPECT_FALSE(path->DelegateBatch(&timeout));  // nothing measured yet
  path->NoteOneSidedBatch(20'000);              // 20 us
  EXPECT_FALSE(path->DelegateBatch(&timeout));  // starts the clock
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  ASSERT_TRUE(path->DelegateBatch(&timeout));  // explores
  EXPECT_EQ(std::chrono::microseconds(400), timeout);
  EXPECT_FALSE(path->DelegateBatch(&timeout));  // not again so soon
}

TEST_P(DelegatedSearchTest, OlderSnapshotsSeeOlderVersions) {
  StartServer();
  auto delegated = NewPath(DmReadMode::kDelegated);
  auto cached = NewPath(DmReadMode::kCached);
  auto one_sided = NewPath(DmReadMode::kOneSided);
  ExpectModel(cached.get());  // the cache holds the newest versions
  Random64 rnd(3);
  for (int round = 0; round < 3000; round++) {
    const std::string k = Key(static_cast<int>(rnd.Uniform(kKeys)));
    LookupKey lkey(k, 1 + rnd.Uniform(last_));
    std::string v1, v2;
    Status s1, s2;
    const bool d1 = delegated->Get(lkey, Candidates(k), &v1, &s1);
    const bool d2 = one_sided->Get(lkey, Candidates(k), &v2, &s2);
    ASSERT_EQ(d2, d1) << k;
    if (d1) {
      ASSERT_EQ(s2.ToString(), s1.ToString()) << k;
      ASSERT_EQ(v2, v1) << k;
    }
    std::string v3;
    Status s3;
    ASSERT_EQ(d2, cached->Get(lkey, Candidates(k), &v3, &s3)) << k;
    if (d2) {
      ASSERT_EQ(s2.ToString(), s3.ToString()) << k;
      ASSERT_EQ(v2, v3) << k;
    }
  }
  EXPECT_LT(delegated->counters().fallbacks.load(),
            delegated->counters().delegated.load() / 10);
}

TEST_P(DelegatedSearchTest, ManyKeysGoInFewRequests) {
  StartServer();
  auto path = NewPath(DmReadMode::kDelegated);
  std::vector<std::unique_ptr<LookupKey>> owned;
  std::vector<const LookupKey*> keys;
  std::vector<size_t> which;
  std::vector<std::vector<const DmSegment*>> candidates;
  for (int i = 0; i < 300; i++) {
    // Duplicates too.
    const std::string k = Key((i * 7) % 250);
    owned.push_back(std::make_unique<LookupKey>(k, last_));
    keys.push_back(owned.back().get());
    which.push_back(i);
    candidates.push_back(Candidates(k));
  }
  std::vector<std::string> values(keys.size());
  std::vector<Status> statuses(keys.size());
  std::vector<char> decided(keys.size(), 0), absent(keys.size(), 0);
  std::chrono::nanoseconds timeout;
  ASSERT_TRUE(path->DelegateBatch(&timeout));  // forced: delegated
  EXPECT_GE(timeout, std::chrono::milliseconds(10));
  path->DelegateMany(keys, which, candidates, &values, &statuses, &decided,
                     &absent, timeout);
  for (size_t k = 0; k < keys.size(); k++) {
    const std::string key = keys[k]->user_key().ToString();
    auto m = model_.find(key);
    if (m == model_.end()) {
      EXPECT_TRUE(absent[k]) << key;
    } else if (!m->second.has_value()) {
      ASSERT_TRUE(decided[k]) << key;
      EXPECT_TRUE(statuses[k].IsNotFound()) << key;
    } else {
      ASSERT_TRUE(decided[k]) << key;
      ASSERT_OK(statuses[k]) << key;
      EXPECT_EQ(*m->second, values[k]) << key;
    }
  }
  const uint64_t requests = path->counters().batches.load();
  EXPECT_GT(requests, 1u);  // 300 keys do not fit one 4 KiB mailbox
  EXPECT_LE(requests, 30u);
}

TEST_P(DelegatedSearchTest, DamagedSegmentBytesAreCorruptionNeverAWrongValue) {
  StartServer();
  // Damage one entry's bytes in every segment, in place.
  for (const DmSegmentRef& seg : segments_) {
    const SegmentLocation where = seg->location();
    char* p = static_cast<char*>(
        ctx_->fabric()->LocalView(where.addr, where.length));
    ASSERT_NE(nullptr, p);
    const uint64_t image = SegmentHeader::kEncodedLength;
    for (uint64_t off = image + seg->header().image_length / 3;
         off < image + seg->header().image_length; off += 4001) {
      Flip(p + off, 0x5a);
    }
  }
  auto path = NewPath(DmReadMode::kDelegated);
  int corrupt = 0;
  ExpectModel(path.get(), &corrupt);
  EXPECT_GT(corrupt, 0);
}

TEST_P(DelegatedSearchTest, DamagedBytesUnderACachedOffsetAreNeverReturned) {
  StartServer();
  auto path = NewPath(DmReadMode::kCached);
  ExpectModel(path.get());  // fills the cache
  // Damage every entry of the newest segment: the cached reads of its keys
  // fail their checksum.
  const DmSegmentRef& seg = segments_.front();
  const SegmentLocation where = seg->location();
  char* p = static_cast<char*>(
      ctx_->fabric()->LocalView(where.addr, where.length));
  const uint64_t image = SegmentHeader::kEncodedLength;
  for (uint64_t off = image + 64; off < image + seg->header().image_length;
       off += 7) {
    Flip(p + off, 0x08);
  }
  int corrupt = 0;
  ExpectModel(path.get(), &corrupt);
  EXPECT_GT(corrupt, 0);
  EXPECT_GT(path->counters().cache_damaged.load(), 0u);
}

TEST_P(DelegatedSearchTest, ACachedOffsetOfASegmentNotAmongTheCandidatesIsDropped) {
  StartServer();
  auto path = NewPath(DmReadMode::kCached);
  ExpectModel(path.get());
  // The segments were flushed: this reader's state has none of them.
  std::string v;
  Status s;
  int asked = 0;
  for (int i = 0; i < kKeys; i++) {
    if (model_.count(Key(i)) == 0) continue;
    asked++;
    ASSERT_FALSE(path->Get(LookupKey(Key(i), last_), {}, &v, &s)) << i;
  }
  // Every key the first pass cached (all but those whose delegation came
  // back too late) is dropped, none read.
  EXPECT_GE(path->counters().cache_stale.load(), uint64_t(asked) * 9 / 10);
  EXPECT_LE(path->counters().cache_stale.load(), uint64_t(asked));
  EXPECT_EQ(0u, path->counters().cache_hits.load());
}

TEST_P(DelegatedSearchTest, DamagedReplyIsDetectedAndTheLookupReadsOneSided) {
  StartServer();
  auto path = NewPath(DmReadMode::kDelegated);
  damage_ = true;
  ExpectModel(path.get());
  damage_ = false;
  EXPECT_GT(static_cast<DamagingFabric*>(ctx_->fabric())->damaged(), 0);
  EXPECT_GT(path->counters().fallbacks.load(), 0u);
  EXPECT_GT(path->counters().one_sided.load(), 0u);
}

TEST_P(DelegatedSearchTest, NoServerMeansOneSidedAndAStoppedOneIsNoticed) {
  {
    auto path = NewPath(DmReadMode::kDelegated);
    ExpectModel(path.get());
    EXPECT_EQ(0u, path->counters().delegated.load());
  }
  StartServer();
  auto path = NewPath(DmReadMode::kDelegated);
  ExpectModel(path.get());
  EXPECT_GT(path->counters().delegated.load(), 0u);
  server_->Stop();
  // Within a sampling interval lookups stop delegating; any that tried
  // meanwhile fell back.
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  const uint64_t delegated = path->counters().delegated.load();
  ExpectModel(path.get());
  EXPECT_EQ(delegated, path->counters().delegated.load());
}

TEST_P(DelegatedSearchTest, ASlowMemoryNodeDoesNotStallReaders) {
  SearchServerOptions so;
  so.debug_delay = std::chrono::milliseconds(400);
  StartServer(so);
  auto path = NewPath(DmReadMode::kDelegated);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> readers;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; t++) {
    readers.emplace_back([&, t] {
      for (int i = t; i < 4 * 15; i += 4) {
        const std::string k = Key(i);
        std::string v;
        Status s;
        LookupKey lkey(k, last_);
        const bool d = path->Get(lkey, Candidates(k), &v, &s);
        auto m = model_.find(k);
        const bool right =
            m == model_.end() ? !d
            : !m->second      ? d && s.IsNotFound()
                              : d && s.ok() && v == *m->second;
        if (!right) wrong++;
      }
    });
  }
  for (auto& r : readers) r.join();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(0, wrong.load());
  // Waiting out the server would take 15 x 400 ms per reader; each lookup
  // gives up after its timeout and reads one-sided instead.
  EXPECT_LT(took, std::chrono::seconds(4));
  EXPECT_GT(path->counters().fallbacks.load(), 0u);
}

// One iterator over all segments (seeks that read every segment in the
// same round trips) against the per-segment iterators merged.
TEST_P(DelegatedSearchTest, MergedScanOfAllSegmentsMatchesPerSegmentIterators) {
  auto merged = [&] {
    std::vector<Iterator*> children;
    for (const DmSegmentRef& s : segments_) children.push_back(s->NewIterator());
    return std::unique_ptr<Iterator>(NewMergingIterator(std::move(children)));
  };
  const uint64_t read_before = ctx_->counters().bytes_read_back.load();
  std::unique_ptr<Iterator> it(NewDmSegmentsIterator(
      std::vector<DmSegmentRef>(segments_.begin(), segments_.end())));
  EXPECT_EQ(read_before, ctx_->counters().bytes_read_back.load())
      << "creating the iterator read DM";
  std::unique_ptr<Iterator> expect = merged();
  auto same = [&](const char* what) {
    ASSERT_EQ(expect->Valid(), it->Valid()) << what;
    ASSERT_OK(it->status());
    if (expect->Valid()) {
      ASSERT_EQ(expect->key().ToString(), it->key().ToString()) << what;
      ASSERT_EQ(expect->value().ToString(), it->value().ToString()) << what;
    }
  };
  // A whole forward scan.
  it->SeekToFirst();
  expect->SeekToFirst();
  size_t n = 0;
  for (; expect->Valid(); expect->Next(), it->Next(), n++) same("scan");
  same("end");
  EXPECT_GT(n, size_t{kKeys});
  // Random seeks, a few steps forward, then back and forward again.
  Random64 rnd(8);
  for (int round = 0; round < 300; round++) {
    const std::string target =
        InternalKey(Key(static_cast<int>(rnd.Uniform(kKeys + 10)) - 5),
                    1 + rnd.Uniform(last_), kValueTypeForSeek)
            .Encode()
            .ToString();
    it->Seek(target);
    expect->Seek(target);
    same("seek");
    const int steps = static_cast<int>(rnd.Uniform(40));
    for (int i = 0; i < steps && expect->Valid(); i++) {
      expect->Next();
      it->Next();
      same("next");
    }
    for (int i = 0; i < 5 && expect->Valid(); i++) {
      expect->Prev();
      it->Prev();
      same("prev");
    }
    for (int i = 0; i < 3 && expect->Valid(); i++) {
      expect->Next();
      it->Next();
      same("next after prev");
    }
  }
  it->SeekToLast();
  expect->SeekToLast();
  for (int i = 0; i < 50 && expect->Valid(); i++, expect->Prev(), it->Prev()) {
    same("backward");
  }
}

// Segments of disjoint key ranges (a sequential fill): a seek reads only
// the segment its target falls in; a segment wholly before the target and
// one the scan never reaches are not read at all.
TEST_P(DelegatedSearchTest, MergedScanReadsNothingOfSegmentsItNeverReaches) {
  std::vector<DmSegmentRef> disjoint;
  ASSERT_NO_FATAL_FAILURE(DisjointSegments(&disjoint));
  std::unique_ptr<Iterator> it(NewDmSegmentsIterator(disjoint));
  const uint64_t before = ctx_->counters().bytes_read_back.load();
  it->Seek(InternalKey("z" + Key(2 * 10000 + 700), kMaxSequenceNumber,
                       kValueTypeForSeek)
               .Encode());
  for (int i = 0; i < 10; i++) {
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ("z" + Key(2 * 10000 + 700 + i),
              ExtractUserKey(it->key()).ToString());
    it->Next();
  }
  ASSERT_OK(it->status());
  const uint64_t read = ctx_->counters().bytes_read_back.load() - before;
  // The target's segment's windows (one fence of 16 entries of ~130
  // bytes, then two more as the scan moves on: about 6 KB), not also a
  // window of each of the other three (about 12 KB in all).
  EXPECT_GT(read, 0u);
  EXPECT_LT(read, 8000u) << read;
  // The next segment is read once the scan gets there.
  it->Seek(InternalKey("z" + Key(2 * 10000 + 1999), kMaxSequenceNumber,
                       kValueTypeForSeek)
               .Encode());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("z" + Key(3 * 10000), ExtractUserKey(it->key()).ToString());
  // From the first key: only the first segment's first window.
  const uint64_t at_first = ctx_->counters().bytes_read_back.load();
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("z" + Key(0), ExtractUserKey(it->key()).ToString());
  EXPECT_LT(ctx_->counters().bytes_read_back.load() - at_first, 3000u);
}

// Bounded scans in both directions read no fenced range wholly outside
// their bounds: segments outside them are damaged, so that any read of
// them fails, and inside a segment a backward scan stops its readahead at
// the lower bound.
TEST_P(DelegatedSearchTest, BoundedScansReadNoRangeOutsideTheirBounds) {
  std::vector<DmSegmentRef> disjoint;
  ASSERT_NO_FATAL_FAILURE(DisjointSegments(&disjoint));
  const size_t per_fence = 2000 / disjoint[2]->index().fences().size();
  ASSERT_GE(per_fence, 4u);
  const std::string lo = "z" + Key(2 * 10000 + 500);
  const std::string hi = "z" + Key(2 * 10000 + 1000);
  const Slice lower(lo), upper(hi);
  std::vector<std::string> expect;
  for (int i = 500; i < 1000; i++) expect.push_back("z" + Key(2 * 10000 + i));

  // Backward from the upper bound to the lower one, through the merged
  // iterator (several segments) and one segment's own iterator; with the
  // lower bound, and without it (which reads further back).
  auto backward = [&](Iterator* it, std::vector<std::string>* got) {
    got->clear();
    for (it->SeekToLast();
         it->Valid() && ExtractUserKey(it->key()).compare(lower) >= 0;
         it->Prev()) {
      got->insert(got->begin(), ExtractUserKey(it->key()).ToString());
    }
    return it->status();
  };
  std::vector<std::string> got;
  uint64_t before = ctx_->counters().bytes_read_back.load();
  std::unique_ptr<Iterator> it(disjoint[2]->NewBoundedIterator(&lower, &upper));
  ASSERT_OK(backward(it.get(), &got));
  EXPECT_EQ(expect, got);
  const uint64_t bounded = ctx_->counters().bytes_read_back.load() - before;
  before = ctx_->counters().bytes_read_back.load();
  it.reset(disjoint[2]->NewBoundedIterator(nullptr, &upper));
  ASSERT_OK(backward(it.get(), &got));
  EXPECT_EQ(expect, got);
  const uint64_t unbounded = ctx_->counters().bytes_read_back.load() - before;
  // 500 entries of about 130 bytes, and at most a range on either side.
  const uint64_t entry = disjoint[2]->header().image_length / 2000;
  EXPECT_LE(bounded, (500 + 2 * per_fence) * entry * 5 / 4)
      << bounded << " bytes for 500 entries";
  EXPECT_GT(unbounded, bounded * 5 / 4)
      << "the lower bound saved nothing: the case tests nothing";

  // Segments wholly below the lower bound or past the upper one are never
  // read, in either direction, nor when the scan turns around.
  for (size_t g : {0u, 1u, 3u}) DamageWhole(disjoint[g]);
  it.reset(NewDmSegmentsIterator(disjoint, &lower, &upper));
  ASSERT_OK(backward(it.get(), &got));
  EXPECT_EQ(expect, got);
  got.clear();
  for (it->Seek(
           InternalKey(lo, kMaxSequenceNumber, kValueTypeForSeek).Encode());
       it->Valid() && ExtractUserKey(it->key()).compare(upper) < 0;
       it->Next()) {
    got.push_back(ExtractUserKey(it->key()).ToString());
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(expect, got);
  // Forward, then back (per-segment iterators take over), then forward.
  it->Seek(InternalKey("z" + Key(2 * 10000 + 700), kMaxSequenceNumber,
                       kValueTypeForSeek)
               .Encode());
  for (int i = 0; i < 3; i++) it->Next();
  for (int i = 0; i < 10; i++) it->Prev();
  ASSERT_TRUE(it->Valid());
  ASSERT_OK(it->status());
  EXPECT_EQ("z" + Key(2 * 10000 + 693), ExtractUserKey(it->key()).ToString());
  // Unbounded, the damage shows: the bounds above were what kept it away.
  it.reset(NewDmSegmentsIterator(disjoint, nullptr, &upper));
  EXPECT_TRUE(backward(it.get(), &got).IsCorruption());
}

// The pool's census of segments (o3lsm-node's o3lsm_pool_segments): the
// segments alive, by owner, and not other allocations of the same size.
TEST_P(DelegatedSearchTest, CountsTheSegmentsThePoolHolds) {
  std::vector<DmSegmentRef> disjoint;
  ASSERT_NO_FATAL_FAILURE(DisjointSegments(&disjoint));
  fabric::DmAddr other;
  ASSERT_OK(
      ctx_->allocator()->Allocate(disjoint[0]->location().length, &other));
  std::map<uint16_t, HeldSegments> held;
  ASSERT_OK(CountHeldSegments(ctx_->fabric(), ctx_->allocator(), &held));
  uint64_t bytes = 0;
  for (const DmSegmentRef& seg : segments_) bytes += seg->location().length;
  for (const DmSegmentRef& seg : disjoint) bytes += seg->location().length;
  ASSERT_EQ(1u, held.size());
  const uint16_t owner = ctx_->allocator()->owner();
  EXPECT_EQ(segments_.size() + disjoint.size(), held[owner].count);
  EXPECT_EQ(bytes, held[owner].bytes);
  // A segment let go is freed, and no longer counted.
  bytes -= disjoint.back()->location().length;
  disjoint.pop_back();
  ASSERT_OK(CountHeldSegments(ctx_->fabric(), ctx_->allocator(), &held));
  EXPECT_EQ(segments_.size() + disjoint.size(), held[owner].count);
  EXPECT_EQ(bytes, held[owner].bytes);
  ASSERT_OK(ctx_->allocator()->Free(other));
}

TEST_P(DelegatedSearchTest, MergedScanReportsDamageAsCorruption) {
  for (const DmSegmentRef& seg : segments_) {
    const SegmentLocation where = seg->location();
    char* p = static_cast<char*>(
        ctx_->fabric()->LocalView(where.addr, where.length));
    Flip(p + SegmentHeader::kEncodedLength + seg->header().image_length / 2,
         0x21);
  }
  std::unique_ptr<Iterator> it(NewDmSegmentsIterator(
      std::vector<DmSegmentRef>(segments_.begin(), segments_.end())));
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
  EXPECT_LT(n, size_t{kKeys} * 2);
}

// Regression (found by the crash driver over ofi, memory node killed): a
// merged scan turning back re-seeks per-segment iterators; when those
// reads fail, the scan must end with the error, not step back from
// nowhere.
TEST_P(DelegatedSearchTest, TurningBackWhenReadsFailEndsTheScanWithTheError) {
  std::unique_ptr<Iterator> it(NewDmSegmentsIterator(
      std::vector<DmSegmentRef>(segments_.begin(), segments_.end())));
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  it->Next();
  ASSERT_TRUE(it->Valid());
  gone_ = true;
  it->Prev();
  gone_ = false;
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsUnavailable()) << it->status().ToString();
}

TEST(SearchMailboxes, ClaimsAreExclusiveAndADeadNodesSlotsComeBack) {
  fabric::FabricOptions o;
  o.uri = "emulated:";
  o.create_if_missing = true;
  o.size = 16 << 20;
  std::unique_ptr<fabric::Fabric> f;
  ASSERT_OK(fabric::OpenFabric(o, &f));
  ASSERT_OK(SearchMailboxes::EnsureFormatted(f.get()));
  ASSERT_OK(SearchMailboxes::EnsureFormatted(f.get()));  // idempotent
  std::unique_ptr<SearchMailboxes> mb;
  ASSERT_OK(SearchMailboxes::Open(f.get(), &mb));
  const uint32_t n = mb->slot_count();
  ASSERT_GT(n, 8u);
  const uint64_t a = SearchMailboxes::OwnerWord(5, 1);
  const uint64_t b = SearchMailboxes::OwnerWord(6, 1);
  std::vector<uint32_t> sa, sb, sc;
  ASSERT_OK(mb->Claim(a, n - 3, &sa));
  ASSERT_OK(mb->Claim(b, 8, &sb));
  EXPECT_EQ(n - 3, sa.size());
  EXPECT_EQ(3u, sb.size());  // what was left
  uint32_t released = 0;
  ASSERT_OK(mb->ReclaimNode(5, &released));
  EXPECT_EQ(n - 3, released);
  ASSERT_OK(mb->Claim(SearchMailboxes::OwnerWord(7, 2), 4, &sc));
  EXPECT_EQ(4u, sc.size());
  ASSERT_OK(mb->Release(b, sb));
  ASSERT_OK(mb->ReclaimNode(6, &released));
  EXPECT_EQ(0u, released);
}

}  // namespace

}  // namespace o3lsm
