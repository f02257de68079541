// twisted.protocols.tls under Twisted's module name: TLS as a protocol
// wrapper over any transport. The classes live in twisted::internet::tls
// (include/twisted/internet/tls.h) because the TCP and Unix transports'
// startTLS use them; this header names them where a Twisted user looks.
#pragma once

#include <twisted/internet/tls.h>

namespace twisted::protocols::tls {

/// Mirrors twisted.protocols.tls.TLSMemoryBIOProtocol.
using internet::tls::TLSMemoryBIOProtocol;
/// Mirrors twisted.protocols.tls.TLSMemoryBIOFactory.
using internet::tls::TLSMemoryBIOFactory;

}  // namespace twisted::protocols::tls
