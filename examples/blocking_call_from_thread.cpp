// Seed 001 "线程" (threads): a thread calls into the reactor and waits for
// the answer with blockingCallFromThread; a Deferred's failure comes back as
// the original exception.
//
//   def inThread():
//       agent = Agent(reactor)
//       try:
//           result = threads.blockingCallFromThread(
//               reactor, agent.request, "GET", "http://twistedmatrix.com/")
//       except Error as exc:
//           print(exc)
//       else:
//           print(result)
//       reactor.callFromThread(reactor.stop)
//
//   reactor.callInThread(inThread)
//   reactor.run()
//
// twisted.web's Agent is not ported yet: request() below stands in for
// agent.request, answering from the reactor a little later (callLater), the
// way a network reply would arrive.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

#include <twisted/internet/defer.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/threads.h>

using twisted::internet::reactor;
using twisted::internet::defer::Deferred;
namespace threads = twisted::internet::threads;

// Stands for twisted.web.error.Error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::thread::id reactorThread;

// Runs in the reactor thread; fires its Deferred 10 ms later.
Deferred<std::string> request(const std::string& method, const std::string& url) {
  std::printf("request(%s %s) runs in the reactor thread: %s\n", method.c_str(), url.c_str(),
              std::this_thread::get_id() == reactorThread ? "yes" : "no");
  std::fflush(stdout);
  Deferred<std::string> d;
  reactor().callLater(0.01, [d, url]() mutable {
    if (url == "http://twistedmatrix.com/")
      d.callback("200 OK");
    else
      d.errback(Error("404 Not Found"));
  });
  return d;
}

void get(const std::string& url) {
  try {
    std::string result = threads::blockingCallFromThread(reactor(), request, "GET", url);
    std::printf("%s\n", result.c_str());
  } catch (const Error& exc) {
    std::printf("%s\n", exc.what());
  }
  std::fflush(stdout);
}

void inThread() {
  get("http://twistedmatrix.com/");
  get("http://twistedmatrix.com/nope");
  reactor().callFromThread([] { reactor().stop(); });
}

int main() {
  reactorThread = std::this_thread::get_id();
  reactor().callInThread(inThread);
  reactor().run();
  return 0;
}
