// Umbrella: `#include <twisted/internet/interfaces.h>` reads like
// `from twisted.internet import interfaces`.
#pragma once

#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/internet/interfaces/iproducer.h>
#include <twisted/internet/interfaces/ireactor_core.h>
#include <twisted/internet/interfaces/ireactor_fdset.h>
#include <twisted/internet/interfaces/ireactor_pluggable_resolver.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/ireactor_threads.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/interfaces/iresolver_simple.h>
#include <twisted/internet/interfaces/itransport.h>
