// The callFromThread queue. Test: tests/internet/test_reactor.cpp
//
// A FIFO of blocks, each holding up to kSlots calls constructed in place.
// push appends under threadCallLock_ (a fresh block every kSlots calls, taken
// from the free list); runQueued detaches the whole list under the lock, runs
// and destroys the calls outside it, and gives the blocks back to the free
// list. No call is ever moved after it is queued, and a busy reactor
// allocates nothing once it has as many blocks as its largest batch needs
// (up to kMaxFreeBlocks are kept).
#include <twisted/internet/detail/thread_call_queue.h>

#include <new>
#include <thread>
#include <utility>

#include <twisted/python/failure.h>
#include <twisted/python/log.h>

namespace twisted::internet::detail {

using python::detail::UniqueFunction;

struct ThreadCallQueue::ThreadCallBlock {
  static constexpr std::size_t kSlots = 256;  // 16 KiB of 64-byte UniqueFunctions
  union Slot {
    Slot() noexcept {}
    ~Slot() {}
    UniqueFunction f;  // constructed for indices below `count`
  };
  ThreadCallBlock* next = nullptr;
  std::size_t count = 0;
  Slot slots[kSlots];
};

namespace {
// Free blocks kept for reuse: 16 MiB, a batch of 256k calls. Beyond that a
// burst's blocks go back to malloc.
constexpr std::size_t kMaxFreeBlocks = 1024;
}  // namespace

ThreadCallQueue::~ThreadCallQueue() {
  discardQueued();
  destroyThreadCallBlocks(freeBlocks_);
  freeBlocks_ = nullptr;
  freeBlockCount_ = 0;
}

bool ThreadCallQueue::push(UniqueFunction&& f, bool claimWake) {
  std::lock_guard<std::mutex> lock(threadCallLock_);
  const bool wasEmpty = threadCallHead_ == nullptr;
  ThreadCallBlock* tail = threadCallTail_;
  if (!tail || tail->count == ThreadCallBlock::kSlots) {
    ThreadCallBlock* b = freeBlocks_;
    if (b) {
      freeBlocks_ = b->next;
      --freeBlockCount_;
      b->next = nullptr;
    } else {
      b = new ThreadCallBlock;  // may throw: nothing has changed yet
    }
    if (tail)
      tail->next = b;
    else
      threadCallHead_ = b;
    threadCallTail_ = tail = b;
  }
  ::new (static_cast<void*>(&tail->slots[tail->count].f)) UniqueFunction(std::move(f));
  ++tail->count;
  queued_.store(true, std::memory_order_release);
  // Under the lock: whoever takes this call (and may then destroy the owner)
  // sees the count already raised.
  if (wasEmpty && claimWake) wakers_.fetch_add(1, std::memory_order_relaxed);
  return wasEmpty;
}

ThreadCallQueue::ThreadCallBlock* ThreadCallQueue::takeThreadCalls() noexcept {
  std::lock_guard<std::mutex> lock(threadCallLock_);
  ThreadCallBlock* blocks = threadCallHead_;
  threadCallHead_ = threadCallTail_ = nullptr;
  queued_.store(false, std::memory_order_relaxed);
  return blocks;
}

void ThreadCallQueue::recycleThreadCallBlocks(ThreadCallBlock* blocks) noexcept {
  ThreadCallBlock* excess = nullptr;
  {
    std::lock_guard<std::mutex> lock(threadCallLock_);
    while (blocks) {
      ThreadCallBlock* b = blocks;
      blocks = b->next;
      b->count = 0;
      if (freeBlockCount_ < kMaxFreeBlocks) {
        b->next = freeBlocks_;
        freeBlocks_ = b;
        ++freeBlockCount_;
      } else {
        b->next = excess;
        excess = b;
      }
    }
  }
  destroyThreadCallBlocks(excess);
}

void ThreadCallQueue::destroyThreadCallBlocks(ThreadCallBlock* blocks) noexcept {
  while (blocks) {
    ThreadCallBlock* b = blocks;
    blocks = b->next;
    for (std::size_t i = 0; i < b->count; ++i)
      b->slots[i].f.~UniqueFunction();
    delete b;
  }
}

void ThreadCallQueue::runQueued() {
  if (!queued()) return;
  // Only the calls present now run; calls they queue go to new blocks and wait
  // for the next iteration (no starvation), as in Twisted. The detached
  // blocks belong to this function alone (a nested iterate() from a call
  // takes only what was queued since).
  ThreadCallBlock* batch = takeThreadCalls();
  for (ThreadCallBlock* b = batch; b; b = b->next) {
    for (std::size_t i = 0; i < b->count; ++i) {
      UniqueFunction& f = b->slots[i].f;
      // An exception is logged and never escapes the loop.
      try {
        f();
      } catch (...) {
        python::log::err(python::Failure(std::current_exception()),
                         "Unhandled error in a thread call");
      }
      f.~UniqueFunction();
    }
    b->count = 0;
  }
  recycleThreadCallBlocks(batch);
}

void ThreadCallQueue::discardQueued() noexcept {
  destroyThreadCallBlocks(takeThreadCalls());
}

void ThreadCallQueue::waitForWakers() const noexcept {
  while (wakers_.load(std::memory_order_acquire) != 0)
    std::this_thread::yield();
}

}  // namespace twisted::internet::detail
