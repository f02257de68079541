// The operations table of a type-erased callable kept in a small buffer
// (in place) or behind a pointer in it (on the heap). One table for every
// such callable in the library: UniqueFunction (`void()`: the reactor's
// queues) and the Deferred callback entries (`void(DeferredState&)`).
#pragma once

#include <utility>

namespace twisted::python::detail {

template <class... Args>
struct ErasedOps {
  /// Calls the callable stored at `self`.
  void (*call)(void* self, Args... args);
  /// Moves the callable from one buffer to another, destroying the source.
  /// Null: relocatable with memcpy (trivially copyable callables).
  void (*move)(void* from, void* to) noexcept;
  /// Destroys the callable. Null: nothing to destroy.
  void (*destroy)(void* self) noexcept;

  /// For a callable `D` constructed in the buffer.
  template <class D>
  static constexpr ErasedOps kInPlace{
      [](void* p, Args... a) { (*static_cast<D*>(p))(std::forward<Args>(a)...); },
      [](void* from, void* to) noexcept {
        ::new (to) D(std::move(*static_cast<D*>(from)));
        static_cast<D*>(from)->~D();
      },
      [](void* p) noexcept { static_cast<D*>(p)->~D(); }};
  /// For a trivially copyable `D` constructed in the buffer: memcpy to move,
  /// nothing to destroy.
  template <class D>
  static constexpr ErasedOps kTrivial{
      [](void* p, Args... a) { (*static_cast<D*>(p))(std::forward<Args>(a)...); }, nullptr,
      nullptr};
  /// For a callable `D` allocated with new, its pointer in the buffer.
  template <class D>
  static constexpr ErasedOps kHeap{
      [](void* p, Args... a) { (**static_cast<D**>(p))(std::forward<Args>(a)...); },
      [](void* from, void* to) noexcept { *static_cast<D**>(to) = *static_cast<D**>(from); },
      [](void* p) noexcept { delete *static_cast<D**>(p); }};
};

}  // namespace twisted::python::detail
