// The pending-call heap shared by the reactors and task::Clock.
//
// Each scheduled call is one heap-allocated TimerEntry holding the function
// (one allocation per callLater). The heap is 8-ary (children of node i are
// 8i+1 ... 8i+8): a third of a binary heap's depth, so a sift moves a third
// as many nodes, and each move is one write into a randomly placed entry
// (its heap index), the cache miss that dominates with many pending calls
// (docs/benchmarks.md has the measurements of 2-, 4- and 8-ary). The heap
// stores {time, seq, entry} by value so choosing a child compares without
// touching the entries; each entry knows its heap index, so cancel() removes
// it in O(log n) at once instead of leaving a tombstone (bounded memory with a
// million cancelled calls). `seq` breaks ties: calls due at the same time run
// in scheduling order.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

namespace twisted::internet::detail {

class TimerQueue;

/// One scheduled call. Reference-counted (loop thread only): the queue holds
/// one reference while pending, each DelayedCall handle one more.
struct TWISTED_API TimerEntry {
  enum class State : std::uint8_t { kPending, kCalled, kCancelled };
  static constexpr std::uint32_t kNotQueued = static_cast<std::uint32_t>(-1);

  virtual ~TimerEntry() = default;
  // Entries of up to 64 bytes come from per-thread chunks (src/internet/
  // timer_entry_pool.cpp): a callLater costs no malloc, and entries stay in
  // address order however calls fire. `delete` passes the size of the most
  // derived entry (the destructor is virtual).
  static void* operator new(std::size_t size);
  static void operator delete(void* ptr, std::size_t size) noexcept;
  static void* operator new(std::size_t size, std::align_val_t align);
  static void operator delete(void* ptr, std::size_t size, std::align_val_t align) noexcept;
  /// Calls the function. Only valid while it has not been released.
  virtual void invoke() = 0;
  /// Destroys the function and its captures (after the call, or on cancel),
  /// as Twisted drops `func, args` so they can be collected early.
  virtual void release() noexcept = 0;

  // Laid out for size: with a pointer-sized function the whole entry is 56
  // bytes, one 64-byte malloc chunk (a million pending calls are a million
  // entries, and each pop touches a few of them).
  double time = 0;
  std::uint64_t seq = 0;
  TimerQueue* queue = nullptr;           // the owner while pending; null otherwise
  std::uint32_t heapIndex = kNotQueued;  // (4 billion pending calls is enough)
  std::uint32_t refs = 0;
  State state = State::kPending;
  bool released = false;  // the function was destroyed (TimerEntryFn)
};

template <class F>
struct TimerEntryFn final : TimerEntry {
  explicit TimerEntryFn(F&& f) { new (&fn) F(std::move(f)); }
  ~TimerEntryFn() override { release(); }
  void invoke() override { fn(); }
  void release() noexcept override {
    if (!released) {
      released = true;
      fn.~F();
    }
  }
  union {  // destroyed by release(), not by the union
    F fn;
  };
};

inline void retain(TimerEntry* e) noexcept {
  ++e->refs;
}
inline void unref(TimerEntry* e) noexcept {
  if (--e->refs == 0) delete e;
}

/// Where reset()/delay() puts a call it moved to a time other calls are
/// also due at. A call whose time does not change keeps its place.
enum class MovedCallOrder : std::uint8_t {
  /// After them, either way: Twisted's reactor (a call moved sooner is sifted
  /// up past strictly later calls only; one moved later is pushed again
  /// when its old time comes).
  kAfterTies,
  /// Before them if moved later, after them if moved sooner: task.Clock,
  /// whose stable sort keeps a call's place relative to calls it did not pass.
  kKeepListOrder,
};

/// An 8-ary min-heap of TimerEntry ordered by (time, seq).
class TWISTED_API TimerQueue {
 public:
  explicit TimerQueue(MovedCallOrder order = MovedCallOrder::kAfterTies) : order_(order) {}
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  /// Pending entries become cancelled and detached: handles stay valid.
  virtual ~TimerQueue();

  /// The clock this queue's due times are measured against.
  virtual double now() const = 0;

  /// Adds a new entry due at `time`; the queue takes a reference.
  void push(TimerEntry* e, double time);
  /// Removes a queued entry and drops the queue's reference.
  void remove(TimerEntry* e) noexcept;
  /// Moves a queued entry to `time` (reset, delay); see MovedCallOrder.
  void move(TimerEntry* e, double time);
  /// Removes the earliest entry; the queue's reference passes to the caller.
  TimerEntry* pop() noexcept;

  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  /// Earliest entry (time, seq). Precondition: !empty().
  double topTime() const noexcept { return heap_.front().time; }
  std::uint64_t topSeq() const noexcept { return heap_.front().seq; }
  /// The sequence number the next scheduled call will get.
  std::uint64_t nextSeq() const noexcept { return nextSeq_; }
  /// Visits every pending entry (heap order, not time order).
  template <class V>
  void forEach(V&& visit) const {
    for (const Node& n : heap_)
      visit(n.entry);
  }

 private:
  struct Node {
    double time;
    std::uint64_t seq;
    TimerEntry* entry;
  };
  // The heap's storage: what it needs of std::vector, grown with realloc. A
  // large block grows by having its pages remapped (mremap) instead of
  // copied into freshly faulted ones, and from 4 MiB on it asks for
  // transparent huge pages (a pop walks random paths through it).
  class NodeArray {
   public:
    NodeArray() = default;
    NodeArray(const NodeArray&) = delete;
    NodeArray& operator=(const NodeArray&) = delete;
    ~NodeArray() { std::free(data_); }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }
    Node& operator[](std::size_t i) noexcept { return data_[i]; }
    const Node& operator[](std::size_t i) const noexcept { return data_[i]; }
    const Node& front() const noexcept { return data_[0]; }
    const Node& back() const noexcept { return data_[size_ - 1]; }
    void push_back(const Node& n) {
      if (size_ == capacity_) grow();
      data_[size_++] = n;
    }
    void pop_back() noexcept { --size_; }
    const Node* begin() const noexcept { return data_; }
    const Node* end() const noexcept { return data_ + size_; }

   private:
    void grow();  // @throws std::bad_alloc
    Node* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
  };
  static bool before(const Node& a, const Node& b) noexcept {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
  void siftUp(std::size_t i) noexcept;
  void siftDown(std::size_t i) noexcept;
  void place(std::size_t i, const Node& n) noexcept {
    heap_[i] = n;
    n.entry->heapIndex = static_cast<std::uint32_t>(i);
  }

  static constexpr std::size_t kArity = 8;  // children per node
  // Sequence numbers grow up from the middle of the range; calls moved to
  // the front of their ties (kKeepListOrder) take numbers below, growing down.
  static constexpr std::uint64_t kFirstSeq = std::uint64_t{1} << 63;
  NodeArray heap_;
  std::uint64_t nextSeq_ = kFirstSeq;
  std::uint64_t frontSeq_ = kFirstSeq - 1;
  MovedCallOrder order_;
};

}  // namespace twisted::internet::detail
