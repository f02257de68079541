"""Python Twisted's side of the descriptor-passing interop test
(tests/interop/unix_fds.sh): Twisted's IUNIXTransport.sendFileDescriptor and
IFileDescriptorReceiver against twistedcpp's.

  unix_fds.py send PATH FILE   connectUNIX(PATH), send FILE's descriptor with
                               one byte, print what comes back, exit
  unix_fds.py serve PATH       listenUNIX(PATH); for each descriptor received,
                               read it and write back "twisted read: <text>"
"""
import os
import sys

from zope.interface import implementer
from twisted.internet import reactor
from twisted.internet.interfaces import IFileDescriptorReceiver
from twisted.internet.protocol import ClientFactory, Factory, Protocol

mode, path = sys.argv[1], sys.argv[2]


class Sender(Protocol):
    def connectionMade(self):
        self.fd = os.open(sys.argv[3], os.O_RDONLY)
        self.transport.sendFileDescriptor(self.fd)
        self.transport.write(b"F")
        self.got = b""

    def dataReceived(self, data):
        self.got += data
        if self.got.endswith(b"\n"):
            print("twisted got: " + self.got.decode().strip(), flush=True)
            self.transport.loseConnection()

    def connectionLost(self, reason):
        os.close(self.fd)
        reactor.stop()


@implementer(IFileDescriptorReceiver)
class Reader(Protocol):
    def connectionMade(self):
        self.fds = []

    def fileDescriptorReceived(self, fd):
        self.fds.append(fd)

    def dataReceived(self, data):
        for fd in self.fds:
            text = os.read(fd, 1000).decode().strip()
            os.close(fd)
            self.transport.write(("twisted read: %s\n" % text).encode())
        self.fds = []

    def connectionLost(self, reason):
        reactor.stop()


if mode == "send":
    f = ClientFactory()
    f.protocol = Sender
    reactor.connectUNIX(path, f)
else:
    reactor.listenUNIX(path, Factory.forProtocol(Reader))
    print("twisted: listening", flush=True)
reactor.run()
