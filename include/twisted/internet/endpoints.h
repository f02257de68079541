// Umbrella: `#include <twisted/internet/endpoints.h>` reads like
// `from twisted.internet import endpoints`. Guide: docs/endpoints.md.
#pragma once

#include <twisted/internet/endpoints/adopted_stream_server_endpoint.h>
#include <twisted/internet/endpoints/connect_protocol.h>
#include <twisted/internet/endpoints/endpoint_parse_error.h>
#include <twisted/internet/endpoints/from_string.h>
#include <twisted/internet/endpoints/hostname_endpoint.h>
#include <twisted/internet/endpoints/ssl_endpoints.h>
#include <twisted/internet/endpoints/standard_io_endpoint.h>
#include <twisted/internet/endpoints/tcp_endpoints.h>
#include <twisted/internet/endpoints/unix_endpoints.h>
#include <twisted/internet/interfaces/istream_client_endpoint.h>
#include <twisted/internet/interfaces/istream_server_endpoint.h>
