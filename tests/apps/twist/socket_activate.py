"""Starts a program as systemd's socket activation does (sd_listen_fds):
a listening socket as descriptor 3, LISTEN_FDS=1 and LISTEN_PID = the
program's pid (this process's, kept across exec).

Usage: socket_activate.py ADDRFILE INET|UNIX:PATH PROGRAM ARGS...
Writes the port (INET: 127.0.0.1, an ephemeral port) or the path to
ADDRFILE, then execs PROGRAM.
"""
import os
import socket
import sys

addr_file, family = sys.argv[1], sys.argv[2]
if family == "INET":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    where = str(s.getsockname()[1])
else:
    path = family.split(":", 1)[1]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    where = path
s.listen(50)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)  # inheritable
    s.close()
else:
    os.set_inheritable(3, True)
    s.detach()
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid())
with open(addr_file + ".tmp", "w") as f:
    f.write(where)
os.rename(addr_file + ".tmp", addr_file)
os.execv(sys.argv[3], sys.argv[3:])
