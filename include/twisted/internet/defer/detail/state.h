// The untyped engine behind Deferred<T>: one heap object per Deferred that
// holds the current result (type-erased, stored inline when small), the
// callback queue (three entries inline) and the flags of Twisted's Deferred.
//
// One allocation per Deferred: a Deferred with up to three callbacks whose
// callables fit in kEntryInline bytes and whose results fit in kValueInline
// bytes allocates nothing else.
//
// Not thread-safe, like Twisted's Deferred: use it from one thread (the
// reactor's), and hand results across threads with callFromThread.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <twisted/python/detail/erased_ops.h>
#include <twisted/python/detail/unique_function.h>
#include <twisted/python/failure.h>

namespace twisted::internet::defer {
template <class T>
class Deferred;
}

namespace twisted::internet::defer::detail {

class DeferredState;
using python::Failure;

/// Identifies a result type. typeid works for void and needs no registry.
using TypeTag = const std::type_info*;
template <class T>
TypeTag typeTag() noexcept {
  return &typeid(T);
}
/// Readable name of a tag ("int", "std::string", "void").
TWISTED_API std::string typeName(TypeTag tag);

/// Intrusive, non-atomic reference to a DeferredState.
class TWISTED_API StatePtr {
 public:
  StatePtr() noexcept = default;
  /// Adopts a reference the caller already owns.
  static StatePtr adopt(DeferredState* s) noexcept {
    StatePtr p;
    p.s_ = s;
    return p;
  }
  /// Takes a new reference.
  explicit StatePtr(DeferredState* s) noexcept;
  StatePtr(const StatePtr& o) noexcept;
  StatePtr(StatePtr&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  StatePtr& operator=(StatePtr o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~StatePtr();
  DeferredState* get() const noexcept { return s_; }
  DeferredState* operator->() const noexcept { return s_; }
  DeferredState& operator*() const noexcept { return *s_; }
  explicit operator bool() const noexcept { return s_ != nullptr; }
  /// Gives up the reference without dropping it.
  DeferredState* release() noexcept { return std::exchange(s_, nullptr); }

 private:
  DeferredState* s_ = nullptr;
};

/// The current result of a Deferred: nothing yet, a value of the chain's
/// current type (void included), a Failure, or (transiently, while the
/// callback loop decides what to do) a Deferred returned by a callback.
class TWISTED_API Result {
 public:
  enum class Kind : std::uint8_t { Empty, Value, Failure, Deferred };
  static constexpr std::size_t kValueInline = 32;
  template <class T>
  static constexpr bool kInline = sizeof(T) <= kValueInline &&
                                  alignof(T) <= 16 && std::is_nothrow_move_constructible_v<T>;

  Result() noexcept = default;
  Result(Result&& o) noexcept { moveFrom(o); }
  Result& operator=(Result&& o) noexcept {
    if (this != &o) {
      reset();
      moveFrom(o);
    }
    return *this;
  }
  ~Result() { reset(); }

  Kind kind() const noexcept { return kind_; }
  bool empty() const noexcept { return kind_ == Kind::Empty; }
  bool isFailure() const noexcept { return kind_ == Kind::Failure; }
  bool isDeferred() const noexcept { return kind_ == Kind::Deferred; }

  template <class T, class... A>
  void emplace(A&&... a) {
    reset();
    if constexpr (std::is_void_v<T>) {
      static_cast<void>(sizeof...(a));
    } else if constexpr (kInline<T>) {
      ::new (static_cast<void*>(buf_)) T(std::forward<A>(a)...);
    } else {
      *reinterpret_cast<T**>(buf_) = new T(std::forward<A>(a)...);
    }
    ops_ = opsFor<T>();
    kind_ = Kind::Value;
  }
  void setVoid() noexcept {
    reset();
    ops_ = &kVoidOps;
    kind_ = Kind::Value;
  }
  /// True if the result is a value of type T (void included).
  template <class T>
  bool holds() const noexcept {
    return kind_ == Kind::Value && (ops_ == opsFor<T>() || sameType(typeTag<T>()));
  }
  /// The value as a T. The chain's type checks make a mismatch impossible
  /// through the public API; this check makes it an error, never a read.
  /// @throws DeferredTypeError if the result is not a T (empty, a Failure,
  /// void or another type).
  template <class T>
  T& value() {
    if (kind_ != Kind::Value || ops_ != opsFor<T>()) checkSlow(typeTag<T>());
    if constexpr (kInline<T>)
      return *std::launder(reinterpret_cast<T*>(buf_));
    else
      return **reinterpret_cast<T**>(buf_);
  }
  /// Moves the value out and leaves the result empty.
  /// @throws DeferredTypeError as value() does.
  template <class T>
  T take() {
    if constexpr (std::is_void_v<T>) {
      if (kind_ != Kind::Value || ops_ != &kVoidOps) checkSlow(typeTag<void>());
      reset();
    } else {
      T v(std::move(value<T>()));
      reset();
      return v;
    }
  }

  void setFailure(Failure f) noexcept {
    reset();
    ::new (static_cast<void*>(buf_)) Failure(std::move(f));
    kind_ = Kind::Failure;
  }
  const Failure& failure() const noexcept {
    return *std::launder(reinterpret_cast<const Failure*>(buf_));
  }
  Failure takeFailure() noexcept {
    Failure f(failure());
    reset();
    return f;
  }

  void setDeferred(StatePtr d) noexcept {
    reset();
    *reinterpret_cast<DeferredState**>(buf_) = d.release();
    kind_ = Kind::Deferred;
  }
  StatePtr takeDeferred() noexcept {
    StatePtr d = StatePtr::adopt(*reinterpret_cast<DeferredState**>(buf_));
    kind_ = Kind::Empty;
    return d;
  }

  void reset() noexcept;

 private:
  // Every value carries its type's ops, which name the type: that is what
  // value()/take() check. Null move/destroy: trivially copyable (memcpy,
  // nothing to destroy) or void.
  struct Ops {
    void (*move)(void* from, void* to) noexcept;
    void (*destroy)(void* p) noexcept;
    TypeTag type;
  };
  template <class T>
  static constexpr Ops kInlineOps{[](void* from, void* to) noexcept {
                                    ::new (to) T(std::move(*static_cast<T*>(from)));
                                    static_cast<T*>(from)->~T();
                                  },
                                  [](void* p) noexcept { static_cast<T*>(p)->~T(); }, &typeid(T)};
  template <class T>
  static constexpr Ops kTrivialOps{nullptr, nullptr, &typeid(T)};
  template <class T>
  static constexpr Ops kHeapOps{
      [](void* from, void* to) noexcept { *static_cast<T**>(to) = *static_cast<T**>(from); },
      [](void* p) noexcept { delete *static_cast<T**>(p); }, &typeid(T)};
  static constexpr Ops kVoidOps{nullptr, nullptr, &typeid(void)};

  template <class T>
  static constexpr const Ops* opsFor() noexcept {
    if constexpr (std::is_void_v<T>)
      return &kVoidOps;
    else if constexpr (!kInline<T>)
      return &kHeapOps<T>;
    else if constexpr (std::is_trivially_copyable_v<T>)
      return &kTrivialOps<T>;
    else
      return &kInlineOps<T>;
  }
  /// The same type through another copy of its ops (ops duplicated across
  /// shared objects compare unequal but name the same type).
  bool sameType(TypeTag expected) const noexcept;
  /// Returns if the result is a value of type `expected`, else throws
  /// DeferredTypeError saying what is there instead.
  void checkSlow(TypeTag expected) const;

  void moveFrom(Result& o) noexcept;

  Kind kind_ = Kind::Empty;
  const Ops* ops_ = nullptr;  // Value only
  alignas(16) unsigned char buf_[kValueInline];

  static_assert(sizeof(Failure) <= kValueInline);
};

/// One link of the callback chain: a type-erased step that reads the state's
/// result and replaces it (Twisted's (callback, errback) pair), or a
/// continuation that hands this Deferred's result to a Deferred waiting on it
/// (Twisted's _CONTINUE marker).
class TWISTED_API Entry {
 public:
  static constexpr std::size_t kEntryInline = 48;

  Entry() noexcept = default;
  Entry(Entry&& o) noexcept { moveFrom(o); }
  Entry& operator=(Entry&& o) noexcept {
    if (this != &o) {
      reset();
      moveFrom(o);
    }
    return *this;
  }
  ~Entry() { reset(); }

  /// A step running `S::operator()(DeferredState&)`. With `heap`, the step
  /// lives on the heap so its address never changes: a coroutine lambda
  /// refers to its captures through that address while it is suspended.
  template <class S>
  static Entry step(S&& s, bool heap) {
    using D = std::decay_t<S>;
    Entry e;
    if constexpr (sizeof(D) <= kEntryInline && alignof(D) <= 16 &&
                  std::is_nothrow_move_constructible_v<D>) {
      if (!heap) {
        ::new (static_cast<void*>(e.buf_)) D(std::forward<S>(s));
        // Trivially copyable steps (capture-less lambdas, function pointers,
        // captured pointers and ints): memcpy to move, nothing to destroy.
        e.ops_ = std::is_trivially_copyable_v<D> ? &Ops::template kTrivial<D>
                                                 : &Ops::template kInPlace<D>;
        return e;
      }
    }
    *reinterpret_cast<D**>(e.buf_) = new D(std::forward<S>(s));
    e.ops_ = &Ops::template kHeap<D>;
    return e;
  }
  /// A continuation: when reached, this Deferred's result goes to `chainee`
  /// (which is unpaused), and `keepAlive` (the step whose callable returned
  /// this Deferred) is destroyed only then.
  static Entry continuation(StatePtr chainee, Entry&& keepAlive) noexcept {
    Entry e(std::move(keepAlive));
    e.chainee_ = chainee.release();
    return e;
  }

  bool isContinuation() const noexcept { return chainee_ != nullptr; }
  StatePtr takeChainee() noexcept { return StatePtr::adopt(std::exchange(chainee_, nullptr)); }
  void run(DeferredState& st) { ops_->call(buf_, st); }
  void reset() noexcept;

 private:
  // The table UniqueFunction uses too; a trivially copyable step has null
  // move and destroy (memcpy, nothing to destroy).
  using Ops = python::detail::ErasedOps<DeferredState&>;

  void moveFrom(Entry& o) noexcept;

  const Ops* ops_ = nullptr;
  DeferredState* chainee_ = nullptr;  // owning reference when a continuation
  alignas(16) unsigned char buf_[kEntryInline];
};

/// FIFO of entries, three inline; grows on the heap past that.
class TWISTED_API CallbackQueue {
  // Plain operator new (malloc) already aligns to 16; the aligned form goes
  // through the slower memalign path.
  static_assert(alignof(Entry) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

 public:
  CallbackQueue() noexcept = default;
  CallbackQueue(const CallbackQueue&) = delete;
  CallbackQueue& operator=(const CallbackQueue&) = delete;
  ~CallbackQueue();

  bool empty() const noexcept { return head_ == tail_; }
  std::size_t size() const noexcept { return tail_ - head_; }
  void push(Entry&& e);
  Entry pop() noexcept;
  /// Destroys every entry (front first).
  void clear() noexcept;

 private:
  static constexpr std::uint32_t kInlineEntries = 3;
  Entry* slot(std::uint32_t i) noexcept { return data() + i; }
  Entry* data() noexcept { return heap_ ? heap_ : std::launder(reinterpret_cast<Entry*>(inline_)); }

  Entry* heap_ = nullptr;
  std::uint32_t head_ = 0, tail_ = 0, cap_ = kInlineEntries;
  alignas(Entry) unsigned char inline_[kInlineEntries * sizeof(Entry)];
};

/// The shared state of one Deferred (Twisted's Deferred object itself).
class TWISTED_API DeferredState {
 public:
  explicit DeferredState(TypeTag type) noexcept : initialType_(type), chainType_(type) {}
  DeferredState(const DeferredState&) = delete;
  DeferredState& operator=(const DeferredState&) = delete;
  /// Logs "Unhandled error in Deferred:" if the result is a Failure.
  ~DeferredState();

  /// Per-thread cache of freed states (a few hundred), ahead of malloc.
  static void* operator new(std::size_t n);
  static void operator delete(void* p, std::size_t n) noexcept;

  void addRef() noexcept { ++refs_; }
  void release() noexcept {
    if (--refs_ == 0) destroy();
  }
  /// `delete this`, out of line: the destructor is out of line anyway, and
  /// GCC 12 misreads an inlined delete behind a reference count as a use
  /// after free (-Wuse-after-free) in its callers.
  [[gnu::noinline]] void destroy() noexcept;

  /// Appends a step whose output type is `out`, then runs the chain if the
  /// Deferred has fired. Mirrors Deferred.addCallbacks' bookkeeping.
  void addEntry(Entry&& e, TypeTag out);
  /// Appends a step without running anything now (co_await's resume step).
  void queueEntry(Entry&& e, TypeTag out) {
    callbacks_.push(std::move(e));
    chainType_ = out;
  }
  /// Fires the Deferred with `r` (a value or a Failure).
  /// @throws AlreadyCalledError if it has fired (unless a cancel() suppressed
  /// this one late call). Mirrors Deferred._startRunCallbacks.
  void fire(Result&& r);
  /// Mirrors Deferred.cancel.
  void cancel();
  /// Mirrors Deferred.pause / unpause.
  void pause() noexcept { ++paused_; }
  void unpause();

  /// Throws DeferredTypeError unless the chain currently produces `expected`.
  void checkChainType(TypeTag expected, const char* operation) const {
    if (chainType_ != expected) checkChainTypeSlow(expected, operation);
  }
  /// Throws DeferredTypeError unless the Deferred was created as `expected`.
  void checkInitialType(TypeTag expected, const char* operation) const {
    if (initialType_ != expected) checkInitialTypeSlow(expected, operation);
  }
  // The same type_info object is the common case; these compare names
  // (type_info objects may be duplicated across shared objects) and throw.
  void checkChainTypeSlow(TypeTag expected, const char* operation) const;
  void checkInitialTypeSlow(TypeTag expected, const char* operation) const;

  /// True if the result is final and can be taken now (fired, not paused,
  /// not running callbacks, not waiting on another Deferred).
  bool hasFinalResult() const noexcept {
    return called_ && paused_ == 0 && !runningCallbacks_ && chainedTo_ == nullptr &&
           callbacks_.empty();
  }
  /// Takes the final result; the Deferred's result becomes void, as in
  /// Twisted, where the chained or awaited Deferred is left holding None.
  Result consumeResult() noexcept;

  /// The canceller; it receives this state (the typed wrapper makes a handle).
  void setCanceller(python::detail::UniqueFunction c) noexcept { canceller_ = std::move(c); }
  /// cancel() runs the canceller and nothing else: if the canceller does not
  /// fire the Deferred, it stays pending (DeferredList.cancel, which cancels
  /// its inputs only).
  void setCancellerOnly() noexcept { cancellerOnly_ = true; }

  /// Coroutine bookkeeping (see coroutine.h): the Deferred a coroutine
  /// returning this Deferred is suspended on, so cancel() can cancel it.
  void setCoroutine(bool alive) noexcept { coroutine_ = alive; }
  void setAwaiting(DeferredState* d) noexcept { awaiting_ = d; }

  bool called() const noexcept { return called_; }
  int paused() const noexcept { return paused_; }
  TypeTag chainType() const noexcept { return chainType_; }
  const Result& result() const noexcept { return result_; }
  Result& mutableResult() noexcept { return result_; }
  std::size_t pendingCallbacks() const noexcept { return callbacks_.size(); }

  /// Mirrors Deferred._runCallbacks: iterative over chained Deferreds, so a
  /// chain of any length uses constant stack.
  void runCallbacks();

 private:
  std::uint32_t refs_ = 1;
  std::int32_t paused_ = 0;
  bool called_ = false;
  bool runningCallbacks_ = false;
  bool suppressAlreadyCalled_ = false;
  bool coroutine_ = false;
  bool cancellerOnly_ = false;
  TypeTag initialType_;
  TypeTag chainType_;
  DeferredState* chainedTo_ = nullptr;  // Deferred we wait on (its continuation owns us)
  DeferredState* awaiting_ = nullptr;   // Deferred our coroutine is suspended on
  Result result_;
  CallbackQueue callbacks_;
  python::detail::UniqueFunction canceller_;
};

inline StatePtr::StatePtr(DeferredState* s) noexcept : s_(s) {
  if (s_) s_->addRef();
}
inline StatePtr::StatePtr(const StatePtr& o) noexcept : s_(o.s_) {
  if (s_) s_->addRef();
}
inline StatePtr::~StatePtr() {
  if (s_) s_->release();
}

inline void Result::reset() noexcept {
  switch (kind_) {
    case Kind::Value:
      if (ops_->destroy) ops_->destroy(buf_);
      break;
    case Kind::Failure:
      std::launder(reinterpret_cast<Failure*>(buf_))->~Failure();
      break;
    case Kind::Deferred:
      (*reinterpret_cast<DeferredState**>(buf_))->release();
      break;
    case Kind::Empty:
      break;
  }
  kind_ = Kind::Empty;
  ops_ = nullptr;
}

inline void Result::moveFrom(Result& o) noexcept {
  kind_ = o.kind_;
  ops_ = o.ops_;
  switch (kind_) {
    case Kind::Value:
      if (ops_->move)
        ops_->move(o.buf_, buf_);
      else
        std::memcpy(buf_, o.buf_, kValueInline);
      break;
    case Kind::Failure: {
      auto* f = std::launder(reinterpret_cast<Failure*>(o.buf_));
      ::new (static_cast<void*>(buf_)) Failure(std::move(*f));
      f->~Failure();
      break;
    }
    case Kind::Deferred:
      std::memcpy(buf_, o.buf_, sizeof(DeferredState*));
      break;
    case Kind::Empty:
      break;
  }
  o.kind_ = Kind::Empty;
  o.ops_ = nullptr;
}

inline void Entry::reset() noexcept {
  if (chainee_) std::exchange(chainee_, nullptr)->release();
  if (ops_) {
    const Ops* ops = std::exchange(ops_, nullptr);
    if (ops->destroy) ops->destroy(buf_);
  }
}

inline void Entry::moveFrom(Entry& o) noexcept {
  ops_ = std::exchange(o.ops_, nullptr);
  chainee_ = std::exchange(o.chainee_, nullptr);
  if (ops_) {
    if (ops_->move)
      ops_->move(o.buf_, buf_);
    else
      std::memcpy(buf_, o.buf_, kEntryInline);
  }
}

inline void CallbackQueue::push(Entry&& e) {
  if (tail_ == cap_) {
    std::uint32_t n = tail_ - head_;
    if (head_ > 0 && head_ >= n) {
      // At least half the slots are free: slide the live entries down (they
      // do not overlap), amortised O(1) per push.
      for (std::uint32_t i = 0; i < n; ++i) {
        ::new (static_cast<void*>(slot(i))) Entry(std::move(*slot(head_ + i)));
        slot(head_ + i)->~Entry();
      }
    } else {
      std::uint32_t newCap = cap_ * 2 < 8 ? 8 : cap_ * 2;
      auto* fresh = static_cast<Entry*>(::operator new(newCap * sizeof(Entry)));
      for (std::uint32_t i = 0; i < n; ++i) {
        ::new (static_cast<void*>(fresh + i)) Entry(std::move(*slot(head_ + i)));
        slot(head_ + i)->~Entry();
      }
      if (heap_) ::operator delete(heap_);
      heap_ = fresh;
      cap_ = newCap;
    }
    head_ = 0;
    tail_ = n;
  }
  ::new (static_cast<void*>(slot(tail_))) Entry(std::move(e));
  ++tail_;
}

inline Entry CallbackQueue::pop() noexcept {
  Entry* s = slot(head_);
  Entry e(std::move(*s));
  s->~Entry();
  if (++head_ == tail_) head_ = tail_ = 0;
  return e;
}

}  // namespace twisted::internet::defer::detail
