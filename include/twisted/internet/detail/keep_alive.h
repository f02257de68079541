// What a reactor keeps alive on behalf of its transports: listening ports,
// connections and connection attempts own themselves while active, through a
// hook linked into their reactor, so destroying the reactor frees whatever is
// still active (no self-reference cycle outlives it).
#pragma once

#include <twisted/export.h>

#include <memory>
#include <utility>

namespace twisted::internet::detail {

/// A member of an object that the reactor keeps alive while it is active.
struct TWISTED_API KeepAliveHook {
  KeepAliveHook* prev = nullptr;
  KeepAliveHook* next = nullptr;
  std::shared_ptr<void> self;
  bool linked() const noexcept { return static_cast<bool>(self); }
};

/// An intrusive list of hooks; releasing them destroys their objects.
class TWISTED_API KeepAliveList {
 public:
  KeepAliveList() = default;
  KeepAliveList(const KeepAliveList&) = delete;
  KeepAliveList& operator=(const KeepAliveList&) = delete;
  ~KeepAliveList() { clear(); }

  /// Keeps `self` alive through `hook` until release(hook).
  void hold(KeepAliveHook& hook, std::shared_ptr<void> self) {
    if (hook.linked()) return;
    hook.self = std::move(self);
    hook.prev = nullptr;
    hook.next = head_;
    if (head_) head_->prev = &hook;
    head_ = &hook;
  }
  /// Unlinks `hook` and hands its reference to the caller (null if not held).
  std::shared_ptr<void> release(KeepAliveHook& hook) noexcept {
    if (!hook.linked()) return nullptr;
    if (hook.prev) hook.prev->next = hook.next;
    if (hook.next) hook.next->prev = hook.prev;
    if (head_ == &hook) head_ = hook.next;
    hook.prev = hook.next = nullptr;
    return std::move(hook.self);
  }
  /// Releases everything (the objects' destructors run now).
  void clear() noexcept {
    while (head_) {
      std::shared_ptr<void> s = release(*head_);
    }
  }

 private:
  KeepAliveHook* head_ = nullptr;
};

}  // namespace twisted::internet::detail
