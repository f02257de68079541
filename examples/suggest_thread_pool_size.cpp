// Seed 001 "线程" (threads): set the size of the reactor's thread pool.
//
//   reactor.suggestThreadPoolSize(30)
//
// To show the size took effect, 30 blocking calls are started with
// callInThread and each waits until all 30 are running at once, which only
// 30 threads can do (the default pool has at most 10: with it, the calls
// would give up waiting after 10 seconds and say so).
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include <twisted/internet/reactor.h>
#include <twisted/python/threadpool.h>

using twisted::internet::reactor;

namespace {

constexpr int kSize = 30;

std::mutex mutex;
std::condition_variable allThere;
int running = 0;   // calls inside blockingCall, under `mutex`
int finished = 0;  // reactor thread only
int together = 0;  // reactor thread only: calls that saw all kSize running

void blockingCall() {
  bool all;
  {
    std::unique_lock<std::mutex> lock(mutex);
    ++running;
    allThere.notify_all();
    all = allThere.wait_for(lock, std::chrono::seconds(10), [] { return running == kSize; });
  }
  reactor().callFromThread([all] {
    together += all ? 1 : 0;
    if (++finished < kSize) return;
    if (together == kSize)
      std::printf("%d blocking calls ran at the same time\n", kSize);
    else
      std::printf("only some of the %d calls ran at the same time\n", kSize);
    reactor().stop();
  });
}

}  // namespace

int main() {
  reactor().suggestThreadPoolSize(kSize);
  std::printf("thread pool size: at most %d threads\n", reactor().getThreadPool().max());
  for (int i = 0; i < kSize; ++i)
    reactor().callInThread(blockingCall);
  reactor().run();
  return together == kSize ? 0 : 1;
}
