// Umbrella for the reactor core: interfaces, backends and the global reactor.
#pragma once

#include <twisted/internet/delayed_call.h>
#include <twisted/internet/epoll_reactor.h>
#include <twisted/internet/error.h>
#include <twisted/internet/interfaces.h>
#include <twisted/internet/poll_reactor.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/reactor_base.h>
#include <twisted/internet/select_reactor.h>
#include <twisted/internet/threaded_resolver.h>
