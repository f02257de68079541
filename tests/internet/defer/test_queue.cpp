// DeferredQueue: the cases of Twisted's src/twisted/test/test_defer.py
// OtherPrimitivesTests (testQueue, test_cancelQueueAfterSynchronousGet,
// test_cancelQueueAfterGet), plus move-only objects, lifetime and co_await.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/defer.h>
#include <twisted/testing/deferred.h>

namespace {

using twisted::internet::defer::CancelledError;
using twisted::internet::defer::Deferred;
using twisted::internet::defer::DeferredQueue;
using twisted::internet::defer::QueueOverflow;
using twisted::internet::defer::QueueUnderflow;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::failureResultOf;
using twisted::testing::successResultOf;

std::vector<int> range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i)
    v.push_back(i);
  return v;
}

TEST(DeferredQueueTest, Queue) {
  // testQueue
  constexpr int N = 2, M = 2;
  DeferredQueue<int> queue(N, M);
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.backlog(), 2u);

  std::vector<int> gotten;
  for (int i = 0; i < M; ++i)
    queue.get().addCallback([&](int v) { gotten.push_back(v); });
  EXPECT_THROW(queue.get(), QueueUnderflow);
  EXPECT_EQ(queue.waiting().size(), 2u);

  for (int i = 0; i < M; ++i) {
    queue.put(i);
    EXPECT_EQ(gotten, range(0, i + 1));
  }
  for (int i = 0; i < N; ++i) {
    queue.put(N + i);
    EXPECT_EQ(gotten, range(0, M));
  }
  EXPECT_EQ(queue.pending().size(), 2u);
  EXPECT_THROW(queue.put(0), QueueOverflow);

  gotten.clear();
  for (int i = 0; i < N; ++i) {
    queue.get().addCallback([&](int v) { gotten.push_back(v); });
    EXPECT_EQ(gotten, range(N, N + i + 1));
  }
}

TEST(DeferredQueueTest, Unbounded) {
  // testQueue, the DeferredQueue() part
  constexpr int N = 2;
  DeferredQueue<int> queue;
  EXPECT_FALSE(queue.size());
  EXPECT_FALSE(queue.backlog());
  std::vector<int> gotten;
  for (int i = 0; i < N; ++i)
    queue.get().addCallback([&](int v) { gotten.push_back(v); });
  for (int i = 0; i < N; ++i)
    queue.put(i);
  EXPECT_EQ(gotten, range(0, N));
  for (int i = 0; i < 1000; ++i)
    queue.put(i);
  EXPECT_EQ(queue.pending().size(), 1000u);
}

TEST(DeferredQueueTest, ZeroSizeAndZeroBacklog) {
  // testQueue, the size=0 and backlog=0 parts
  DeferredQueue<int> noRoom(0);
  EXPECT_THROW(noRoom.put(1), QueueOverflow);
  DeferredQueue<int> noWaiting(std::nullopt, 0);
  EXPECT_THROW(noWaiting.get(), QueueUnderflow);
}

TEST(DeferredQueueTest, CancelAfterSynchronousGetDoesNothing) {
  // test_cancelQueueAfterSynchronousGet
  DeferredQueue<std::string> queue;
  auto d = queue.get();
  bool errback = false;
  d.addErrback([&](Failure) {
    errback = true;
    return std::string();
  });
  queue.put("x");
  d.cancel();
  EXPECT_FALSE(errback);
  EXPECT_EQ(successResultOf(d), "x");
}

TEST(DeferredQueueTest, CancelAfterGet) {
  // test_cancelQueueAfterGet
  DeferredQueue<int> queue;
  auto d = queue.get();
  d.cancel();
  EXPECT_TRUE(queue.waiting().empty());
  int seen = -1;
  // If the cancelled get were still linked with the queue, put() would
  // fire it a second time (AlreadyCalledError).
  auto done = d.addErrback([](Failure f) -> int {
                 f.trap<CancelledError>();
                 return 0;
               }).addCallback([&](int) {
    queue.put(1);
    return queue.get().addCallback([&](int v) { seen = v; });
  });
  successResultOf(done);
  EXPECT_EQ(seen, 1);
}

TEST(DeferredQueueTest, CancelledGetIsSkippedByPut) {
  DeferredQueue<int> queue;
  auto first = queue.get();
  auto second = queue.get();
  first.cancel();
  failureResultOf<CancelledError>(first);
  queue.put(7);
  EXPECT_EQ(successResultOf(second), 7);
  EXPECT_TRUE(queue.pending().empty());
}

TEST(DeferredQueueTest, GetsAreServedInOrder) {
  DeferredQueue<int> queue;
  std::vector<std::string> order;
  queue.get().addCallback([&](int v) { order.push_back("a" + std::to_string(v)); });
  queue.get().addCallback([&](int v) { order.push_back("b" + std::to_string(v)); });
  queue.put(1);
  queue.put(2);
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "b2"}));
}

TEST(DeferredQueueTest, PutFromInsideAGetCallback) {
  DeferredQueue<int> queue;
  std::vector<int> got;
  queue.get().addCallback([&](int v) {
    got.push_back(v);
    queue.put(v + 1);  // no waiter left: stays pending
  });
  queue.put(1);
  EXPECT_EQ(got, std::vector<int>{1});
  EXPECT_EQ(successResultOf(queue.get()), 2);
}

TEST(DeferredQueueTest, MoveOnlyObjects) {
  DeferredQueue<std::unique_ptr<int>> queue;
  auto waiting = queue.get();
  queue.put(std::make_unique<int>(1));
  queue.put(std::make_unique<int>(2));
  EXPECT_EQ(*successResultOf(waiting), 1);
  EXPECT_EQ(*successResultOf(queue.get()), 2);
}

TEST(DeferredQueueTest, DestroyedWithGetsWaiting) {
  Deferred<int> d;
  {
    DeferredQueue<int> queue;
    d = queue.get();
  }
  assertNoResult(d);
  d.cancel();  // the canceller must not touch the dead queue
  failureResultOf<CancelledError>(d);
}

Deferred<int> consumer(DeferredQueue<int>& queue, int count) {
  int sum = 0;
  for (int i = 0; i < count; ++i)
    sum += co_await queue.get();
  co_return sum;
}

TEST(DeferredQueueCoroutineTest, CoAwaitGet) {
  DeferredQueue<int> queue;
  queue.put(1);
  auto d = consumer(queue, 3);
  assertNoResult(d);
  EXPECT_EQ(queue.waiting().size(), 1u);
  queue.put(2);
  queue.put(3);
  EXPECT_EQ(successResultOf(d), 6);
}

TEST(DeferredQueueCoroutineTest, CancellingTheConsumerRemovesItsGet) {
  DeferredQueue<int> queue;
  auto d = consumer(queue, 1);
  EXPECT_EQ(queue.waiting().size(), 1u);
  d.cancel();
  failureResultOf<CancelledError>(d);
  EXPECT_TRUE(queue.waiting().empty());
  queue.put(5);
  EXPECT_EQ(queue.pending().size(), 1u);
}

}  // namespace
