#include <twisted/application/internet/backoff_policy.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace twisted::application::internet {

RetryPolicy backoffPolicy(double initialDelay, double maxDelay, double factor,
                          std::function<double()> jitter) {
  if (!jitter) {
    auto gen = std::make_shared<std::mt19937_64>(std::random_device{}());
    jitter = [gen] { return std::uniform_real_distribution<double>(0.0, 1.0)(*gen); };
  }
  return [=](int attempt) {
    // pow may overflow to inf (Twisted catches OverflowError): min() gives maxDelay.
    double delay = std::min(initialDelay * std::pow(factor, std::min(100, attempt)), maxDelay);
    if (std::isnan(delay)) delay = maxDelay;
    return delay + jitter();
  };
}

}  // namespace twisted::application::internet
