// A move-only `void()` callable with small-buffer storage. std::function needs
// copyable targets and std::move_only_function is C++23; the reactor's queues
// (thread calls, triggers) need neither copies nor, for small lambdas, a heap
// allocation per call.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

#include <twisted/python/detail/erased_ops.h>

namespace twisted::python::detail {

class TWISTED_API UniqueFunction {
 public:
  UniqueFunction() noexcept = default;
  UniqueFunction(std::nullptr_t) noexcept {}

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, UniqueFunction> && std::is_invocable_v<D&>>>
  UniqueFunction(F&& f) {  // NOLINT: implicit like std::function
    if constexpr (sizeof(D) <= kInline && alignof(D) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      ops_ = &Ops::template kInPlace<D>;
    } else {
      *reinterpret_cast<D**>(buf_) = new D(std::forward<F>(f));
      ops_ = &Ops::template kHeap<D>;
    }
  }

  UniqueFunction(UniqueFunction&& o) noexcept : ops_(o.ops_) {
    if (ops_) {
      ops_->move(o.buf_, buf_);
      o.ops_ = nullptr;
    }
  }
  UniqueFunction& operator=(UniqueFunction&& o) noexcept {
    if (this != &o) {
      reset();
      ops_ = o.ops_;
      if (ops_) {
        ops_->move(o.buf_, buf_);
        o.ops_ = nullptr;
      }
    }
    return *this;
  }
  UniqueFunction(const UniqueFunction&) = delete;
  UniqueFunction& operator=(const UniqueFunction&) = delete;
  ~UniqueFunction() { reset(); }

  void reset() noexcept {
    if (ops_) {
      ops_->destroy(buf_);
      ops_ = nullptr;
    }
  }
  explicit operator bool() const noexcept { return ops_ != nullptr; }
  void operator()() { ops_->call(buf_); }

 private:
  static constexpr std::size_t kInline = 48;
  // In-place and heap tables only: move and destroy are never null here.
  using Ops = ErasedOps<>;

  alignas(std::max_align_t) unsigned char buf_[kInline];
  const Ops* ops_ = nullptr;
};

/// Binds f and copies of args into one move-only nullary callable, the way
/// Twisted stores `f, *args` for callLater/callFromThread.
template <class F, class... A>
auto bindCall(F&& f, A&&... a) {
  return [fn = std::forward<F>(f), ... args = std::forward<A>(a)]() mutable {
    std::invoke(fn, args...);
  };
}

}  // namespace twisted::python::detail
