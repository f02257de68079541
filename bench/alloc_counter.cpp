// alloc_counter.cpp - see alloc_counter.h.
#include "alloc_counter.h"

#include <cstddef>
#include <cstdlib>
#include <new>

namespace twisted_bench {
bool g_countAllocs = false;
AllocCounters g_allocs;
}  // namespace twisted_bench

namespace {

using twisted_bench::g_allocs;
using twisted_bench::g_countAllocs;

// Not inlined: the replaced operators behave as the library's out-of-line ones (and
// GCC 12's -Wuse-after-free misreads an inlined free() behind a refcount).
[[gnu::noinline]] void* countedAlloc(std::size_t size, std::size_t align) {
  if (g_countAllocs) {
    ++g_allocs.news;
    g_allocs.bytes += size;
  }
  if (size == 0) size = 1;
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(size)
                : std::aligned_alloc(align, (size + align - 1) / align * align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

[[gnu::noinline]] void countedFree(void* p) noexcept {
  if (p == nullptr) return;
  if (g_countAllocs) ++g_allocs.deletes;
  std::free(p);
}

}  // namespace

void* operator new(std::size_t n) {
  return countedAlloc(n, 0);
}
void* operator new[](std::size_t n) {
  return countedAlloc(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return countedAlloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return countedAlloc(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return countedAlloc(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return countedAlloc(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return countedAlloc(n, static_cast<std::size_t>(a));
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return countedAlloc(n, static_cast<std::size_t>(a));
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept {
  countedFree(p);
}
void operator delete[](void* p) noexcept {
  countedFree(p);
}
void operator delete(void* p, std::size_t) noexcept {
  countedFree(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  countedFree(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  countedFree(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  countedFree(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  countedFree(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  countedFree(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  countedFree(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  countedFree(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  countedFree(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  countedFree(p);
}
