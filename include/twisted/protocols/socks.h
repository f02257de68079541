// twisted.protocols.socks: a SOCKS4/SOCKS4a proxy server.
#pragma once

#include <twisted/protocols/socks/request_parser.h>  // IWYU pragma: export
#include <twisted/protocols/socks/socks_v4.h>        // IWYU pragma: export
