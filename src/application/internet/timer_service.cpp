#include <twisted/application/internet/timer_service.h>

#include <twisted/internet/reactor.h>
#include <twisted/python/log.h>

namespace twisted::application::internet {

namespace defer = twisted::internet::defer;
namespace task = twisted::internet::task;

TimerService::~TimerService() = default;

void TimerService::startService() {
  Service::startService();
  // A new LoopingCall per start, as Twisted does.
  loop_.emplace([f = call_]() mutable { return f(); });
  loop_->setClock(
      clock_ ? *clock_
             : static_cast<twisted::internet::IReactorTime&>(twisted::internet::reactor()));
  loopFinished_ = loop_->start(step_, true)
                      .addCallbacks([](task::LoopingCall*) {},
                                    [](const python::Failure& why) {
                                      python::log::err(why, "TimerService's function failed");
                                    });
}

defer::Deferred<void> TimerService::stopService() {
  if (!loopFinished_) {
    Service::stopService();
    return defer::succeed();
  }
  if (loop_ && loop_->running()) loop_->stop();
  std::weak_ptr<IService> self = weak_from_this();
  // The weak reference: a service destroyed before the loop finishes must
  // not be touched (the LoopingCall's destructor fires this Deferred).
  return loopFinished_->addCallback([self] {
    if (auto s = self.lock()) static_cast<TimerService&>(*s).setRunning(false);
  });
}

}  // namespace twisted::application::internet
