"""`twist --workers 2 chat`: COUNT users join (the kernel spreads them over
both workers), the first says hello, and every other user must hear it;
a name taken on one worker is refused on the other.

Usage: chat_workers_client.py PORT COUNT
"""

import socket
import sys


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    return s, s.makefile("rb")


def expect(f, wanted):
    while True:
        line = f.readline()
        if not line:
            raise SystemExit(f"connection closed waiting for {wanted!r}")
        if wanted in line.decode():
            return


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    users = []
    for i in range(count):
        s, f = connect(port)
        expect(f, "What's your name?")
        s.sendall(b"user%d\r\n" % i)
        expect(f, "Welcome, user%d!" % i)
        users.append((s, f))
    # A name already taken, whichever worker holds it.
    for _ in range(4):
        s, f = connect(port)
        expect(f, "What's your name?")
        s.sendall(b"user0\r\n")
        expect(f, "Name taken")
        s.close()
    users[0][0].sendall(b"hello from user0\r\n")
    for i, (s, f) in enumerate(users[1:], 1):
        expect(f, "<user0> hello from user0")
    print(f"{count - 1} users heard user0")
    for s, _ in users:
        s.close()


main()
