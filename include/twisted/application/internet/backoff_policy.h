// backoffPolicy: ClientService's default retry policy.
#pragma once

#include <twisted/export.h>

#include <functional>

namespace twisted::application::internet {

/// Given the number of failed attempts so far (1 for the first retry),
/// the seconds to wait before the next attempt.
/// Mirrors the retryPolicy callable of twisted.application.internet.ClientService.
using RetryPolicy = std::function<double(int failedAttempts)>;

/// Exponential backoff: min(initialDelay * factor ** min(100, attempt),
/// maxDelay) + jitter(). `jitter` defaults (when empty) to a uniform
/// random number in [0, 1); tests pass a fixed one.
///
/// Mirrors: twisted.application.internet.backoffPolicy(initialDelay,
/// maxDelay, factor, jitter).
TWISTED_API RetryPolicy backoffPolicy(double initialDelay = 1.0, double maxDelay = 60.0,
                                      double factor = 1.5, std::function<double()> jitter = {});

}  // namespace twisted::application::internet
