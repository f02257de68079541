// ThreadCallQueue: the callFromThread queue a reactor owns. Internal: not
// part of the API. Test: tests/internet/test_reactor.cpp (callFromThread).
//
// A FIFO of fixed-size blocks of in-place UniqueFunction slots (ThreadCallBlock,
// in src/internet/thread_call_queue.cpp). Producers append under the lock;
// the loop takes every queued block at once and runs them outside it, then
// returns the blocks to a free list for reuse, so nothing is moved or
// reallocated as a batch grows. Waking the loop is the owner's business:
// push() says whether the queue was empty, and a thread that then wakes the
// loop stays counted until wakeDone(), so the owner's destructor can wait for
// its write (waitForWakers) before it closes what the write goes to.
#pragma once

#include <twisted/export.h>

#include <atomic>
#include <cstddef>
#include <mutex>

#include <twisted/python/detail/unique_function.h>

namespace twisted::internet::detail {

class TWISTED_API ThreadCallQueue {
 public:
  ThreadCallQueue() = default;
  ThreadCallQueue(const ThreadCallQueue&) = delete;
  ThreadCallQueue& operator=(const ThreadCallQueue&) = delete;
  /// Destroys the calls never run and every block.
  ~ThreadCallQueue();

  /// Any thread: appends `f`. Returns true if the queue was empty (the
  /// caller then wakes the loop: one wake-up per batch).
  /// @throws std::bad_alloc if a new block is needed and cannot be made;
  ///         nothing has changed then.
  /// With `claimWake`, a true return also counts the caller as a waker
  /// until it calls wakeDone(): the loop may run the call (and the owner be
  /// destroyed) before the caller's wake-up returns.
  bool push(python::detail::UniqueFunction&& f, bool claimWake = false);
  /// The caller of a claiming push() that returned true has woken the loop.
  void wakeDone() noexcept { wakers_.fetch_sub(1, std::memory_order_release); }
  /// Waits until no claimed wake-up is in progress (call after
  /// discardQueued(), whose lock orders it after every push before it).
  void waitForWakers() const noexcept;

  /// Any thread: true if calls are queued (acquire: the calls are visible).
  bool queued() const noexcept { return queued_.load(std::memory_order_acquire); }

  /// The loop thread: runs the calls queued now, in order (an exception is
  /// logged, "Unhandled error in a thread call"); calls they queue wait for
  /// the next runQueued. Reentrant: a nested runQueued takes only what was
  /// queued since the outer one began.
  void runQueued();

  /// Destroys the calls queued now without running them.
  void discardQueued() noexcept;

 private:
  struct ThreadCallBlock;
  ThreadCallBlock* takeThreadCalls() noexcept;
  void recycleThreadCallBlocks(ThreadCallBlock* blocks) noexcept;
  static void destroyThreadCallBlocks(ThreadCallBlock* blocks) noexcept;

  std::mutex threadCallLock_;
  ThreadCallBlock* threadCallHead_ = nullptr;  // guarded by threadCallLock_
  ThreadCallBlock* threadCallTail_ = nullptr;  // guarded by threadCallLock_
  ThreadCallBlock* freeBlocks_ = nullptr;      // guarded by threadCallLock_
  std::size_t freeBlockCount_ = 0;             // guarded by threadCallLock_
  std::atomic<bool> queued_{false};
  std::atomic<int> wakers_{0};  // claimed wake-ups in progress
};

}  // namespace twisted::internet::detail
