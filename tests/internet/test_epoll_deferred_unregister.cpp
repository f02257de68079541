// The epoll backend defers EPOLL_CTL_DEL to just before its next wait, and
// skips it for an fd its owner closes first (ReactorBase::descriptorClosing).
// These cases pin down that the kernel's interest set always matches the
// reactor's at wait time, whatever happens to the fd in between.
#include <unistd.h>

#include <chrono>
#include <memory>

#include <gtest/gtest.h>

#include <twisted/internet.h>

#include "internet/fd_helpers.h"

namespace twisted::internet {
namespace {

using testing_internal::Pipe;
using testing_internal::Reader;

double waitedFor(ReactorBase& r, double timeout) {
  auto t0 = std::chrono::steady_clock::now();
  r.iterate(timeout);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A removed reader whose fd stays open and readable is no longer polled: the
// deferred DEL ran before the wait, so the wait blocks for its whole timeout
// (a stale level-triggered registration would return at once, every time).
TEST(EPollDeferredUnregister, RemovedOpenReadableFdIsNotPolled) {
  auto r = makeReactor("epoll");
  Pipe p;
  p.send("x");
  Reader reader(p.r);
  r->addReader(&reader);
  r->removeReader(&reader);
  EXPECT_GE(waitedFor(*r, 0.05), 0.045);
  EXPECT_GE(waitedFor(*r, 0.05), 0.045);
  EXPECT_EQ(reader.reads, 0);
}

// Removed and added again before the next wait (pauseProducing +
// resumeProducing in one callback): still registered, still read.
TEST(EPollDeferredUnregister, ReaddedBeforeTheWaitIsRead) {
  auto r = makeReactor("epoll");
  Pipe p;
  Reader reader(p.r);
  r->addReader(&reader);
  r->iterate(0);
  r->removeReader(&reader);
  r->addReader(&reader);
  p.send("hello");
  r->iterate(1);
  EXPECT_EQ(reader.data, "hello");
  r->removeReader(&reader);
}

// Removed, closed without telling the reactor, and the fd number reused by
// a new descriptor before the next wait: the new one is registered (ADD),
// and the old DEL does not unregister it.
TEST(EPollDeferredUnregister, ClosedAndReusedNumberBeforeTheWait) {
  for (bool told : {false, true}) {
    auto r = makeReactor("epoll");
    auto a = std::make_unique<Pipe>();
    int number = a->r;
    Reader old(a->r, "old");
    r->addReader(&old);
    r->iterate(0);
    r->removeReader(&old);
    if (told) r->descriptorClosing(number);
    a->closeRead();
    Pipe b;  // lowest free numbers: b.r takes `number` back
    ASSERT_EQ(b.r, number);
    Reader fresh(b.r, "fresh");
    r->addReader(&fresh);
    b.send("new");
    r->iterate(1);
    EXPECT_EQ(fresh.data, "new") << "told=" << told;
    EXPECT_EQ(old.reads, 0);
    r->removeReader(&fresh);
  }
}

// Removed and closed (told), nothing reuses the number: nothing is
// reported for it and the wait blocks.
TEST(EPollDeferredUnregister, ClosedAfterRemovalIsForgotten) {
  auto r = makeReactor("epoll");
  Pipe p;
  Reader reader(p.r);
  r->addReader(&reader);
  r->iterate(0);
  r->removeReader(&reader);
  r->descriptorClosing(p.r);
  p.closeRead();
  EXPECT_GE(waitedFor(*r, 0.05), 0.045);
  EXPECT_EQ(reader.reads, 0);
}

// The skipped DEL relies on close() dropping the registration, which the
// kernel does only if no other descriptor shares the file. Here a dup()
// keeps the old pipe open: its registration lingers and turns readable. The
// backend must notice (tag mismatch / no interest), never call a
// descriptor for it, rebuild its set, and then block again (no busy loop).
TEST(EPollDeferredUnregister, LingeringRegistrationOfASharedFileIsDropped) {
  for (bool reuse : {false, true}) {
    auto r = makeReactor("epoll");
    auto old = std::make_unique<Pipe>();
    int number = old->r;
    int shared = ::dup(old->r);  // another reference to the same pipe
    ASSERT_GE(shared, 0);
    Reader first(old->r, "first");
    r->addReader(&first);
    r->iterate(0);
    r->removeReader(&first);
    r->descriptorClosing(number);
    old->closeRead();  // the registration survives: `shared` holds the file
    std::unique_ptr<Pipe> fresh;
    std::unique_ptr<Reader> second;
    if (reuse) {
      fresh = std::make_unique<Pipe>();
      ASSERT_EQ(fresh->r, number);
      second = std::make_unique<Reader>(fresh->r, "second");
      r->addReader(second.get());
    }
    old->send("stale");  // the lingering registration reports readable
    r->iterate(0.05);    // dropped, set rebuilt
    EXPECT_GE(waitedFor(*r, 0.05), 0.045) << "reuse=" << reuse;  // no spinning
    EXPECT_EQ(first.reads, 0);
    if (second) {
      EXPECT_EQ(second->reads, 0) << "a stale event reached the new descriptor";
      fresh->send("new");
      r->iterate(1);
      EXPECT_EQ(second->data, "new");  // the rebuilt set still has it
      r->removeReader(second.get());
    }
    ::close(shared);
  }
}

}  // namespace
}  // namespace twisted::internet
