// Umbrella for twisted.internet.defer: Deferred<T>, succeed/fail/maybeDeferred,
// coroutines (a coroutine returning Deferred<T> can co_await any Deferred),
// DeferredList/gatherResults, race, DeferredLock/DeferredSemaphore, DeferredQueue.
#pragma once

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/deferred_list.h>
#include <twisted/internet/defer/errors.h>
#include <twisted/internet/defer/failure_group.h>
#include <twisted/internet/defer/first_error.h>
#include <twisted/internet/defer/gather_results.h>
#include <twisted/internet/defer/lock.h>
#include <twisted/internet/defer/outcome.h>
#include <twisted/internet/defer/queue.h>
#include <twisted/internet/defer/race.h>
#include <twisted/internet/defer/semaphore.h>
