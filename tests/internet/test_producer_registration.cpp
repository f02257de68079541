// internet::detail::ProducerRegistration: the registerProducer rules and the
// buffer-size flow control every transport shares (Twisted's
// abstract.FileDescriptor). Transports are tested through it too (test_tcp,
// test_iosim); these cases pin the rules down on their own.
#include <stdexcept>

#include <gtest/gtest.h>

#include <twisted/internet/detail/producer_registration.h>

namespace twisted::internet::detail {
namespace {

struct Pull : IPullProducer {
  int resumes = 0, stops = 0;
  void resumeProducing() override { ++resumes; }
  void stopProducing() override { ++stops; }
};

struct Push : IPushProducer {
  int pauses = 0, resumes = 0, stops = 0;
  void pauseProducing() override { ++pauses; }
  void resumeProducing() override { ++resumes; }
  void stopProducing() override { ++stops; }
};

TEST(ProducerRegistration, PullProducerIsAskedAtOnceAndOnEachDrain) {
  ProducerRegistration r;
  Pull p;
  r.add(&p, false, false, 0, 100);
  EXPECT_EQ(r.producer(), &p);
  EXPECT_FALSE(r.streaming());
  EXPECT_EQ(p.resumes, 1);
  r.bufferGrew(1000, 100);  // a pull producer is never paused
  EXPECT_FALSE(r.paused());
  r.bufferDrained();
  r.bufferDrained();
  EXPECT_EQ(p.resumes, 3);
}

TEST(ProducerRegistration, StreamingProducerPausesAboveHighWaterAndResumesOnDrain) {
  ProducerRegistration r;
  Push p;
  r.add(&p, true, false, 0, 100);
  EXPECT_EQ(p.resumes, 0);
  r.bufferGrew(100, 100);  // at the mark: not above it
  EXPECT_EQ(p.pauses, 0);
  r.bufferGrew(101, 100);
  r.bufferGrew(500, 100);  // paused once
  EXPECT_EQ(p.pauses, 1);
  EXPECT_TRUE(r.paused());
  r.bufferDrained();
  EXPECT_EQ(p.resumes, 1);
  EXPECT_FALSE(r.paused());
  r.bufferDrained();  // not paused: nothing to resume
  EXPECT_EQ(p.resumes, 1);
}

TEST(ProducerRegistration, StreamingProducerOverAFullBufferIsPausedAtOnce) {
  ProducerRegistration r;
  Push p;
  r.add(&p, true, false, 200, 100);
  EXPECT_EQ(p.pauses, 1);
  EXPECT_TRUE(r.paused());
}

TEST(ProducerRegistration, MisuseIsRefused) {
  ProducerRegistration r;
  Pull pull;
  Push push;
  EXPECT_THROW(r.add(&pull, true, false, 0, 100), std::invalid_argument);
  EXPECT_EQ(r.producer(), nullptr);
  r.add(&push, true, false, 0, 100);
  EXPECT_THROW(r.add(&pull, false, false, 0, 100), std::runtime_error);
  EXPECT_EQ(r.producer(), &push);
  r.remove();
  EXPECT_EQ(r.producer(), nullptr);
  r.add(&pull, false, false, 0, 100);  // free again
  EXPECT_EQ(r.producer(), &pull);
}

TEST(ProducerRegistration, DisconnectedConsumerStopsTheProducerAndKeepsNothing) {
  ProducerRegistration r;
  Push p;
  r.add(&p, true, true, 0, 100);
  EXPECT_EQ(p.stops, 1);
  EXPECT_EQ(r.producer(), nullptr);
}

TEST(ProducerRegistration, ReleaseHandsTheProducerOverOnce) {
  ProducerRegistration r;
  Push p;
  r.add(&p, true, false, 0, 100);
  r.bufferGrew(500, 100);
  EXPECT_EQ(r.release(), &p);
  EXPECT_EQ(r.release(), nullptr);
  EXPECT_FALSE(r.paused());
  EXPECT_FALSE(r.streaming());
  r.bufferDrained();  // forgotten: not resumed
  EXPECT_EQ(p.resumes, 0);
}

TEST(ProducerRegistration, TheConsumerItselfNeedsNoCrossCast) {
  ProducerRegistration r;
  Push self;
  r.add(&self, true, false, 0, 100, &self);
  r.bufferGrew(101, 100);
  EXPECT_EQ(self.pauses, 1);
}

}  // namespace
}  // namespace twisted::internet::detail
