// Umbrella: `#include <twisted/internet/interfaces.h>` reads like
// `from twisted.internet import interfaces`.
#pragma once

#include <twisted/internet/interfaces/ifile_descriptor.h>
#include <twisted/internet/interfaces/ifile_descriptor_receiver.h>
#include <twisted/internet/interfaces/ihandshake_listener.h>
#include <twisted/internet/interfaces/imulticast_transport.h>
#include <twisted/internet/interfaces/iproducer.h>
#include <twisted/internet/interfaces/ireactor_core.h>
#include <twisted/internet/interfaces/ireactor_fdset.h>
#include <twisted/internet/interfaces/ireactor_multicast.h>
#include <twisted/internet/interfaces/ireactor_pluggable_resolver.h>
#include <twisted/internet/interfaces/ireactor_signals.h>
#include <twisted/internet/interfaces/ireactor_socket.h>
#include <twisted/internet/interfaces/ireactor_ssl.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/ireactor_threads.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/interfaces/ireactor_udp.h>
#include <twisted/internet/interfaces/ireactor_unix.h>
#include <twisted/internet/interfaces/ireactor_unix_datagram.h>
#include <twisted/internet/interfaces/iresolver_simple.h>
#include <twisted/internet/interfaces/issl_transport.h>
#include <twisted/internet/interfaces/istream_client_endpoint.h>
#include <twisted/internet/interfaces/istream_server_endpoint.h>
#include <twisted/internet/interfaces/itls_transport.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/interfaces/iudp_transport.h>
#include <twisted/internet/interfaces/iunix_transport.h>
