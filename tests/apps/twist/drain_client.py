"""Graceful drain of `twist echo --delay`: opens COUNT connections, sends a
request on each, waits until the server has read every request (its side of
each connection has nothing left in its receive queue, from /proc/net/tcp),
sends SIGTERM to the server while the responses are still owed, then reads
every connection to EOF.

Usage: drain_client.py PORT PID COUNT MODE
  MODE complete: every connection must get its full response, then EOF.
  MODE deadline: the responses come after the drain deadline: every
                 connection must be closed by the server (EOF or reset)
                 without its response.
Exits 0 on success, printing a summary line.
"""

import asyncio
import os
import resource
import signal
import sys
import time


def server_side_queues(port):
    """(established server-side sockets on `port`, how many of them still
    hold unread bytes), from /proc/net/tcp."""
    count = unread = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, state, queues = fields[1], fields[3], fields[4]
            if state != "01" or int(local.split(":")[1], 16) != port:
                continue
            count += 1
            if int(queues.split(":")[1], 16):
                unread += 1
    return count, unread


async def main():
    port, pid, count, mode = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1000), hard))

    conns = []
    for i in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        conns.append((reader, writer, b"request %d\n" % i))
    for _, writer, request in conns:
        writer.write(request)
    for _, writer, _ in conns:
        await writer.drain()

    # Every request read by the server: only then is it in flight there.
    deadline = time.monotonic() + 60
    while True:
        established, unread = server_side_queues(port)
        if established >= count and unread == 0:
            break
        if time.monotonic() > deadline:
            print(f"server did not read every request ({established} open, {unread} unread)")
            return 1
        await asyncio.sleep(0.02)
    answered_early = sum(1 for r, _, _ in conns if len(r._buffer))
    os.kill(pid, signal.SIGTERM)
    started = time.monotonic()

    async def finish(reader, request):
        try:
            data = await reader.read(-1)  # to EOF
        except ConnectionError:
            return "reset"
        if data == request:
            return "full"
        return "empty" if not data else "partial"

    results = await asyncio.gather(*(finish(r, req) for r, _, req in conns))
    elapsed = time.monotonic() - started
    for _, writer, _ in conns:
        writer.close()
    tally = {k: results.count(k) for k in ("full", "partial", "empty", "reset")}
    print(f"{mode}: {count} connections, {answered_early} answered before SIGTERM, "
          f"after it {tally} in {elapsed:.1f} s")
    if answered_early == count:
        print("every response came before SIGTERM: nothing was in flight")
        return 1
    if mode == "complete":
        lost = count - tally["full"]
        print(f"lost responses: {lost}")
        return 0 if lost == 0 else 1
    # deadline: nothing answered after SIGTERM, every connection closed.
    return 0 if tally["full"] == 0 and tally["partial"] == 0 else 1


sys.exit(asyncio.run(main()))
