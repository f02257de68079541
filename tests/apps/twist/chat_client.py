"""Clients of `twist chat` on plain sockets: two users pick names (one
taken), talk, and leave. With --hold, one user stays connected until the
server closes the connection (exit 0 on EOF)."""
import socket
import sys


class User:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rwb")

    def say(self, line, end=b"\n"):
        self.file.write(line + end)
        self.file.flush()

    def expect(self, line):
        got = self.file.readline()
        if got != line + b"\r\n":
            sys.exit(f"expected {line!r}, got {got!r}")

    def close(self):
        self.file.close()
        self.sock.close()


def main():
    port = int(sys.argv[1])
    if "--hold" in sys.argv:
        user = User(port)
        user.expect(b"What's your name?")
        user.say(b"holder")
        user.expect(b"Welcome, holder!")
        print("holding", flush=True)
        rest = user.file.read()  # until the server closes
        sys.exit(0 if rest == b"" else f"unexpected {rest!r}")

    alice = User(port)
    alice.expect(b"What's your name?")
    alice.say(b"alice")  # plain "\n", as nc sends
    alice.expect(b"Welcome, alice!")

    bob = User(port)
    bob.expect(b"What's your name?")
    bob.say(b"alice", end=b"\r\n")
    bob.expect(b"Name taken, please choose another.")
    bob.say(b"bob", end=b"\r\n")
    bob.expect(b"Welcome, bob!")
    alice.expect(b"* bob joined")

    alice.say(b"hello bob")
    bob.expect(b"<alice> hello bob")
    bob.say(b"hi alice, " + b"x" * 5000)
    alice.expect(b"<bob> hi alice, " + b"x" * 5000)

    bob.close()
    alice.expect(b"* bob left")
    alice.close()
    print("chat ok")


main()
