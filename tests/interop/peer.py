"""The Python Twisted side of the interop tests (see run.sh): an echo
server and its clients over LineReceiver, Int32StringReceiver or
NetstringReceiver, speaking exactly what interop_peer.cpp speaks.

Server: echoes each message; "abort" makes it abort the connection (RST),
"close" makes it close. With --halfclose it is an IHalfCloseableProtocol:
on the peer's EOF it sends "summary COUNT BYTES" and closes. For each
connection it prints "server: lost REASON messages=N bytes=B sum=S" and
exits after --connections of them.

Client scenarios: echo (sizes up to 1 MiB), chunk1 (every byte its own
write), many (concurrent connections), halfclose, abortc (client aborts),
aborts (server aborts). It checks every echo and the connectionLost reason
and prints "client: ok" and "client: expect server messages=N bytes=B sum=S".
"""
import argparse
import socket
import struct
import sys

from zope.interface import implementer
from twisted.internet import reactor
from twisted.internet.interfaces import IHalfCloseableProtocol
from twisted.internet.protocol import ClientFactory, Factory
from twisted.protocols.basic import Int32StringReceiver, LineReceiver, NetstringReceiver

MAX = 4 << 20
ALPHABET = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
SIZES = {
    "echo": [0, 1, 2, 10, 100, 1000, 65536, 1 << 20],
    "chunk1": [0, 1, 2, 3, 10, 50, 200],
    "many": [1, 100, 10000],
    "halfclose": [1, 10, 100, 1000],
    "abortc": [1, 10, 100],
    "aborts": [1, 10],
}


def message(conn, index, size):
    """Deterministic payload, the same as interop_peer.cpp's."""
    n = len(ALPHABET)
    return bytes(ALPHABET[(i * 7 + index * 13 + conn * 31) % n] for i in range(size))


def frame(framing, msg):
    if framing == "line":
        return msg + b"\r\n"
    if framing == "int32":
        return struct.pack("!I", len(msg)) + msg
    return b"%d:%s," % (len(msg), msg)


def reason_name(reason):
    return reason.type.__name__


args_unix = False


def rst_abort(transport):
    """abortConnection with SO_LINGER 0, so the peer surely gets a RST."""
    transport.getHandle().setsockopt(
        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abortConnection()


class Peer:
    """What both sides share: framing-independent send, byte dripping."""

    chunk = 0

    def setup(self):
        if not args_unix:  # a Unix transport refuses TCP_NODELAY (OSError)
            self.transport.setTcpNoDelay(True)
        self.drip = b""

    def send(self, msg):
        if not self.chunk:
            self.sendFramed(msg)
            return
        start = not self.drip
        self.drip += frame(self.framing, msg)
        if start:
            reactor.callLater(0, self.dripOne)

    def dripOne(self):
        if not self.drip or not self.connected:
            return
        self.transport.write(self.drip[:self.chunk])
        self.drip = self.drip[self.chunk:]
        if self.drip:
            reactor.callLater(0, self.dripOne)


def framed(framing):
    """A protocol base for `framing` with a common send/receive interface."""
    if framing == "line":
        class Base(LineReceiver, Peer):
            MAX_LENGTH = MAX

            def lineReceived(self, line):
                self.onMessage(line)

            def sendFramed(self, msg):
                self.sendLine(msg)
    elif framing == "int32":
        class Base(Int32StringReceiver, Peer):
            MAX_LENGTH = MAX

            def stringReceived(self, s):
                self.onMessage(s)

            def sendFramed(self, msg):
                self.sendString(msg)
    else:
        class Base(NetstringReceiver, Peer):
            MAX_LENGTH = MAX

            def stringReceived(self, s):
                self.onMessage(s)

            def sendFramed(self, msg):
                self.sendString(msg)
    Base.framing = framing
    return Base


def run_server(args):
    Base = framed(args.framing)
    state = {"lost": 0}

    class Server(Base):
        chunk = args.chunk

        def connectionMade(self):
            self.setup()
            self.count = self.bytes = self.sum = 0
            self.halfClosed = False

        def onMessage(self, msg):
            self.count += 1
            self.bytes += len(msg)
            self.sum = (self.sum + sum(msg)) & 0xFFFFFFFF
            if msg == b"abort":
                rst_abort(self.transport)
            elif msg == b"close":
                self.transport.loseConnection()
            else:
                self.send(msg)

        def readConnectionLost(self):
            self.halfClosed = True
            self.send(b"summary %d %d" % (self.count, self.bytes))
            self.transport.loseConnection()

        def writeConnectionLost(self):
            pass

        def connectionLost(self, reason):
            extra = " readConnectionLost" if self.halfClosed else ""
            print("server: lost %s messages=%d bytes=%d sum=%d%s" % (
                reason_name(reason), self.count, self.bytes, self.sum, extra), flush=True)
            state["lost"] += 1
            if state["lost"] == args.connections:
                reactor.stop()

    protocol = implementer(IHalfCloseableProtocol)(Server) if args.halfclose else Server
    factory = Factory.forProtocol(protocol)
    factory.noisy = False
    if args.unix:
        reactor.listenUNIX(args.unix, factory)
        print("server: listening on unix %s." % args.unix, flush=True)
    else:
        port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        print("server: listening on port %d." % port.getHost().port, flush=True)
    reactor.run()
    print("server: done", flush=True)


def run_client(args):
    Base = framed(args.framing)
    scenario = args.scenario
    sizes = SIZES[scenario]
    connections = args.connections if scenario == "many" else 1
    results = {"done": 0, "errors": []}

    def finish(error=None):
        if error:
            results["errors"].append(error)
        results["done"] += 1
        if results["done"] == connections:
            reactor.stop()

    class Client(Base):
        chunk = args.chunk

        def __init__(self, conn):
            self.conn = conn
            self.sent = [message(conn, i, s) for i, s in enumerate(sizes)]
            self.got = []
            self.error = None

        def connectionMade(self):
            self.setup()
            for m in self.sent:
                self.send(m)
            if scenario == "halfclose":
                self.transport.loseWriteConnection()

        def check(self, ok, what):
            if not ok and not self.error:
                self.error = "connection %d: %s" % (self.conn, what)

        def onMessage(self, msg):
            index = len(self.got)
            self.got.append(msg)
            if index < len(self.sent):
                self.check(msg == self.sent[index], "echo %d differs (%d bytes, expected %d)" % (
                    index, len(msg), len(self.sent[index])))
            elif scenario == "halfclose" and index == len(self.sent):
                expected = b"summary %d %d" % (len(self.sent), sum(sizes))
                self.check(msg == expected, "summary %r, expected %r" % (msg, expected))
            else:
                self.check(False, "unexpected message %r" % msg[:40])
            if len(self.got) == len(self.sent):
                if scenario in ("echo", "chunk1", "many"):
                    self.transport.loseConnection()
                elif scenario == "abortc":
                    rst_abort(self.transport)
                elif scenario == "aborts":
                    self.send(b"abort")

        def readConnectionLost(self):
            self.transport.loseConnection()

        def writeConnectionLost(self):
            pass

        def connectionLost(self, reason):
            want_msgs = len(self.sent) + (1 if scenario == "halfclose" else 0)
            self.check(len(self.got) == want_msgs,
                       "got %d messages, expected %d" % (len(self.got), want_msgs))
            want = {"abortc": "ConnectionAborted", "aborts": "ConnectionLost"}.get(
                scenario, "ConnectionDone")
            self.check(reason_name(reason) == want,
                       "lost with %s, expected %s" % (reason_name(reason), want))
            finish(self.error)

    class Factory_(ClientFactory):
        noisy = False

        def __init__(self, conn):
            self.conn = conn

        def buildProtocol(self, addr):
            p = Client(self.conn)
            p.factory = self
            return p

        def clientConnectionFailed(self, connector, reason):
            finish("connection %d failed: %s" % (self.conn, reason.getErrorMessage()))

    for conn in range(connections):
        if args.unix:
            reactor.connectUNIX(args.unix, Factory_(conn))
        else:
            reactor.connectTCP("127.0.0.1", args.port, Factory_(conn))
    reactor.run()

    for error in results["errors"]:
        print("client: FAIL " + error, flush=True)
    sent = [message(0, i, s) for i, s in enumerate(sizes)]
    if scenario == "aborts":
        sent.append(b"abort")
    print("client: expect server messages=%d bytes=%d sum=%d" % (
        len(sent), sum(map(len, sent)), sum(sum(m) for m in sent) & 0xFFFFFFFF), flush=True)
    if results["errors"]:
        sys.exit(1)
    print("client: ok %s %s x%d" % (args.framing, scenario, connections), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["server", "client"])
    parser.add_argument("--framing", choices=["line", "int32", "netstring"], required=True)
    parser.add_argument("--scenario", choices=sorted(SIZES), default="echo")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=0)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--halfclose", action="store_true")
    parser.add_argument("--unix", default="", help="a Unix socket path instead of TCP")
    args = parser.parse_args()
    global args_unix
    args_unix = bool(args.unix)
    (run_server if args.role == "server" else run_client)(args)


main()
