"""drain_open_client.py - a connection open when twist gets SIGTERM.

Usage: python3 drain_open_client.py PORT TWIST_PID SERVICE

Connects to `twist SERVICE` (discard or chargen), makes sure the service is
talking (chargen: some noise arrives; discard: a line is sent), then sends
SIGTERM to twist and reads until EOF. The services owe nothing (discard) or
never finish (chargen), so a draining twist must close the connection at
once, not at its drain deadline: exits 0 if EOF came within 10 s.
"""
import os
import signal
import socket
import sys
import time


def main():
    port, pid, service = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    if service == "chargen":
        if not s.recv(100):
            sys.exit("chargen: no noise before SIGTERM")
    else:
        s.sendall(b"ignored\r\n")
    time.sleep(0.2)
    start = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    try:
        while s.recv(65536):
            pass
    except socket.timeout:
        sys.exit(f"{service}: still open 15 s after SIGTERM")
    took = time.monotonic() - start
    print(f"{service}: EOF {took:.2f} s after SIGTERM")
    sys.exit(0 if took < 10 else 1)


if __name__ == "__main__":
    main()
