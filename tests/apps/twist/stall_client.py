"""Clients that send but never read, against a running `twist`:
stall_client.py echo PORT PID   two clients each send up to 64 MiB to
                                `twist echo` and never read
stall_client.py echo PORT PID CA.pem   the same over TLS (`--listen ssl:`),
                                the server verified against CA.pem as localhost
stall_client.py chat PORT PID   a user joins and never reads while another
                                sends 64 MiB of lines; the stalled user must
                                be disconnected (sendq exceeded)
Either way twist's resident memory (VmRSS of PID) must grow by less than
8 MiB per stalled client. A client stops sending once the socket stays
unwritable for 2 s (the server stopped reading) or the 64 MiB are sent: an
unbounded server reads, and buffers, all of it."""
import select
import socket
import ssl
import sys

LIMIT = 64 << 20
PER_CLIENT = 8 << 20


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    sys.exit("no VmRSS")


CA = None  # a CA file: connect over TLS


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if CA:
        # The handshake blocking (bounded by the timeout), the rest not.
        s = ssl.create_default_context(cafile=CA).wrap_socket(s, server_hostname="localhost")
    s.setblocking(False)
    return s


def send_until_stalled(socks, chunk):
    """Sends chunk on every socket until each is stalled or has sent LIMIT."""
    sent = {s: 0 for s in socks}
    active = set(socks)
    while active:
        _, writable, _ = select.select([], list(active), [], 2.0)
        if not writable:
            break  # the server stopped reading from all of them
        for s in writable:
            try:
                sent[s] += s.send(chunk)
            except (BlockingIOError, InterruptedError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
            except OSError:
                active.discard(s)  # disconnected
                continue
            if sent[s] >= LIMIT:
                active.discard(s)
    return sent


def read_line(s):
    s.setblocking(True)
    data = b""
    while not data.endswith(b"\r\n"):
        more = s.recv(1)
        if not more:
            sys.exit(f"EOF after {data!r}")
        data += more
    s.setblocking(False)
    return data


def echo(port, pid):
    before = rss(pid)
    clients = [connect(port) for _ in range(2)]
    sent = send_until_stalled(clients, b"x" * 65536)
    grown = rss(pid) - before
    print(f"sent {[v >> 20 for v in sent.values()]} MiB, twist grew {grown >> 10} KiB")
    if grown >= PER_CLIENT * len(clients):
        sys.exit(f"twist echo grew by {grown} bytes for {len(clients)} stalled clients")


def chat(port, pid):
    slow = connect(port)
    read_line(slow)  # What's your name?
    slow.sendall(b"slow\r\n")
    read_line(slow)  # Welcome
    talker = connect(port)
    read_line(talker)
    talker.sendall(b"talker\r\n")
    read_line(talker)
    read_line(slow)  # * talker joined; from here on, slow never reads
    before = rss(pid)
    line = b"y" * 1000 + b"\r\n"
    sent = send_until_stalled([talker], line * 64)
    grown = rss(pid) - before
    print(f"talker sent {sent[talker] >> 20} MiB, twist grew {grown >> 10} KiB")
    if grown >= PER_CLIENT:
        sys.exit(f"twist chat grew by {grown} bytes for one stalled reader")
    # The stalled user was disconnected: what was sent to it ends in EOF or a
    # reset, well before 64 MiB.
    slow.setblocking(True)
    got = 0
    try:
        while True:
            data = slow.recv(1 << 20)
            if not data:
                break
            got += len(data)
    except ConnectionResetError:
        pass
    print(f"the stalled user got {got >> 10} KiB, then the connection closed")
    if got >= LIMIT:
        sys.exit("the stalled user was never disconnected")


def main():
    global CA
    mode, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    CA = sys.argv[4] if len(sys.argv) > 4 else None
    {"echo": echo, "chat": chat}[mode](port, pid)
    print(f"{mode} stall ok")


main()
