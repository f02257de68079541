// Umbrella for twisted.internet.defer: Deferred<T>, succeed/fail/maybeDeferred,
// coroutines (a coroutine returning Deferred<T> can co_await any Deferred).
#pragma once

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/errors.h>
#include <twisted/internet/defer/outcome.h>
