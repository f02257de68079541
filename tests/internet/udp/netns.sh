#!/bin/sh
# Runs "$@" in a private network namespace whose loopback carries IPv4
# multicast (lo up with MULTICAST, 224.0.0.0/4 routed to it from 127.0.0.1),
# so the multicast examples really send and receive without touching the
# machine's own network. Where namespaces are not allowed (not root, a
# container without CAP_SYS_ADMIN) it runs "$@" as is: multicast may then not
# reach the other program.
if unshare -n true 2>/dev/null; then
  exec unshare -n sh -c '
    ip link set lo up multicast on &&
      ip route add 224.0.0.0/4 dev lo src 127.0.0.1 &&
      export TWISTED_TEST_NETNS=1
    exec "$@"' sh "$@"
fi
exec "$@"
