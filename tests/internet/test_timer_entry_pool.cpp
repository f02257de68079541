// The memory behind callLater's entries (src/internet/timer_entry_pool.cpp):
// reuse in address order, entries of every size and alignment, entries freed
// on another thread and after their thread exited. The threaded cases run
// under ThreadSanitizer too (the tsan preset's filter names this suite).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <twisted/internet/task.h>

namespace twisted::internet {
namespace {

using detail::TimerEntry;
using detail::TimerEntryFn;

// A pointer-sized function: the common entry, one 64-byte slot.
TimerEntry* smallEntry(int* counter) {
  auto f = [counter] { ++*counter; };
  return new TimerEntryFn<decltype(f)>(std::move(f));
}

// Slots freed in any order come back lowest address first: after a million
// calls fire in heap order, the next ones are still laid out in order.
TEST(TimerEntryPool, ReusesSlotsInAddressOrder) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer builds use ordinary allocations";
#endif
  constexpr int kN = 20000;
  int counter = 0;
  std::vector<TimerEntry*> entries;
  for (int i = 0; i < kN; ++i)
    entries.push_back(smallEntry(&counter));
  std::vector<TimerEntry*> shuffled = entries;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(12345));
  for (TimerEntry* e : shuffled)
    delete e;
  std::vector<TimerEntry*> again;
  for (int i = 0; i < kN; ++i)
    again.push_back(smallEntry(&counter));
  // No new memory (the chunks of 256 KiB that held the first ones), and in
  // increasing order but where the search wraps around once.
  auto chunkOf = [](TimerEntry* e) { return reinterpret_cast<std::uintptr_t>(e) / (256 * 1024); };
  std::vector<std::uintptr_t> chunks;
  for (TimerEntry* e : entries)
    chunks.push_back(chunkOf(e));
  std::sort(chunks.begin(), chunks.end());
  for (TimerEntry* e : again)
    ASSERT_TRUE(std::binary_search(chunks.begin(), chunks.end(), chunkOf(e)));
  int descents = 0;
  for (int i = 1; i < kN; ++i)
    descents += again[i] < again[i - 1];
  EXPECT_LE(descents, 2);  // the search wraps around to the lowest chunk at most once
  for (TimerEntry* e : again) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(e) % 64, 0u);
    delete e;
  }
}

// Functions of every size and alignment keep working (larger entries and
// over-aligned ones use ordinary allocations).
TEST(TimerEntryPool, EntriesOfEverySizeAndAlignment) {
  task::Clock clock;
  std::array<char, 200> big{};
  big[199] = 7;
  struct alignas(128) Aligned {
    int v = 3;
  };
  int sum = 0;
  std::vector<DelayedCall> calls;
  for (int i = 0; i < 1000; ++i) {
    calls.push_back(clock.callLater(1, [&sum] { sum += 1; }));
    calls.push_back(clock.callLater(1, [&sum, big] { sum += big[199]; }));
    calls.push_back(clock.callLater(1, [&sum, a = Aligned{}] {
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&a) % alignof(Aligned), 0u);
      sum += a.v;
    }));
  }
  for (int i = 0; i < 3000; i += 6)
    calls[static_cast<std::size_t>(i)].cancel();
  clock.advance(1);
  EXPECT_EQ(sum, 500 * 1 + 1000 * 7 + 1000 * 3);
}

// A handle dropped on another thread (after the thread that scheduled the
// call is done with it) frees the entry there; both threads go on scheduling.
TEST(TimerEntryPool, EntriesFreedOnAnotherThread) {
  std::vector<DelayedCall> handles;
  int fired = 0;
  task::Clock clock;  // used by one thread at a time (joins order them)
  std::thread([&] {
    for (int i = 0; i < 10000; ++i)
      handles.push_back(clock.callLater(1, [&fired] { ++fired; }));
    clock.advance(1);
  }).join();
  EXPECT_EQ(fired, 10000);
  handles.clear();  // the last references: freed on this thread
  std::thread([&] {
    for (int i = 0; i < 10000; ++i)
      handles.push_back(clock.callLater(1, [&fired] { ++fired; }));
    clock.advance(1);
    handles.clear();
  }).join();
  for (int i = 0; i < 10000; ++i)
    clock.callLater(1, [&fired] { ++fired; });
  clock.advance(1);
  EXPECT_EQ(fired, 30000);
}

// A thread that exits leaves its slots to the next threads, including the
// entries still referenced when it exited.
TEST(TimerEntryPool, ThreadsThatExitLeaveTheirSlots) {
  std::vector<DelayedCall> kept;
  for (int round = 0; round < 4; ++round) {
    std::thread([&kept] {
      task::Clock clock;
      int fired = 0;
      std::vector<DelayedCall> calls;
      for (int i = 0; i < 20000; ++i)
        calls.push_back(clock.callLater(i % 7, [&fired] { ++fired; }));
      for (int i = 0; i < 20000; i += 3)
        calls[static_cast<std::size_t>(i)].cancel();
      clock.advance(7);
      EXPECT_EQ(fired, 20000 - 6667);
      kept.insert(kept.end(), calls.begin(), calls.begin() + 100);
    }).join();
    EXPECT_TRUE(kept.back().called() || kept.back().cancelled());
  }
  kept.clear();
}

// Calls scheduled at thread exit after the pool's own thread_local is gone
// (a thread_local constructed before it is destroyed after it): entries come
// from what exited threads left, or a block nobody owns, and go back there.
TEST(TimerEntryPool, CallsAfterTheThreadsPoolIsGone) {
  std::atomic<int> fired{0};
  std::thread([&fired] {
    struct AtExit {
      std::atomic<int>* fired = nullptr;
      ~AtExit() {
        task::Clock clock;
        std::vector<DelayedCall> calls;
        // More than one chunk's slots at once.
        for (int i = 0; i < 5000; ++i)
          calls.push_back(clock.callLater(i % 3, [this] { ++*fired; }));
        for (int i = 0; i < 5000; i += 5)
          calls[static_cast<std::size_t>(i)].cancel();
        clock.advance(3);
      }
    };
    static thread_local AtExit atExit;  // before this thread's first callLater
    atExit.fired = &fired;
    task::Clock clock;
    int n = 0;
    clock.callLater(0, [&n] { ++n; });  // the pool is made here, after atExit
    clock.advance(0);
    EXPECT_EQ(n, 1);
  }).join();
  EXPECT_EQ(fired.load(), 4000);
}

// Threads scheduling and firing at the same time each use their own chunks.
TEST(TimerEntryPool, ThreadsAtTheSameTime) {
  std::vector<std::thread> threads;
  std::array<int, 4> fired{};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&fired, t] {
      task::Clock clock;
      for (int round = 0; round < 5; ++round) {
        std::vector<DelayedCall> calls;
        for (int i = 0; i < 5000; ++i)
          calls.push_back(clock.callLater((i * 7919) % 100 / 100.0, [&fired, t] { ++fired[t]; }));
        clock.advance(1);
      }
    });
  for (std::thread& th : threads)
    th.join();
  for (int f : fired)
    EXPECT_EQ(f, 25000);
}

}  // namespace
}  // namespace twisted::internet
