"""Python Twisted's spawnProcess driving a child, printing the
ProcessProtocol callbacks it sees (tests/interop/process.sh compares them
with process_peer.cpp's, twistedcpp's spawnProcess on the same child).

Usage: process_peer.py SCENARIO CHILD-ARGV...
  feed     write "hello\\n" to the child's stdin, then closeStdin
  silent   write nothing and leave stdin open
Prints one line per callback: data as "outReceived"/"errReceived" (a run of
consecutive chunks on one fd is one line), then "data FD REPR" totals.
"""
import sys

from twisted.internet import reactor
from twisted.internet.protocol import ProcessProtocol


class Recorder(ProcessProtocol):
    def __init__(self, scenario):
        self.scenario = scenario
        self.events = []
        self.data = {}

    def event(self, line):
        if not self.events or self.events[-1] != line or not line.endswith("Received"):
            self.events.append(line)

    def connectionMade(self):
        self.event("connectionMade")
        if self.scenario == "feed":
            self.transport.write(b"hello\n")
            self.transport.closeStdin()

    def childDataReceived(self, fd, data):
        self.data[fd] = self.data.get(fd, b"") + data
        ProcessProtocol.childDataReceived(self, fd, data)

    def outReceived(self, data):
        self.event("outReceived")

    def errReceived(self, data):
        self.event("errReceived")

    def inConnectionLost(self):
        self.event("inConnectionLost")

    def outConnectionLost(self):
        self.event("outConnectionLost")

    def errConnectionLost(self):
        self.event("errConnectionLost")

    def reason(self, name, reason):
        v = reason.value
        self.event("%s %s exitCode=%s signal=%s" % (name, type(v).__name__, v.exitCode, v.signal))

    def processExited(self, reason):
        self.reason("processExited", reason)

    def processEnded(self, reason):
        self.reason("processEnded", reason)
        for e in self.events:
            print(e)
        for fd in sorted(self.data):
            print("data %d %s" % (fd, self.data[fd].decode().replace("\n", "\\n")))
        sys.stdout.flush()
        reactor.stop()


p = Recorder(sys.argv[1])
reactor.callWhenRunning(reactor.spawnProcess, p, sys.argv[2], sys.argv[2:], env={})
reactor.run()
