#include <gtest/gtest.h>

#include <twisted/application/internet/backoff_policy.h>

namespace ai = twisted::application::internet;

TEST(BackoffPolicy, ValuesMatchTwisted) {
  // Python Twisted 22.4: backoffPolicy(jitter=lambda: 0)(n) for n = 0..3, 20, 1000.
  auto p = ai::backoffPolicy(1.0, 60.0, 1.5, [] { return 0.0; });
  EXPECT_DOUBLE_EQ(p(0), 1.0);
  EXPECT_DOUBLE_EQ(p(1), 1.5);
  EXPECT_DOUBLE_EQ(p(2), 2.25);
  EXPECT_DOUBLE_EQ(p(3), 3.375);
  EXPECT_DOUBLE_EQ(p(20), 60.0);
  EXPECT_DOUBLE_EQ(p(1000), 60.0);
  auto big = ai::backoffPolicy(1.0, 1e308, 1e10, [] { return 0.5; });
  EXPECT_DOUBLE_EQ(big(1000), 1e308 + 0.5);
  auto j = ai::backoffPolicy(2.0, 60.0, 2.0, [] { return 0.25; });
  EXPECT_DOUBLE_EQ(j(1), 4.25);
}

TEST(BackoffPolicy, DefaultJitterIsInZeroOne) {
  auto p = ai::backoffPolicy();
  for (int i = 0; i < 50; ++i) {
    double d = p(0);
    EXPECT_GE(d, 1.0);
    EXPECT_LT(d, 2.0);
  }
}
