// Memory for TimerEntry objects (include/twisted/internet/detail/timer_queue.h).
//
// Every callLater allocates one entry and every fired or cancelled call frees
// one, so a busy loop turns over millions of them. Entries of up to kSlot
// bytes come from 256 KiB chunks owned by one thread each, with a bitmap of
// free slots. A thread takes slots in address order (the lowest free bit from
// a cursor), so after a million calls fired in heap order the next million
// are still laid out one after the other: a LIFO free list would hand them
// back scattered, a cache and TLB miss per callLater. Chunks are carved from
// 2 MiB blocks; every block after a thread's first asks for a transparent huge
// page (one TLB entry for 32,768 entries, one page fault instead of 512).
//
// Threads: the owner sets and clears its chunks' bits without atomics. An
// entry freed by another thread (a DelayedCall handle dropped elsewhere,
// after the synchronisation the entry's reference count already needs) goes
// to that thread's own list of foreign slots, reused by its next calls. A
// thread that exits leaves its chunks and foreign slots to the next thread
// that runs out. Memory is kept, not returned: the pool is as large as the
// most entries a thread had alive at once.
//
// Under AddressSanitizer every entry is an ordinary allocation, so a use
// after free is still reported. Tests: tests/internet/test_timer_entry_pool.cpp.
#include <twisted/internet/detail/timer_queue.h>

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define TWISTED_TIMER_POOL 0
#else
#define TWISTED_TIMER_POOL 1
#endif

namespace twisted::internet::detail {

#if TWISTED_TIMER_POOL
namespace {

constexpr std::size_t kSlot = 64;  // one cache line: entries never share one
constexpr std::size_t kChunk = 256 * 1024;
constexpr std::size_t kBlock = 2 * 1024 * 1024;
constexpr std::size_t kSlots = kChunk / kSlot;  // 4096
constexpr std::size_t kWords = kSlots / 64;

struct ThreadPool;

// At a kChunk-aligned address; the header takes the first slots.
struct Chunk {
  std::atomic<ThreadPool*> owner;  // null once its thread exited (until adopted)
  Chunk* nextOrphan;               // in Orphans::chunks (under its lock)
  std::uint32_t freeCount;         // owner only, as the bits
  std::uint32_t cursor;            // the word the next search starts at
  std::uint64_t bits[kWords];      // 1 = free
};
constexpr std::size_t kHeaderSlots = (sizeof(Chunk) + kSlot - 1) / kSlot;

Chunk* chunkOf(void* p) noexcept {
  return reinterpret_cast<Chunk*>(reinterpret_cast<std::uintptr_t>(p) & ~(kChunk - 1));
}

struct FreeSlot {
  FreeSlot* next;
};

// What threads left behind when they exited. Both lists are intrusive, so a
// thread's exit (a destructor) allocates nothing.
struct Orphans {
  std::mutex lock;
  Chunk* chunks = nullptr;
  FreeSlot* slots = nullptr;

  void push(Chunk* c) noexcept {
    c->nextOrphan = chunks;
    chunks = c;
  }
};
Orphans& orphans() {
  static Orphans* o = new Orphans;  // never destroyed: threads may exit after main
  return *o;
}

struct ThreadPool {
  std::vector<Chunk*> chunks;   // owned, in address order
  std::size_t current = 0;      // the chunk slots are taken from
  FreeSlot* foreign = nullptr;  // slots of other threads' chunks freed here
  char* blockNext = nullptr;    // the unused rest of the newest 2 MiB block
  char* blockEnd = nullptr;
  std::size_t blocks = 0;
  bool dead = false;  // destroyed (entries may still be freed at thread exit)

  ~ThreadPool() {
    Orphans& o = orphans();
    std::lock_guard<std::mutex> g(o.lock);
    for (Chunk* c : chunks) {
      c->owner.store(nullptr, std::memory_order_relaxed);
      o.push(c);
    }
    chunks.clear();
    // Unused chunks of the newest block become orphans too.
    for (; blockNext != blockEnd; blockNext += kChunk)
      o.push(initChunk(blockNext, nullptr));
    while (FreeSlot* s = foreign) {
      foreign = s->next;
      s->next = o.slots;
      o.slots = s;
    }
    dead = true;
  }

  static Chunk* initChunk(void* at, ThreadPool* owner) noexcept {
    auto* c = new (at) Chunk;
    c->owner.store(owner, std::memory_order_relaxed);
    c->nextOrphan = nullptr;
    c->freeCount = static_cast<std::uint32_t>(kSlots - kHeaderSlots);
    c->cursor = 0;
    for (std::uint64_t& w : c->bits)
      w = ~std::uint64_t{0};
    for (std::size_t i = 0; i < kHeaderSlots; ++i)
      c->bits[i / 64] &= ~(std::uint64_t{1} << (i % 64));
    return c;
  }

  // The lowest free slot of `c` from its cursor on (c->freeCount > 0).
  static void* take(Chunk* c) noexcept {
    for (std::uint32_t w = c->cursor;; w = (w + 1) % kWords) {
      if (std::uint64_t bits = c->bits[w]) {
        const int b = std::countr_zero(bits);
        c->bits[w] = bits & (bits - 1);
        --c->freeCount;
        c->cursor = w;
        return reinterpret_cast<char*>(c) + (w * 64 + static_cast<std::size_t>(b)) * kSlot;
      }
    }
  }

  void* allocate() {
    if (FreeSlot* s = foreign) [[unlikely]] {
      foreign = s->next;
      return s;
    }
    if (!chunks.empty()) {
      Chunk* c = chunks[current];
      if (c->freeCount != 0) [[likely]]
        return take(c);
      // The next chunk with a free slot, in order.
      for (std::size_t i = 1; i < chunks.size(); ++i) {
        const std::size_t k = (current + i) % chunks.size();
        if (chunks[k]->freeCount != 0) {
          current = k;
          return take(chunks[k]);
        }
      }
    }
    return allocateSlow();
  }

  void* allocateSlow() {
    {
      Orphans& o = orphans();
      std::lock_guard<std::mutex> g(o.lock);
      if (dead) {
        // At thread exit, after this pool was destroyed: a slot from what
        // threads left, or a chunk nobody owns.
        if (!o.slots) {
          // One chunk's slots; the block's other chunks wait for a thread
          // to adopt them.
          char* block = static_cast<char*>(newBlock());
          for (std::size_t off = kChunk; off != kBlock; off += kChunk)
            o.push(initChunk(block + off, nullptr));
          Chunk* c = initChunk(block, nullptr);
          while (c->freeCount != 0)
            o.slots = new (take(c)) FreeSlot{o.slots};
        }
        FreeSlot* s = o.slots;
        o.slots = s->next;
        return s;
      }
      if (o.slots) {  // take them all
        foreign = o.slots->next;
        void* s = o.slots;
        o.slots = nullptr;
        return s;
      }
      while (Chunk* c = o.chunks) {
        chunks.reserve(chunks.size() + 1);  // before taking it: addChunk cannot throw
        o.chunks = c->nextOrphan;
        c->owner.store(this, std::memory_order_relaxed);
        c->cursor = 0;
        const std::size_t k = addChunk(c);
        if (c->freeCount != 0) {
          current = k;
          return take(c);
        }
      }
    }
    if (blockNext == blockEnd) {
      void* block = newBlock();
      // A thread's first block stays on small pages: a program with a few
      // timers should not pay 2 MiB of memory for them.
      if (blocks++ != 0) ::madvise(block, kBlock, MADV_HUGEPAGE);  // a hint; may be refused
      blockNext = static_cast<char*>(block);
      blockEnd = blockNext + kBlock;
    }
    chunks.reserve(chunks.size() + 1);
    Chunk* c = initChunk(blockNext, this);
    blockNext += kChunk;
    current = addChunk(c);
    return take(c);
  }

  // Keeps `chunks` in address order, so slots are taken in address order
  // across chunks too; returns c's index.
  std::size_t addChunk(Chunk* c) {
    const auto at = chunks.insert(std::upper_bound(chunks.begin(), chunks.end(), c), c);
    return static_cast<std::size_t>(at - chunks.begin());
  }

  static void* newBlock() {
    void* block = std::aligned_alloc(kBlock, kBlock);
    if (!block) throw std::bad_alloc();
    return block;
  }

  void free(void* p) noexcept {
    Chunk* c = chunkOf(p);
    // (Once this pool is destroyed no chunk names it as owner.)
    if (c->owner.load(std::memory_order_relaxed) == this) [[likely]] {
      const std::size_t i = (static_cast<char*>(p) - reinterpret_cast<char*>(c)) / kSlot;
      c->bits[i / 64] |= std::uint64_t{1} << (i % 64);
      ++c->freeCount;
      // The search starts at the lowest word with a free slot.
      c->cursor = std::min(c->cursor, static_cast<std::uint32_t>(i / 64));
      return;
    }
    if (dead) [[unlikely]] {
      Orphans& o = orphans();
      std::lock_guard<std::mutex> g(o.lock);
      o.slots = new (p) FreeSlot{o.slots};
      return;
    }
    foreign = new (p) FreeSlot{foreign};
  }
};

thread_local ThreadPool t_pool;

}  // namespace

void* TimerEntry::operator new(std::size_t size) {
  if (size > kSlot) return ::operator new(size);
  return t_pool.allocate();
}

void TimerEntry::operator delete(void* ptr, std::size_t size) noexcept {
  if (size > kSlot) {
    ::operator delete(ptr);
    return;
  }
  t_pool.free(ptr);
}

#else  // AddressSanitizer: ordinary allocations

void* TimerEntry::operator new(std::size_t size) {
  return ::operator new(size);
}

void TimerEntry::operator delete(void* ptr, std::size_t) noexcept {
  ::operator delete(ptr);
}

#endif

// Over-aligned entries (a function with alignas above 16) bypass the pool.
void* TimerEntry::operator new(std::size_t size, std::align_val_t align) {
  return ::operator new(size, align);
}

void TimerEntry::operator delete(void* ptr, std::size_t, std::align_val_t align) noexcept {
  ::operator delete(ptr, align);
}

}  // namespace twisted::internet::detail
