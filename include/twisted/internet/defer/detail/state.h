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
/// Before the Deferred fires, the same slot holds its canceller, if any
/// (Kind::Canceller): a result and a canceller are never needed at once.
///
/// 40 bytes: what the value is lives in its ops table (kind, type, how to
/// move and destroy it), so the slot is one pointer plus the buffer.
class TWISTED_API Result {
 public:
  enum class Kind : std::uint8_t { Empty, Value, Failure, Deferred, Canceller };
  static constexpr std::size_t kValueInline = 32;
  template <class T>
  static constexpr bool kInline = sizeof(T) <= kValueInline &&
                                  alignof(T) <= 8 && std::is_nothrow_move_constructible_v<T>;

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

  Kind kind() const noexcept { return ops_ ? ops_->kind : Kind::Empty; }
  bool empty() const noexcept { return ops_ == nullptr; }
  // By kind, not by table address: a table may be duplicated across
  // shared objects.
  bool isFailure() const noexcept { return ops_ && ops_->kind == Kind::Failure; }
  bool isDeferred() const noexcept { return ops_ && ops_->kind == Kind::Deferred; }
  bool isCanceller() const noexcept { return ops_ && ops_->kind == Kind::Canceller; }

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
  }
  void setVoid() noexcept {
    reset();
    ops_ = &kVoidOps;
  }
  /// True if the result is a value of type T (void included).
  template <class T>
  bool holds() const noexcept {
    return ops_ == opsFor<T>() || (kind() == Kind::Value && sameType(typeTag<T>()));
  }
  /// The value as a T. The chain's type checks make a mismatch impossible
  /// through the public API; this check makes it an error, never a read.
  /// @throws DeferredTypeError if the result is not a T (empty, a Failure,
  /// void or another type).
  template <class T>
  T& value() {
    if (ops_ != opsFor<T>()) checkSlow(typeTag<T>());
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
      if (ops_ != &kVoidOps) checkSlow(typeTag<void>());
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
    ops_ = &kFailureOps;
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
    ops_ = &kDeferredOps;
  }
  StatePtr takeDeferred() noexcept {
    StatePtr d = StatePtr::adopt(*reinterpret_cast<DeferredState**>(buf_));
    ops_ = nullptr;
    return d;
  }

  /// Stores `c` (callable with no argument) as the canceller.
  template <class C>
  void setCanceller(C&& c) {
    using D = std::decay_t<C>;
    reset();
    if constexpr (kInline<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<C>(c));
    } else {
      *reinterpret_cast<D**>(buf_) = new D(std::forward<C>(c));
    }
    ops_ = &kCancellerOps<D>;
  }
  /// Calls the canceller (precondition: isCanceller()).
  void callCanceller() { ops_->call(buf_); }

  void reset() noexcept;

 private:
  // Every kind of content carries its ops; a value's ops name its type,
  // which is what value()/take() check. Null move: relocatable with memcpy;
  // null destroy: nothing to destroy.
  struct Ops {
    void (*move)(void* from, void* to) noexcept;
    void (*destroy)(void* p) noexcept;
    TypeTag type;
    Kind kind;
    void (*call)(void* p);  // a canceller's
  };
  template <class T>
  static void destroyInline(void* p) noexcept {
    static_cast<T*>(p)->~T();
  }
  template <class T>
  static void moveInline(void* from, void* to) noexcept {
    ::new (to) T(std::move(*static_cast<T*>(from)));
    static_cast<T*>(from)->~T();
  }
  template <class T>
  static void deleteHeap(void* p) noexcept {
    delete *static_cast<T**>(p);
  }
  template <class T>
  static constexpr Ops kInlineOps{&moveInline<T>, &destroyInline<T>, &typeid(T), Kind::Value,
                                  nullptr};
  template <class T>
  static constexpr Ops kTrivialOps{nullptr, nullptr, &typeid(T), Kind::Value, nullptr};
  template <class T>
  static constexpr Ops kHeapOps{nullptr, &deleteHeap<T>, &typeid(T), Kind::Value, nullptr};
  static constexpr Ops kVoidOps{nullptr, nullptr, &typeid(void), Kind::Value, nullptr};
  static constexpr Ops kFailureOps{&moveInline<Failure>, &destroyInline<Failure>, nullptr,
                                   Kind::Failure, nullptr};
  static void releaseDeferred(void* p) noexcept;
  static constexpr Ops kDeferredOps{nullptr, &releaseDeferred, nullptr, Kind::Deferred, nullptr};
  template <class D>
  static void callCancellerOf(void* p) {
    if constexpr (kInline<D>)
      (*static_cast<D*>(p))();
    else
      (**static_cast<D**>(p))();
  }
  template <class D>
  static constexpr Ops kCancellerOps{
      kInline<D> ? (std::is_trivially_copyable_v<D> ? nullptr : &moveInline<D>) : nullptr,
      kInline<D> ? (std::is_trivially_destructible_v<D> ? nullptr : &destroyInline<D>)
                 : &deleteHeap<D>,
      nullptr, Kind::Canceller, &callCancellerOf<D>};

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

  const Ops* ops_ = nullptr;
  alignas(8) unsigned char buf_[kValueInline];

  static_assert(sizeof(Failure) <= kValueInline && alignof(Failure) <= 8);
};

class CallbackQueue;

/// One link of the callback chain: a type-erased step that reads the state's
/// result and replaces it (Twisted's (callback, errback) pair), or a
/// continuation that hands this Deferred's result to a Deferred waiting on it
/// (Twisted's _CONTINUE marker). This is the form an entry has while it runs;
/// queued, it is packed into the CallbackQueue's bytes.
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
    if constexpr (sizeof(D) <= kEntryInline && alignof(D) <= 8 &&
                  std::is_nothrow_move_constructible_v<D>) {
      if (!heap) {
        ::new (static_cast<void*>(e.buf_)) D(std::forward<S>(s));
        // Trivially copyable steps (capture-less lambdas, function pointers,
        // captured pointers and ints): memcpy to move, nothing to destroy.
        e.table_ = std::is_trivially_copyable_v<D> ? &kTrivial<D> : &kInPlace<D>;
        return e;
      }
    }
    *reinterpret_cast<D**>(e.buf_) = new D(std::forward<S>(s));
    e.table_ = &kHeap<D>;
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
  void run(DeferredState& st) { table_->ops.call(buf_, st); }
  void reset() noexcept;

 private:
  friend class CallbackQueue;
  // The table UniqueFunction uses too; a trivially copyable step has null
  // move and destroy (memcpy, nothing to destroy).
  using Ops = python::detail::ErasedOps<DeferredState&>;
  // Plus the bytes the step takes when packed in a CallbackQueue: 0 for a
  // capture-less lambda, else its size rounded up to 8.
  struct Table {
    Ops ops;
    std::uint32_t size;
  };
  template <class D>
  static constexpr std::uint32_t kPacked = std::is_empty_v<D>&& std::is_trivially_copyable_v<D>
                                               ? 0
                                               : static_cast<std::uint32_t>((sizeof(D) + 7) &
                                                                            ~std::size_t{7});
  template <class D>
  static constexpr Table kTrivial{Ops::template kTrivial<D>, kPacked<D>};
  template <class D>
  static constexpr Table kInPlace{Ops::template kInPlace<D>, kPacked<D>};
  template <class D>
  static constexpr Table kHeap{Ops::template kHeap<D>, sizeof(D*)};

  void moveFrom(Entry& o) noexcept;

  const Table* table_ = nullptr;
  DeferredState* chainee_ = nullptr;  // owning reference when a continuation
  alignas(8) unsigned char buf_[kEntryInline];
};

/// FIFO of entries packed into bytes: a header word (the entry's table, low
/// bit set for a continuation), the chainee of a continuation, then the
/// step's own bytes (none for a capture-less lambda). kInlineBytes live in
/// the DeferredState, enough for three capture-less callbacks; past that the
/// queue moves to a heap buffer that doubles.
class TWISTED_API CallbackQueue {
 public:
  CallbackQueue() noexcept = default;
  CallbackQueue(const CallbackQueue&) = delete;
  CallbackQueue& operator=(const CallbackQueue&) = delete;
  ~CallbackQueue();

  bool empty() const noexcept { return head_ == tail_; }
  /// Entries queued (walks them: for diagnostics).
  std::size_t size() const noexcept;
  void push(Entry&& e);
  Entry pop() noexcept;
  /// Destroys every entry (front first).
  void clear() noexcept;

 private:
  static constexpr std::uint32_t kInlineBytes = 24;
  unsigned char* data() noexcept { return heap_ ? heap_ : inline_; }
  const unsigned char* data() const noexcept { return heap_ ? heap_ : inline_; }
  // Bytes of the record at `p` (header, chainee, step).
  static std::uint32_t recordSize(const unsigned char* p) noexcept;
  // Makes room for `need` more bytes at the tail.
  void makeRoom(std::uint32_t need);
  // Moves the records in [from, from + bytes) to `to` (no overlap).
  static void relocate(unsigned char* from, unsigned char* to, std::uint32_t bytes) noexcept;

  unsigned char* heap_ = nullptr;
  std::uint32_t head_ = 0, tail_ = 0, cap_ = kInlineBytes;
  alignas(8) unsigned char inline_[kInlineBytes];
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
  /// fire() with a value built in place (T = void: no value): no Result
  /// is moved, so a small value is stored once.
  template <class T, class... A>
  void fireValue(A&&... a) {
    if (!startFiring()) return;
    if constexpr (std::is_void_v<T>)
      result_.setVoid();
    else
      result_.template emplace<T>(std::forward<A>(a)...);
    runCallbacks();
  }
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

  /// The canceller, kept in the result slot until the Deferred fires (the
  /// typed wrapper makes it a handle to this state).
  template <class C>
  void setCanceller(C&& c) {
    if (!called_) result_.setCanceller(std::forward<C>(c));
  }
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

  /// fire()'s checks: false for the one late call a cancel() suppressed.
  /// @throws AlreadyCalledError if the Deferred has fired.
  bool startFiring() {
    if (!called_) {
      called_ = true;
      return true;
    }
    return lateFire();
  }
  bool lateFire();

  /// Mirrors Deferred._runCallbacks: iterative over chained Deferreds, so a
  /// chain of any length uses constant stack.
  void runCallbacks();

 private:
  // 128 bytes in all with three capture-less callbacks queued.
  std::uint32_t refs_ = 1;
  std::int16_t paused_ = 0;
  bool called_ : 1 = false;
  bool runningCallbacks_ : 1 = false;
  bool suppressAlreadyCalled_ : 1 = false;
  bool coroutine_ : 1 = false;
  bool cancellerOnly_ : 1 = false;
  TypeTag initialType_;
  TypeTag chainType_;
  DeferredState* chainedTo_ = nullptr;  // Deferred we wait on (its continuation owns us)
  DeferredState* awaiting_ = nullptr;   // Deferred our coroutine is suspended on
  Result result_;                       // or, until fired, the canceller
  CallbackQueue callbacks_;
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
  if (const Ops* ops = ops_) {
    ops_ = nullptr;
    if (ops->destroy) ops->destroy(buf_);
  }
}

inline void Result::moveFrom(Result& o) noexcept {
  ops_ = o.ops_;
  if (ops_) {
    if (ops_->move)
      ops_->move(o.buf_, buf_);
    else
      std::memcpy(buf_, o.buf_, kValueInline);
    o.ops_ = nullptr;
  }
}

// Copies a packed step's bytes (a multiple of 8; 0 for a capture-less
// lambda) without a call to memcpy for the common small sizes.
inline void copyStep(void* to, const void* from, std::uint32_t n) noexcept {
  switch (n) {
    case 0:
      return;
    case 8:
      std::memcpy(to, from, 8);
      return;
    case 16:
      std::memcpy(to, from, 16);
      return;
    default:
      std::memcpy(to, from, n);
  }
}

inline void Entry::reset() noexcept {
  if (chainee_) std::exchange(chainee_, nullptr)->release();
  if (table_) {
    const Table* t = std::exchange(table_, nullptr);
    if (t->ops.destroy) t->ops.destroy(buf_);
  }
}

inline void Entry::moveFrom(Entry& o) noexcept {
  table_ = std::exchange(o.table_, nullptr);
  chainee_ = std::exchange(o.chainee_, nullptr);
  if (table_) {
    if (table_->ops.move)
      table_->ops.move(o.buf_, buf_);
    else
      copyStep(buf_, o.buf_, table_->size);
  }
}

inline std::uint32_t CallbackQueue::recordSize(const unsigned char* p) noexcept {
  std::uintptr_t word;
  std::memcpy(&word, p, sizeof word);
  const auto* t = reinterpret_cast<const Entry::Table*>(word & ~std::uintptr_t{1});
  return static_cast<std::uint32_t>(sizeof word + ((word & 1) ? sizeof(DeferredState*) : 0) +
                                    (t ? t->size : 0));
}

inline void CallbackQueue::push(Entry&& e) {
  const Entry::Table* t = e.table_;
  const bool continuation = e.chainee_ != nullptr;
  const std::uint32_t need = static_cast<std::uint32_t>(
      sizeof(std::uintptr_t) + (continuation ? sizeof(DeferredState*) : 0) + (t ? t->size : 0));
  if (cap_ - tail_ < need) makeRoom(need);
  unsigned char* p = data() + tail_;
  const std::uintptr_t word = reinterpret_cast<std::uintptr_t>(t) | (continuation ? 1u : 0u);
  std::memcpy(p, &word, sizeof word);
  p += sizeof word;
  if (continuation) {
    DeferredState* chainee = std::exchange(e.chainee_, nullptr);
    std::memcpy(p, &chainee, sizeof chainee);
    p += sizeof chainee;
  }
  if (t) {
    if (t->ops.move)
      t->ops.move(e.buf_, p);
    else
      copyStep(p, e.buf_, t->size);
    e.table_ = nullptr;
  }
  tail_ += need;
}

inline Entry CallbackQueue::pop() noexcept {
  unsigned char* p = data() + head_;
  std::uintptr_t word;
  std::memcpy(&word, p, sizeof word);
  const auto* t = reinterpret_cast<const Entry::Table*>(word & ~std::uintptr_t{1});
  std::uint32_t used = sizeof word;
  Entry e;
  if (word & 1) {
    std::memcpy(&e.chainee_, p + used, sizeof(DeferredState*));
    used += sizeof(DeferredState*);
  }
  if (t) {
    if (t->ops.move)
      t->ops.move(p + used, e.buf_);
    else
      copyStep(e.buf_, p + used, t->size);
    e.table_ = t;
    used += t->size;
  }
  head_ += used;
  if (head_ == tail_) head_ = tail_ = 0;
  return e;
}

}  // namespace twisted::internet::defer::detail
