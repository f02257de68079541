// Umbrella for twisted.internet.task: Clock, deferLater, LoopingCall,
// Cooperator (cooperate, coiterate), react.
#pragma once

#include <twisted/internet/task/clock.h>
#include <twisted/internet/task/cooperator.h>
#include <twisted/internet/task/defer_later.h>
#include <twisted/internet/task/errors.h>
#include <twisted/internet/task/looping_call.h>
#include <twisted/internet/task/react.h>
