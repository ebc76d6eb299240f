// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// SuperVersionCache: readers pin the current SuperVersion from their slots,
// also when threads share a slot.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "lsm/db/super_version.h"

namespace o3lsm {

namespace {

std::shared_ptr<const SuperVersion> NewSuperVersion() {
  return std::make_shared<SuperVersion>();
}

TEST(SuperVersionCache, PinSeesTheLatestInstall) {
  SuperVersionCache cache(4);
  auto first = NewSuperVersion();
  cache.Install(first);
  {
    SuperVersionCache::Pin pin(&cache);
    EXPECT_EQ(first.get(), &*pin);
  }
  {
    SuperVersionCache::Pin pin(&cache);  // from the slot now
    EXPECT_EQ(first.get(), &*pin);
  }
  auto second = NewSuperVersion();
  cache.Install(second);
  SuperVersionCache::Pin pin(&cache);
  EXPECT_EQ(second.get(), &*pin);
}

// Regression: two pins sharing a slot across an Install. The older pin,
// released last but one, put its old reference back into the slot (the
// slot read kInUse again, set by the newer pin), and every later pin of that
// slot used the old SuperVersion until the next Install: a Get that missed
// an acknowledged write (WriteGroupTest.ReadersAcrossSealsFlushesAndCompactions
// under TSan, 42 readers on 16 slots).
TEST(SuperVersionCache, SharedSlotNeverServesAnOldSuperVersion) {
  SuperVersionCache cache(1);  // every pin shares the one slot
  auto old_sv = NewSuperVersion();
  cache.Install(old_sv);
  std::optional<SuperVersionCache::Pin> a;
  a.emplace(&cache);
  EXPECT_EQ(old_sv.get(), &**a);
  auto new_sv = NewSuperVersion();
  cache.Install(new_sv);  // empties the slot under a
  std::optional<SuperVersionCache::Pin> b;
  b.emplace(&cache);
  EXPECT_EQ(new_sv.get(), &**b);
  a.reset();  // finds the slot in use (b's), puts the old reference back
  b.reset();
  SuperVersionCache::Pin c(&cache);
  EXPECT_EQ(new_sv.get(), &*c);
}

// Many threads on few slots, installs all the while: a pin never sees a
// SuperVersion older than one installed before the pin began.
TEST(SuperVersionCache, ManyThreadsOnFewSlotsSeeNothingOlder) {
  SuperVersionCache cache(3);
  std::vector<std::shared_ptr<const SuperVersion>> versions;
  for (int i = 0; i < 200; i++) versions.push_back(NewSuperVersion());
  std::atomic<int> installed{0};  // index of the newest installed
  cache.Install(versions[0]);
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 8; r++) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const int floor = installed.load();
        SuperVersionCache::Pin pin(&cache);
        int index = -1;
        for (int i = floor; i < static_cast<int>(versions.size()); i++) {
          if (versions[i].get() == &*pin) index = i;
        }
        ASSERT_GE(index, floor) << "pinned a SuperVersion older than one "
                                   "installed before the pin";
      }
    });
  }
  for (int i = 1; i < static_cast<int>(versions.size()); i++) {
    cache.Install(versions[i]);
    installed.store(i);
    std::this_thread::yield();
  }
  stop.store(true);
  for (auto& t : readers) t.join();
}

// An iterator holds its pin for its life, in a slot of its own: the
// thread's Gets meanwhile still take the read slot's reference (no new
// one), and the iterator's slot serves the thread's next iterator.
TEST(SuperVersionCache, IteratorPinsHaveASlotOfTheirOwn) {
  SuperVersionCache cache(1);
  auto sv = NewSuperVersion();
  cache.Install(sv);
  const long installed = sv.use_count();  // ours and the cache's
  { SuperVersionCache::Pin read(&cache); }  // fills the read slot
  EXPECT_EQ(installed + 1, sv.use_count());
  auto iterator = std::make_unique<SuperVersionCache::Pin>(
      &cache, SuperVersionCache::Use::kIterator);
  EXPECT_EQ(sv.get(), &**iterator);
  EXPECT_EQ(installed + 2, sv.use_count());
  for (int i = 0; i < 3; i++) {
    SuperVersionCache::Pin read(&cache);
    EXPECT_EQ(sv.get(), &*read);
    EXPECT_EQ(installed + 2, sv.use_count()) << "a Get made a reference";
  }
  iterator.reset();  // back into its slot
  SuperVersionCache::Pin next(&cache, SuperVersionCache::Use::kIterator);
  EXPECT_EQ(installed + 2, sv.use_count());
}

// An iterator may be destroyed on another thread than the one that made
// it: its reference goes back to the maker's slot, or is dropped if an
// Install emptied the slot; the maker's next iterator sees the newest.
TEST(SuperVersionCache, IteratorPinReleasedOnAnotherThread) {
  SuperVersionCache cache(2);
  auto old_sv = NewSuperVersion();
  cache.Install(old_sv);
  std::weak_ptr<const SuperVersion> watch = old_sv;
  auto pin = std::make_unique<SuperVersionCache::Pin>(
      &cache, SuperVersionCache::Use::kIterator);
  auto new_sv = NewSuperVersion();
  cache.Install(new_sv);
  old_sv.reset();
  EXPECT_FALSE(watch.expired()) << "the live iterator lost its SuperVersion";
  std::thread([&] { pin.reset(); }).join();
  EXPECT_TRUE(watch.expired()) << "an old SuperVersion went back to a slot";
  SuperVersionCache::Pin next(&cache, SuperVersionCache::Use::kIterator);
  EXPECT_EQ(new_sv.get(), &*next);
}

}  // namespace

}  // namespace o3lsm
