"""The Python Twisted side of the TLS interop tests (tls.sh), speaking the
same modes as tls_peer.cpp:

  tls_peer.py server --cert BOTH.pem [--mode echo|starttls] [--client-ca CA.pem]
      listenSSL (or listenTCP + startTLS) on 127.0.0.1:0 with
      ssl.CertificateOptions; prints "server: listening on port N.", then
      "server: handshake ..." and "server: lost REASON bytes=N" and stops
      after the first connection.
  tls_peer.py client --port N --ca CA.pem [--hostname localhost] [--mode echo|starttls]
                     [--size N] [--client-cert BOTH.pem]
      connectSSL with ssl.optionsForClientTLS against the CA; sends --size
      bytes, checks the echo, closes; prints "client: ok ..." (exit 0) or
      "client: FAIL ..." (exit 1).

"echo" writes back what it reads. "starttls" is a line protocol: lines are
echoed, "STARTTLS" is answered "GO" and both sides start TLS.
"""

import argparse
import sys

from twisted.internet import error, reactor, ssl
from twisted.internet.interfaces import IHandshakeListener
from twisted.internet.protocol import ClientFactory, Factory, Protocol
from twisted.protocols.basic import LineReceiver
from zope.interface import implementer


def out(line):
    print(line, flush=True)


def reason_name(reason):
    for kind in (error.ConnectionDone, error.ConnectionLost, error.ConnectionAborted):
        if reason.check(kind):
            return kind.__name__
    return "%s(%s)" % (reason.type.__name__, reason.getErrorMessage())


def describe(transport):
    peer = transport.getPeerCertificate()
    cn = peer.get_subject().CN if peer is not None else "none"
    version = transport.getHandle().get_protocol_version_name()
    return "%s peer=%s" % (version, cn)


def payload(size):
    return bytes(ord("a") + (i * 7) % 26 for i in range(size))


def server_options(args):
    with open(args.cert, "rb") as f:
        pem = f.read()
    cert = ssl.PrivateCertificate.loadPEM(pem)
    kw = {}
    if args.client_ca:
        with open(args.client_ca, "rb") as f:
            ca = ssl.Certificate.loadPEM(f.read())
        kw = dict(verify=True, caCerts=[ca.original], requireCertificate=True)
    return ssl.CertificateOptions(
        privateKey=cert.privateKey.original, certificate=cert.original, **kw
    )


def run_server(args):
    options = server_options(args)
    stats = {"bytes": 0}

    @implementer(IHandshakeListener)
    class Echo(Protocol):
        def handshakeCompleted(self):
            out("server: handshake %s" % describe(self.transport))

        def dataReceived(self, data):
            stats["bytes"] += len(data)
            self.transport.write(data)

        def connectionLost(self, reason):
            out("server: lost %s bytes=%d" % (reason_name(reason), stats["bytes"]))
            reactor.stop()

    class StartTLS(LineReceiver):
        tls = False

        def lineReceived(self, line):
            stats["bytes"] += len(line) + 2
            if line == b"STARTTLS" and not self.tls:
                self.tls = True
                self.sendLine(b"GO")  # in plaintext: written before startTLS
                self.transport.startTLS(options)
            else:
                if self.tls and line == b"hello tls":
                    out("server: hello under %s" % describe(self.transport))
                self.sendLine(line)

        def connectionLost(self, reason):
            out("server: lost %s bytes=%d" % (reason_name(reason), stats["bytes"]))
            reactor.stop()

    if args.mode == "starttls":
        port = reactor.listenTCP(0, Factory.forProtocol(StartTLS), interface="127.0.0.1")
    else:
        port = reactor.listenSSL(0, Factory.forProtocol(Echo), options, interface="127.0.0.1")
    out("server: listening on port %d." % port.getHost().port)
    reactor.run()
    return 0


def run_client(args):
    with open(args.ca, "rb") as f:
        ca = ssl.Certificate.loadPEM(f.read())
    client_cert = None
    if args.client_cert:
        with open(args.client_cert, "rb") as f:
            client_cert = ssl.PrivateCertificate.loadPEM(f.read())
    options = ssl.optionsForClientTLS(
        args.hostname, trustRoot=ca, clientCertificate=client_cert
    )
    sent = payload(args.size)
    result = {}

    @implementer(IHandshakeListener)
    class Client(Protocol):
        received = b""

        def connectionMade(self):
            self.transport.write(sent)  # buffered until the handshake is done

        def handshakeCompleted(self):
            result["handshake"] = True
            out("client: handshake %s" % describe(self.transport))

        def dataReceived(self, data):
            self.received += data
            if len(self.received) >= len(sent):
                result["echo"] = self.received == sent
                self.transport.loseConnection()

        def connectionLost(self, reason):
            result["lost"] = reason
            out("client: lost %s" % reason_name(reason))

    class F(ClientFactory):
        protocol = Client

        def clientConnectionFailed(self, connector, reason):
            result["failed"] = reason.getErrorMessage()
            reactor.stop()

        def clientConnectionLost(self, connector, reason):
            reactor.stop()

    class StartTLSClient(LineReceiver):
        def connectionMade(self):
            self.sendLine(b"hello plain")

        def lineReceived(self, line):
            if line == b"hello plain":
                self.sendLine(b"STARTTLS")
            elif line == b"GO":
                self.transport.startTLS(options)
                self.sendLine(b"hello tls")  # encrypted: written after startTLS
            elif line == b"hello tls":
                # Reaching here means the handshake verified the server.
                result["handshake"] = True
                out("client: hello under %s" % describe(self.transport))
                result["echo"] = True
                self.transport.loseConnection()
            else:
                out("client: unexpected line %r" % line)
                self.transport.loseConnection()

        def connectionLost(self, reason):
            result["lost"] = reason
            out("client: lost %s" % reason_name(reason))

    if args.mode == "starttls":
        F.protocol = StartTLSClient
        reactor.connectTCP("127.0.0.1", args.port, F())
    else:
        reactor.connectSSL("127.0.0.1", args.port, F(), options)
    reactor.callLater(60, reactor.stop)  # a bound, never reached when it works
    reactor.run()
    if "failed" in result:
        out("client: FAIL connection failed: %s" % result["failed"])
        return 1
    if not result.get("handshake"):
        out("client: FAIL no handshake (%s)" % (result.get("lost") and reason_name(result["lost"])))
        return 1
    if not result.get("echo"):
        out("client: FAIL the echo differs or is missing")
        return 1
    if "lost" not in result or not result["lost"].check(error.ConnectionDone):
        out("client: FAIL not a clean close")
        return 1
    out("client: ok %s" % ("starttls" if args.mode == "starttls" else "echoed %d bytes" % len(sent)))
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["server", "client"])
    p.add_argument("--mode", default="echo")
    p.add_argument("--cert")
    p.add_argument("--client-ca")
    p.add_argument("--ca")
    p.add_argument("--hostname", default="localhost")
    p.add_argument("--client-cert")
    p.add_argument("--port", type=int)
    p.add_argument("--size", type=int, default=100000)
    args = p.parse_args()
    return run_server(args) if args.role == "server" else run_client(args)


if __name__ == "__main__":
    sys.exit(main())
