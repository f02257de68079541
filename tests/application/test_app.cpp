// startApplication on real reactors: reactor.stop() drains the services.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <twisted/application/app.h>
#include <twisted/application/service.h>
#include <twisted/internet/defer.h>

#include "internet/reactor_fixture.h"

namespace svc = twisted::application::service;
namespace defer = twisted::internet::defer;

namespace {

// stopService fires after `delay` seconds on the reactor (never if negative).
class Slow : public svc::Service {
 public:
  Slow(std::string tag, std::vector<std::string>& log, twisted::internet::ReactorBase& r,
       double delay)
      : tag_(std::move(tag)), log_(log), r_(r), delay_(delay) {}
  void startService() override {
    Service::startService();
    log_.push_back("start " + tag_);
  }
  defer::Deferred<void> stopService() override {
    Service::stopService();
    log_.push_back("stop " + tag_);
    defer::Deferred<void> d;
    if (delay_ >= 0)
      r_.callLater(delay_, [d, this]() mutable {
        log_.push_back("stopped " + tag_);
        d.callback();
      });
    return d;
  }

 protected:
  std::vector<std::string>& log() { return log_; }

 private:
  std::string tag_;
  std::vector<std::string>& log_;
  twisted::internet::ReactorBase& r_;
  double delay_;
};

class StartApplication : public testing_internal::RealReactorTest {};

TEST_P(StartApplication, StopDrainsInReverseOrderAndWaits) {
  std::vector<std::string> log;
  auto app = std::make_shared<svc::Application>("test");
  std::make_shared<Slow>("a", log, *r, 0.0)->setServiceParent(app);
  std::make_shared<Slow>("b", log, *r, 0.05)->setServiceParent(app);
  twisted::application::app::startApplication(app, *r, 30);
  EXPECT_TRUE(app->running());
  r->addSystemEventTrigger("during", "shutdown", [&] { log.push_back("during shutdown"); });
  r->callWhenRunning([&] { r->stop(); });
  runBounded();
  EXPECT_FALSE(app->running());
  // Both stops were called before either finished; shutdown went on after both.
  EXPECT_EQ(log, (std::vector<std::string>{"start a", "start b", "stop b", "stop a", "stopped a",
                                           "stopped b", "during shutdown"}));
}

TEST_P(StartApplication, ANeverFiringStopIsBoundedByTheTimeout) {
  std::vector<std::string> log;
  auto app = std::make_shared<svc::Application>("test");
  std::make_shared<Slow>("hang", log, *r, -1)->setServiceParent(app);
  twisted::application::app::startApplication(app, *r, 0.05);
  r->addSystemEventTrigger("during", "shutdown", [&] { log.push_back("during shutdown"); });
  r->callWhenRunning([&] { r->stop(); });
  runBounded();
  EXPECT_EQ(log, (std::vector<std::string>{"start hang", "stop hang", "during shutdown"}));
}

// Logs its destruction.
class Mortal : public Slow {
 public:
  using Slow::Slow;
  ~Mortal() override { log().push_back("destroyed"); }
};

TEST_P(StartApplication, TheServicesLiveUntilTheyHaveStopped) {
  // Only startApplication holds the tree (as in `twist`): the trigger that
  // stops it is dropped once run, so the stop must keep it alive.
  std::vector<std::string> log;
  {
    auto app = std::make_shared<svc::Application>("test");
    std::make_shared<Mortal>("a", log, *r, 0.05)->setServiceParent(app);
    twisted::application::app::startApplication(app, *r, 30);
  }
  r->addSystemEventTrigger("during", "shutdown", [&] { log.push_back("during shutdown"); });
  r->callWhenRunning([&] { r->stop(); });
  runBounded();
  ASSERT_GE(log.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(log.begin(), log.begin() + 3),
            (std::vector<std::string>{"start a", "stop a", "stopped a"}));
}

TWISTED_INSTANTIATE_BACKENDS(StartApplication);

}  // namespace
