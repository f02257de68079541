"""Python Twisted's UDP programs, as the independent peer of twistedcpp's
UDP examples (tests/interop/udp.sh): the echo server and a verifying echo
client of seed 001 §4, and the multicast ping-pong server and client.

Usage: udp_peer.py echo-server | echo-client PORT | helloer PORT |
       multicast-server | multicast-client PORT
Servers print "server: listening on port N." and run until killed; clients
print "client: ok ..." and exit 0 once everything came back, 1 otherwise.
"""
import sys

from twisted.internet import reactor
from twisted.internet.protocol import DatagramProtocol

GROUP = "228.0.0.5"


class Echo(DatagramProtocol):
    def datagramReceived(self, data, addr):
        print("received %r from %s" % (data, addr), flush=True)
        self.transport.write(data, addr)


class EchoClient(DatagramProtocol):
    """Sends datagrams of several sizes (resending while unanswered) and
    checks each echo, byte for byte."""

    def __init__(self, port):
        self.port = port
        self.pending = {b"%d:" % i + bytes([65 + i % 26]) * size: 0
                        for i, size in enumerate([0, 1, 64, 1400, 8000])}
        self.bad = 0

    def startProtocol(self):
        self.send()

    def send(self):
        for d in self.pending:
            self.transport.write(d, ("127.0.0.1", self.port))
        self.resend = reactor.callLater(0.5, self.send)

    def datagramReceived(self, data, addr):
        if addr != ("127.0.0.1", self.port):
            self.bad += 1
        self.pending.pop(data, None)
        if not self.pending:
            self.resend.cancel()
            print("client: ok, every datagram echoed (bad=%d)" % self.bad, flush=True)
            reactor.stop()


class Helloer(DatagramProtocol):
    """Seed 001 §4.2's connected client, resending until answered."""

    def __init__(self, port):
        self.port = port

    def startProtocol(self):
        self.transport.connect("127.0.0.1", self.port)
        self.send()

    def send(self):
        self.transport.write(b"hello")  # no need for address
        self.resend = reactor.callLater(0.5, self.send)

    def datagramReceived(self, data, addr):
        self.resend.cancel()
        if data == b"hello" and addr == ("127.0.0.1", self.port):
            print("client: ok, echoed in connected mode", flush=True)
        else:
            print("client: unexpected %r from %r" % (data, addr), flush=True)
        reactor.stop()


class MulticastPingPong(DatagramProtocol):
    def startProtocol(self):
        self.transport.setTTL(5)
        self.transport.joinGroup(GROUP)

    def datagramReceived(self, datagram, address):
        print("Datagram %r received from %r" % (datagram, address), flush=True)
        if datagram == b"Client: Ping":
            self.transport.write(b"Server: Pong", address)


class MulticastPingClient(DatagramProtocol):
    def __init__(self, port):
        self.port = port

    def startProtocol(self):
        self.transport.joinGroup(GROUP)
        self.transport.write(b"Client: Ping", (GROUP, self.port))

    def datagramReceived(self, datagram, address):
        print("Datagram %r received from %r" % (datagram, address), flush=True)
        if datagram == b"Server: Pong" and address == ("127.0.0.1", self.port):
            print("client: ok, pong from the server", flush=True)
            reactor.stop()


def main():
    mode = sys.argv[1]
    if mode == "echo-server":
        port = reactor.listenUDP(0, Echo(), interface="127.0.0.1")
    elif mode == "multicast-server":
        port = reactor.listenMulticast(0, MulticastPingPong(), listenMultiple=True)
    elif mode == "echo-client":
        reactor.listenUDP(0, EchoClient(int(sys.argv[2])), interface="127.0.0.1")
        port = None
    elif mode == "helloer":
        reactor.listenUDP(0, Helloer(int(sys.argv[2])), interface="127.0.0.1")
        port = None
    elif mode == "multicast-client":
        reactor.listenMulticast(0, MulticastPingClient(int(sys.argv[2])))
        port = None
    else:
        sys.exit("unknown mode " + mode)
    if port is not None:
        print("server: listening on port %d." % port.getHost().port, flush=True)
    else:
        reactor.callLater(10, lambda: (print("client: timed out", flush=True), reactor.stop()))
    reactor.run()


if __name__ == "__main__":
    main()
