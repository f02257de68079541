// The callback loop of Deferred (twisted.internet.defer.Deferred._runCallbacks)
// and the rest of the untyped engine.
#include <cxxabi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include <twisted/internet/defer/detail/state.h>
#include <twisted/internet/defer/errors.h>
#include <twisted/logger/logger.h>
#include <twisted/python/log.h>

namespace twisted::internet::defer::detail {

std::string typeName(TypeTag tag) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(tag->name(), nullptr, nullptr, &status), std::free);
  std::string s = status == 0 && name ? name.get() : tag->name();
  // The names users write, not libstdc++'s spelling.
  const std::string longString =
      "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
  for (auto pos = s.find(longString); pos != std::string::npos; pos = s.find(longString))
    s.replace(pos, longString.size(), "std::string");
  return s;
}

// A per-thread cache of freed DeferredState blocks: most Deferreds live and
// die on the reactor thread within microseconds, and a singly linked list
// beats malloc/free for that. Off under AddressSanitizer, so that a use after
// free of a state is still caught there.
#if defined(__SANITIZE_ADDRESS__) && !defined(TWISTED_FORCE_STATE_CACHE)
constexpr bool kStateCache = false;
#else
constexpr bool kStateCache = true;
#endif

namespace {
// Trivially destructible, so usable until the thread's storage goes (a
// Deferred released by a later thread_local destructor finds `closed`).
struct FreeStates {
  void* head;
  std::uint32_t size;
  bool closed;
};
constinit thread_local FreeStates tFreeStates{nullptr, 0, false};
constexpr std::uint32_t kMaxCachedStates = 256;

// Gives the cached blocks back when the thread ends.
struct FreeStatesDrain {
  ~FreeStatesDrain() {
    FreeStates& f = tFreeStates;
    f.closed = true;
    while (f.head) {
      void* p = f.head;
      f.head = *static_cast<void**>(p);
      ::operator delete(p);
    }
    f.size = 0;
  }
};
thread_local FreeStatesDrain tFreeStatesDrain;
}  // namespace

void* DeferredState::operator new(std::size_t n) {
  FreeStates& f = tFreeStates;
  if (kStateCache && n == sizeof(DeferredState) && f.head) {
    void* p = f.head;
    f.head = *static_cast<void**>(p);
    --f.size;
    return p;
  }
  return ::operator new(n);
}

void DeferredState::operator delete(void* p, std::size_t n) noexcept {
  FreeStates& f = tFreeStates;
  if (kStateCache && n == sizeof(DeferredState) && f.size < kMaxCachedStates && !f.closed) {
    if (f.size == 0) static_cast<void>(&tFreeStatesDrain);  // registers the drain
    *static_cast<void**>(p) = f.head;
    f.head = p;
    ++f.size;
    return;
  }
  ::operator delete(p);
}

bool Result::sameType(TypeTag expected) const noexcept {
  return *ops_->type == *expected;
}

void Result::releaseDeferred(void* p) noexcept {
  (*static_cast<DeferredState**>(p))->release();
}

void Result::checkSlow(TypeTag expected) const {
  if (kind() == Kind::Value && sameType(expected)) return;
  std::string found;
  switch (kind()) {
    case Kind::Empty:
    case Kind::Canceller:
      found = "no result";
      break;
    case Kind::Failure:
      found = "a failure (" + failure().typeName() + ")";
      break;
    case Kind::Deferred:
      found = "a Deferred";
      break;
    case Kind::Value:
      found =
          ops_->type == &typeid(void) ? std::string("void (None)") : "a " + typeName(ops_->type);
      break;
  }
  throw DeferredTypeError("A callback expected a " + typeName(expected) +
                          " result, but the Deferred holds " + found);
}

CallbackQueue::~CallbackQueue() {
  clear();
  if (heap_) ::operator delete(heap_);
}

std::size_t CallbackQueue::size() const noexcept {
  std::size_t n = 0;
  for (std::uint32_t at = head_; at < tail_; at += recordSize(data() + at))
    ++n;
  return n;
}

void CallbackQueue::relocate(unsigned char* from, unsigned char* to, std::uint32_t bytes) noexcept {
  // Runs of records whose steps are trivially copyable (the common case)
  // go with one memcpy; a step with a move operation is moved on its own.
  std::uint32_t at = 0, run = 0;  // [run, at): records still to copy as bytes
  while (at < bytes) {
    unsigned char* p = from + at;
    const std::uint32_t size = recordSize(p);
    std::uintptr_t word;
    std::memcpy(&word, p, sizeof word);
    const auto* t = reinterpret_cast<const Entry::Table*>(word & ~std::uintptr_t{1});
    if (t && t->ops.move) {
      const std::uint32_t header = size - t->size;
      std::memcpy(to + run, from + run, at - run + header);  // the run, then this header
      t->ops.move(p + header, to + at + header);
      run = at + size;
    }
    at += size;
  }
  std::memcpy(to + run, from + run, bytes - run);
}

void CallbackQueue::makeRoom(std::uint32_t need) {
  const std::uint32_t live = tail_ - head_;
  if (head_ >= live && cap_ - live >= need) {
    // The consumed front is at least as big as what is left: slide the live
    // records down (source and destination do not overlap).
    relocate(data() + head_, data(), live);
  } else {
    std::uint64_t wanted = std::max<std::uint64_t>({std::uint64_t{cap_} * 2, live + need, 128});
    if (wanted > UINT32_MAX) throw std::bad_alloc();
    auto capacity = static_cast<std::uint32_t>(wanted);
    auto* fresh = static_cast<unsigned char*>(::operator new(capacity));
    relocate(data() + head_, fresh, live);
    if (heap_) ::operator delete(heap_);
    heap_ = fresh;
    cap_ = capacity;
  }
  head_ = 0;
  tail_ = live;
}

void CallbackQueue::clear() noexcept {
  // Destroying an entry can run user code (a coroutine frame's destructors)
  // that touches this queue, so take each entry out before destroying it.
  while (!empty()) {
    Entry e = pop();
  }
}

namespace {
// Twisted's _DebugInfo.__del__: two critical events, the message and then the
// failure alone (rendered "Unhandled Error" + traceback), in the
// twisted.internet.defer namespace, with the current logging context.
void logUnhandled(const Failure& failure) {
  const logger::Logger log("twisted.internet.defer");  // rare: no static to outlive
  logger::LogEvent message;
  message.level = logger::LogLevel::critical;
  message.format = "Unhandled error in Deferred:";
  message.isError = true;
  message.system = python::log::currentSystem();
  logger::LogEvent traceback;
  traceback.level = logger::LogLevel::critical;
  traceback.isError = true;
  traceback.failure = failure;
  traceback.system = message.system;
  log.emitEvent(std::move(message));
  log.emitEvent(std::move(traceback));
}
}  // namespace

void DeferredState::destroy() noexcept {
  delete this;
}

DeferredState::~DeferredState() {
  // Entries first: a coroutine frame owned by an entry may still refer to
  // us. A Deferred still waiting on us stays paused forever (as in Twisted),
  // but must not keep a pointer to us.
  while (!callbacks_.empty()) {
    Entry e = callbacks_.pop();
    if (e.isContinuation()) {
      StatePtr chainee = e.takeChainee();
      if (chainee->chainedTo_ == this) chainee->chainedTo_ = nullptr;
    }
  }
  if (result_.isFailure()) {
    try {
      logUnhandled(result_.failure());
    } catch (...) {
      // A destructor must not throw; a failing log observer is not our
      // caller's problem.
    }
  }
}

void DeferredState::checkChainTypeSlow(TypeTag expected, const char* operation) const {
  if (*chainType_ != *expected) {
    throw DeferredTypeError(std::string(operation) + " through a Deferred<" + typeName(expected) +
                            "> handle, but the chain now produces " + typeName(chainType_) +
                            ": use the handle returned by the last addCallback");
  }
}

void DeferredState::checkInitialTypeSlow(TypeTag expected, const char* operation) const {
  if (*initialType_ != *expected) {
    throw DeferredTypeError(std::string(operation) + " through a Deferred<" + typeName(expected) +
                            "> handle, but the Deferred was created as a Deferred<" +
                            typeName(initialType_) + ">");
  }
}

void DeferredState::addEntry(Entry&& e, TypeTag out) {
  callbacks_.push(std::move(e));
  chainType_ = out;
  if (called_) runCallbacks();
}

bool DeferredState::lateFire() {
  if (suppressAlreadyCalled_) {
    suppressAlreadyCalled_ = false;
    return false;
  }
  throw AlreadyCalledError();
}

void DeferredState::fire(Result&& r) {
  if (!startFiring()) return;
  result_ = std::move(r);
  runCallbacks();
}

void DeferredState::unpause() {
  if (paused_ == 0) return;
  if (--paused_ == 0 && called_) runCallbacks();
}

void DeferredState::cancel() {
  StatePtr self(this);  // the canceller may drop the last handle
  if (!called_) {
    if (coroutine_) {
      // A coroutine's Deferred fires when the coroutine finishes: cancel what
      // it is waiting on, and the CancelledError surfaces at its co_await.
      if (awaiting_) StatePtr(awaiting_)->cancel();
      if (called_ || coroutine_) return;
    } else if (result_.isCanceller()) {
      // Out of the slot while it runs: the errback it calls stores the
      // result there. Put back if it left the Deferred pending, so a later
      // cancel() runs it again (DeferredList's canceller-only case).
      Result canceller = std::move(result_);
      canceller.callCanceller();
      if (!called_ && result_.empty()) result_ = std::move(canceller);
      if (cancellerOnly_) return;
    } else {
      // No real canceller: eat the callback that will eventually come.
      suppressAlreadyCalled_ = true;
    }
    if (!called_)
      fire([] {
        Result r;
        r.setFailure(Failure(CancelledError()));
        return r;
      }());
  } else if (chainedTo_) {
    // Waiting for another Deferred: cancel that one instead.
    StatePtr(chainedTo_)->cancel();
  }
}

Result DeferredState::consumeResult() noexcept {
  Result r = std::move(result_);
  result_.setVoid();
  chainType_ = typeTag<void>();
  return r;
}

namespace {
// The stack of Deferreds being processed; almost always one or two deep, so
// the first few live on the C++ stack.
class Chain {
 public:
  Chain() noexcept {}
  Chain(const Chain&) = delete;
  Chain& operator=(const Chain&) = delete;
  ~Chain() {
    while (size_)
      pop();
  }
  void push(StatePtr s) {
    if (size_ < kInline)
      ::new (static_cast<void*>(&inline_[size_])) StatePtr(std::move(s));
    else
      more_.push_back(std::move(s));
    ++size_;
  }
  DeferredState* back() noexcept {
    return size_ <= kInline ? inline_[size_ - 1].get() : more_.back().get();
  }
  void pop() noexcept {
    if (size_ <= kInline)
      inline_[size_ - 1].~StatePtr();
    else
      more_.pop_back();
    --size_;
  }
  bool empty() const noexcept { return size_ == 0; }

 private:
  static constexpr std::size_t kInline = 4;
  std::size_t size_ = 0;
  union {
    StatePtr inline_[kInline];
  };
  std::vector<StatePtr> more_;
};
}  // namespace

void DeferredState::runCallbacks() {
  if (runningCallbacks_) return;  // a callback added a callback: the loop below takes it
  if (callbacks_.empty()) {
    // Nothing to run (succeed(), a Deferred fired before its callbacks are
    // added): what the loop below would do, without building its stack.
    if (paused_ == 0) chainedTo_ = nullptr;
    return;
  }

  Chain chain;
  chain.push(StatePtr(this));
  while (!chain.empty()) {
    DeferredState* current = chain.back();
    if (current->paused_) return;  // wait for unpause(); it runs the chain again

    bool finished = true;
    current->chainedTo_ = nullptr;
    while (!current->callbacks_.empty()) {
      Entry e = current->callbacks_.pop();
      if (e.isContinuation()) {
        // Give our result to the Deferred that was waiting on us and
        // process it next: a loop, not a recursion.
        StatePtr chainee = e.takeChainee();
        chainee->result_ = current->consumeResult();
        --chainee->paused_;
        chain.push(std::move(chainee));
        finished = false;
        break;
      }

      current->runningCallbacks_ = true;
      e.run(*current);  // never throws: a throwing callback becomes a Failure
      current->runningCallbacks_ = false;

      if (current->result_.isDeferred()) {
        StatePtr inner = current->result_.takeDeferred();
        if (inner->hasFinalResult()) {
          // Already fired: take its result now.
          current->result_ = inner->consumeResult();
        } else {
          // Not fired yet: pause until it is; its continuation resumes us
          // and keeps the callable that returned it alive until then.
          ++current->paused_;
          current->chainedTo_ = inner.get();
          inner->callbacks_.push(Entry::continuation(StatePtr(current), std::move(e)));
          // Past the continuation the inner Deferred holds void (Twisted:
          // None), so a typed callback added to it now is refused at once
          // instead of reading a value that went to `current`.
          inner->chainType_ = typeTag<void>();
          break;
        }
      }
    }
    if (finished) chain.pop();
  }
}

}  // namespace twisted::internet::defer::detail
