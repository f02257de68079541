// Umbrella for twisted.application.internet: TimerService,
// StreamServerEndpointService, ClientService, backoffPolicy.
#pragma once

#include <twisted/application/internet/backoff_policy.h>
#include <twisted/application/internet/client_service.h>
#include <twisted/application/internet/stream_server_endpoint_service.h>
#include <twisted/application/internet/timer_service.h>
