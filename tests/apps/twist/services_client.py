"""Checks one `twist` service over a plain socket: services_client.py NAME PORT."""
import re
import socket
import struct
import sys
import time

NOISE = b"@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~ !\"#$%&?"


HOST = "127.0.0.1"


def connect(port):
    return socket.create_connection((HOST, port), timeout=10)


def read_all(sock):
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        more = sock.recv(n - len(data))
        if not more:
            sys.exit(f"EOF after {len(data)} of {n} bytes")
        data += more
    return data


def echo(port):
    s = connect(port)
    payload = bytes(range(256)) * 4096  # 1 MiB, every byte value
    s.sendall(payload)
    got = read_exactly(s, len(payload))
    assert got == payload, "echo differs"
    s.shutdown(socket.SHUT_WR)
    assert read_all(s) == b"", "data after the echo"


def discard(port):
    s = connect(port)
    s.sendall(b"x" * 100000)
    s.shutdown(socket.SHUT_WR)
    assert read_all(s) == b"", "discard answered"


def chargen(port):
    s = connect(port)
    got = read_exactly(s, 71 * 1000)
    pattern = re.sub(rb"\r\n", b"", got)
    # The noise, repeated, possibly with line breaks between repetitions.
    assert pattern[:71] == NOISE, pattern[:80]
    assert set(pattern) <= set(NOISE), "unexpected bytes"
    s.close()


def qotd(port, quote):
    assert read_all(connect(port)) == quote, "wrong quote"


def daytime(port):
    text = read_all(connect(port)).decode()
    assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\r\n", text), text
    parsed = time.strptime(text.strip(), "%a %b %d %H:%M:%S %Y")
    assert abs(time.mktime(parsed) - time.mktime(time.gmtime())) < 60, text


def time_(port):
    data = read_all(connect(port))
    assert len(data) == 4, data
    (seconds,) = struct.unpack("!I", data)
    assert abs(seconds - 2208988800 - time.time()) < 60, seconds


def main():
    global HOST
    name, port = sys.argv[1], int(sys.argv[2])
    if name == "echo6":
        HOST, name = "::1", "echo"
    if name == "qotd":
        qotd(port, b"An apple a day keeps the doctor away.\r\n")
    elif name == "qotd-custom":
        qotd(port, b"Hello from twist\r\n")
    elif name == "closed":
        assert read_all(connect(port)) == b"", "data from a closed connection"
    elif name in ("echo", "portforward"):
        echo(port)
    else:
        {"discard": discard, "chargen": chargen, "daytime": daytime, "time": time_}[name](port)
    print(f"{name} ok")


main()
