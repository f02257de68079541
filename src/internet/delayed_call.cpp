// DelayedCall and the timer heap. Test: tests/internet/test_delayed_call.cpp
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/error.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <type_traits>

namespace twisted::internet {
namespace detail {

TimerQueue::~TimerQueue() {
  for (const Node& n : heap_) {
    TimerEntry* e = n.entry;
    e->state = TimerEntry::State::kCancelled;
    e->queue = nullptr;
    e->heapIndex = TimerEntry::kNotQueued;
    e->release();
    unref(e);
  }
}

void TimerQueue::push(TimerEntry* e, double time) {
  e->time = time;
  e->seq = nextSeq_++;
  e->queue = this;
  retain(e);
  heap_.push_back(Node{time, e->seq, e});
  e->heapIndex = static_cast<std::uint32_t>(heap_.size() - 1);
  siftUp(heap_.size() - 1);
}

void TimerQueue::remove(TimerEntry* e) noexcept {
  std::size_t i = e->heapIndex;
  Node last = heap_.back();
  heap_.pop_back();
  if (i < heap_.size()) {
    place(i, last);
    siftDown(i);
    siftUp(last.entry->heapIndex);
  }
  e->heapIndex = TimerEntry::kNotQueued;
  e->queue = nullptr;
  unref(e);
}

void TimerQueue::move(TimerEntry* e, double time) {
  // Not moved: it keeps its place among calls due at the same time (Twisted
  // gives ['a', 'b'] for a.reset() to a's own time, on the reactor and Clock).
  if (time == e->time) return;
  const bool later = time > e->time;
  e->time = time;
  e->seq = later && order_ == MovedCallOrder::kKeepListOrder ? frontSeq_-- : nextSeq_++;
  Node& n = heap_[e->heapIndex];
  n.time = e->time;
  n.seq = e->seq;
  std::size_t i = e->heapIndex;
  siftUp(i);
  siftDown(e->heapIndex);
}

TimerEntry* TimerQueue::pop() noexcept {
  TimerEntry* e = heap_.front().entry;
  Node last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) {
    place(0, last);
    siftDown(0);
  }
  e->heapIndex = TimerEntry::kNotQueued;
  e->queue = nullptr;
  return e;
}

void TimerQueue::siftUp(std::size_t i) noexcept {
  Node n = heap_[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / kArity;
    if (!before(n, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, n);
}

void TimerQueue::siftDown(std::size_t i) noexcept {
  const std::size_t size = heap_.size();
  Node n = heap_[i];
  for (;;) {
    // The children of i are kArity * i + 1 ... kArity * i + kArity.
    const std::size_t first = kArity * i + 1;
    if (first >= size) break;
    const std::size_t end = std::min(first + kArity, size);
    std::size_t best = first;
    for (std::size_t c = first + 1; c < end; ++c)
      if (before(heap_[c], heap_[best])) best = c;
    if (!before(heap_[best], n)) break;
    place(i, heap_[best]);
    i = best;
  }
  place(i, n);
}

void TimerQueue::NodeArray::grow() {
  static_assert(std::is_trivially_copyable_v<Node>);
  const std::size_t capacity = capacity_ ? 2 * capacity_ : 64;
  void* p = std::realloc(data_, capacity * sizeof(Node));
  if (!p) throw std::bad_alloc();
  data_ = static_cast<Node*>(p);
  capacity_ = capacity;
  constexpr std::size_t kHuge = 2 * 1024 * 1024;
  const std::size_t bytes = capacity * sizeof(Node);
  if (bytes >= 2 * kHuge) {
    // The whole 2 MiB pages inside the block; a hint the kernel may refuse.
    const auto from = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
    const auto to = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHuge - 1);
    if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
  }
}

}  // namespace detail

void DelayedCall::checkPending() const {
  using State = detail::TimerEntry::State;
  if (e_->state == State::kCancelled) throw error::AlreadyCancelled();
  if (e_->state == State::kCalled) throw error::AlreadyCalled();
}

void DelayedCall::cancel() {
  checkPending();
  e_->state = detail::TimerEntry::State::kCancelled;
  e_->release();
  if (e_->queue) e_->queue->remove(e_);
}

void DelayedCall::delay(double secondsLater) {
  checkPending();
  if (e_->queue)
    e_->queue->move(e_, e_->time + secondsLater);
  else
    e_->time += secondsLater;
}

void DelayedCall::reset(double secondsFromNow) {
  checkPending();
  if (!e_->queue) return;
  e_->queue->move(e_, e_->queue->now() + secondsFromNow);
}

}  // namespace twisted::internet
