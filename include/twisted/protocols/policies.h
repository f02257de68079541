// twisted.protocols.policies: protocol wrappers that enforce policies
// (connection limits, bandwidth throttling, timeouts).
#pragma once

#include <twisted/protocols/policies/limits.h>
#include <twisted/protocols/policies/throttling.h>
#include <twisted/protocols/policies/timeout_mixin.h>
#include <twisted/protocols/policies/wrapping_factory.h>
