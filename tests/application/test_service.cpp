// Tests of twisted::application::service (Twisted's test_service.py semantics).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <twisted/application/service.h>
#include <twisted/internet/defer.h>

namespace svc = twisted::application::service;
namespace defer = twisted::internet::defer;

namespace {

// Records start/stop into a shared log; stopService returns `pending` if set.
class Recorder : public svc::Service {
 public:
  Recorder(std::string tag, std::vector<std::string>& log) : tag_(std::move(tag)), log_(log) {}
  void privilegedStartService() override { log_.push_back("priv " + tag_); }
  void startService() override {
    Service::startService();
    log_.push_back("start " + tag_);
  }
  defer::Deferred<void> stopService() override {
    Service::stopService();
    log_.push_back("stop " + tag_);
    if (pending) return *pending;
    return defer::succeed();
  }
  std::optional<defer::Deferred<void>> pending;

 private:
  std::string tag_;
  std::vector<std::string>& log_;
};

TEST(MultiService, StartsInOrderStopsInReverse) {
  std::vector<std::string> log;
  auto m = std::make_shared<svc::MultiService>();
  for (auto t : {"a", "b", "c"})
    std::make_shared<Recorder>(t, log)->setServiceParent(m);
  m->privilegedStartService();
  m->startService();
  EXPECT_TRUE(m->running());
  auto d = m->stopService();
  EXPECT_TRUE(d.called());
  EXPECT_FALSE(m->running());
  EXPECT_EQ(log, (std::vector<std::string>{"priv a", "priv b", "priv c", "start a", "start b",
                                           "start c", "stop c", "stop b", "stop a"}));
}

TEST(MultiService, StopsConcurrentlyAndWaitsForAll) {
  std::vector<std::string> log;
  auto m = std::make_shared<svc::MultiService>();
  auto a = std::make_shared<Recorder>("a", log);
  auto b = std::make_shared<Recorder>("b", log);
  a->pending.emplace();
  b->pending.emplace();
  a->setServiceParent(m);
  b->setServiceParent(m);
  m->startService();
  log.clear();
  auto d = m->stopService();
  // b's pending stop did not keep a's stopService from being called.
  EXPECT_EQ(log, (std::vector<std::string>{"stop b", "stop a"}));
  EXPECT_FALSE(d.called());
  a->pending->callback();
  EXPECT_FALSE(d.called());
  b->pending->callback();
  EXPECT_TRUE(d.called());
}

TEST(MultiService, AFailingChildIsLoggedAndTheOthersStillStop) {
  std::vector<std::string> log;
  auto m = std::make_shared<svc::MultiService>();
  auto a = std::make_shared<Recorder>("a", log);
  auto b = std::make_shared<Recorder>("b", log);
  b->pending = defer::fail(std::runtime_error("boom"));
  a->setServiceParent(m);
  b->setServiceParent(m);
  m->startService();
  bool ok = false;
  m->stopService().addCallback([&] { ok = true; });
  EXPECT_TRUE(ok);
  EXPECT_EQ(log.back(), "stop a");
}

TEST(MultiService, NamesAreUniqueAndLookedUp) {
  auto m = std::make_shared<svc::MultiService>();
  auto a = std::make_shared<svc::Service>();
  a->setName("x");
  a->setServiceParent(m);
  EXPECT_EQ(m->getServiceNamed("x"), a);
  EXPECT_THROW(m->getServiceNamed("y"), std::out_of_range);
  auto b = std::make_shared<svc::Service>();
  b->setName("x");
  EXPECT_THROW(b->setServiceParent(m), svc::DuplicateServiceNameError);
  EXPECT_EQ(b->parent(), nullptr);
  EXPECT_EQ(m->services().size(), 1u);
  // Unnamed services never clash.
  std::make_shared<svc::Service>()->setServiceParent(m);
  std::make_shared<svc::Service>()->setServiceParent(m);
  EXPECT_EQ(m->services().size(), 3u);
}

TEST(Service, ParentAndChild) {
  auto m = std::make_shared<svc::MultiService>();
  auto m2 = std::make_shared<svc::MultiService>();
  auto s = std::make_shared<svc::Service>();
  s->setName("s");
  s->setServiceParent(m);
  EXPECT_EQ(s->parent(), m);
  EXPECT_THROW(s->setName("t"), std::logic_error);
  s->setServiceParent(m2);  // leaves m first
  EXPECT_EQ(s->parent(), m2);
  EXPECT_TRUE(m->services().empty());
  EXPECT_TRUE(s->disownServiceParent().called());
  EXPECT_EQ(s->parent(), nullptr);
  EXPECT_THROW(s->disownServiceParent(), std::logic_error);
  EXPECT_THROW(m->addService(m), std::invalid_argument);
  svc::Service onStack;
  EXPECT_THROW(onStack.setServiceParent(m), std::logic_error);
}

TEST(Service, ParentOwnsChildChildDoesNotOwnParent) {
  std::weak_ptr<svc::Service> child;
  std::weak_ptr<svc::MultiService> parent;
  {
    auto m = std::make_shared<svc::MultiService>();
    auto s = std::make_shared<svc::Service>();
    s->setServiceParent(m);
    child = s;
    parent = m;
  }
  EXPECT_TRUE(child.expired());
  EXPECT_TRUE(parent.expired());
}

TEST(MultiService, AddingToARunningParentStartsTheChild) {
  std::vector<std::string> log;
  auto m = std::make_shared<svc::MultiService>();
  m->startService();
  auto a = std::make_shared<Recorder>("a", log);
  a->setServiceParent(m);
  EXPECT_EQ(log, (std::vector<std::string>{"priv a", "start a"}));
  EXPECT_TRUE(a->running());
  // Removing it from the running parent stops it.
  EXPECT_TRUE(a->disownServiceParent().called());
  EXPECT_FALSE(a->running());
}

TEST(Application, NameUidGid) {
  auto app = std::make_shared<svc::Application>("chat", 5, 6);
  EXPECT_EQ(app->name(), "chat");
  EXPECT_EQ(app->uid(), 5u);
  EXPECT_EQ(app->gid(), 6u);
  EXPECT_FALSE(svc::Application("x").uid().has_value());
}

}  // namespace
