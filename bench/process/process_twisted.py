#!/usr/bin/python3
# process_twisted.py - Python Twisted's peer in the process benchmarks
# (bench/run_process.sh, docs/benchmarks-process.md): the same command line
# and result line as the C++ programs (process_common.h).
#
#   process_twisted.py spawn N INFLIGHT pipes|devnull
#   process_twisted.py cat BYTES
#
# The epoll reactor, reactor.run() (Twisted reaps on SIGCHLD, so its signal
# handlers are needed). spawn: reactor.spawnProcess of /bin/true, env={}
# (Twisted's default), INFLIGHT at once, each processEnded checks ProcessDone
# and starts the next; "pipes" is the default childFDs, "devnull" passes a
# /dev/null fd as 0, 1, 2. cat: one /bin/cat, a pull producer
# (registerProducer(p, False), as FileSender) writes 64 KiB per call, then
# closeStdin; outReceived counts; processEnded checks ProcessDone and the
# exact byte count. A failed check exits 3 with no result line.
import os
import resource
import sys
import time

from twisted.internet import epollreactor

epollreactor.install()

from twisted.internet import error, protocol, reactor  # noqa: E402
from twisted.internet.interfaces import IPullProducer  # noqa: E402
from zope.interface import implementer  # noqa: E402

IMPL = "twisted"
CHUNK = 64 * 1024
DATA = bytes((ord("a") + i % 26) for i in range(CHUNK))


def sample():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return time.monotonic(), ru.ru_utime, ru.ru_stime


def fail(what):
    sys.stderr.write("%s: CHECK FAILED: %s\n" % (IMPL, what))
    sys.stderr.flush()
    os._exit(3)


def usage():
    sys.stderr.write("usage: process_twisted.py spawn N INFLIGHT pipes|devnull | cat BYTES\n")
    sys.exit(2)


class TrueProtocol(protocol.ProcessProtocol):
    def __init__(self, driver):
        self.driver = driver

    def outReceived(self, data):
        fail("/bin/true wrote something")

    errReceived = outReceived

    def processEnded(self, reason):
        if not reason.check(error.ProcessDone):
            fail("a child did not exit 0: %s" % reason.getErrorMessage())
        self.driver.ended()


class SpawnDriver:
    def __init__(self, n, inflight, pipes):
        self.n, self.inflight, self.pipes = n, inflight, pipes
        self.started = self.done = 0
        self.devnull = None if pipes else os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)

    def startOne(self):
        self.started += 1
        if self.pipes:
            reactor.spawnProcess(TrueProtocol(self), "/bin/true", ["true"])
        else:
            d = self.devnull
            reactor.spawnProcess(TrueProtocol(self), "/bin/true", ["true"], childFDs={0: d, 1: d, 2: d})

    def ended(self):
        self.done += 1
        if self.started < self.n:
            self.startOne()
        elif self.done == self.n:
            reactor.stop()

    def begin(self):
        self.t0 = sample()
        for _ in range(min(self.inflight, self.n)):
            self.startOne()


@implementer(IPullProducer)
class CatProtocol(protocol.ProcessProtocol):
    def __init__(self, total):
        self.total, self.sent, self.received, self.ok = total, 0, 0, False

    def connectionMade(self):
        self.transport.registerProducer(self, False)

    def resumeProducing(self):
        if self.sent >= self.total:
            return
        n = min(CHUNK, self.total - self.sent)
        self.sent += n
        self.transport.write(DATA if n == CHUNK else DATA[:n])
        if self.sent == self.total:
            self.transport.unregisterProducer()
            self.transport.closeStdin()

    def stopProducing(self):
        pass

    def outReceived(self, data):
        self.received += len(data)

    def errReceived(self, data):
        fail("cat wrote to stderr")

    def processEnded(self, reason):
        if not reason.check(error.ProcessDone):
            fail("cat did not exit 0: %s" % reason.getErrorMessage())
        if self.sent != self.total or self.received != self.total:
            fail("byte count is not exact (%d sent, %d received)" % (self.sent, self.received))
        self.ok = True
        reactor.stop()


def main(argv):
    if len(argv) == 5 and argv[1] == "spawn" and argv[4] in ("pipes", "devnull"):
        n, inflight, pipes = int(argv[2]), int(argv[3]), argv[4] == "pipes"
        d = SpawnDriver(n, inflight, pipes)
        reactor.callWhenRunning(d.begin)
        reactor.run()
        t1 = sample()
        if d.done != n:
            fail("not every child ended")
        wall, user, sys_ = t1[0] - d.t0[0], t1[1] - d.t0[1], t1[2] - d.t0[2]
        print("impl=%s test=spawn variant=%s n=%d inflight=%d wall_s=%.4f procs_per_s=%.1f "
              "parent_cpu_us_per_proc=%.2f user_s=%.4f sys_s=%.4f"
              % (IMPL, argv[4], n, inflight, wall, n / wall, (user + sys_) * 1e6 / n, user, sys_))
    elif len(argv) == 3 and argv[1] == "cat":
        total = int(argv[2])
        p = CatProtocol(total)
        t = {}

        def begin():
            t["t0"] = sample()
            reactor.spawnProcess(p, "/bin/cat", ["cat"])

        reactor.callWhenRunning(begin)
        reactor.run()
        t1 = sample()
        if not p.ok:
            fail("cat did not end")
        t0 = t["t0"]
        wall, user, sys_ = t1[0] - t0[0], t1[1] - t0[1], t1[2] - t0[2]
        mib = total / 1048576.0
        print("impl=%s test=cat bytes=%d wall_s=%.4f mib_per_s=%.1f parent_cpu_s=%.4f "
              "mib_per_cpu_s=%.1f user_s=%.4f sys_s=%.4f"
              % (IMPL, total, wall, mib / wall, user + sys_, mib / (user + sys_), user, sys_))
    else:
        usage()


if __name__ == "__main__":
    main(sys.argv)
