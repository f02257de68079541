#!/usr/bin/env bash
# Installs the Debian packages twistedcpp needs to build, test and benchmark.
# Idempotent: installs only what is missing, so it is cheap to call from
# every entry point (scripts/run, scripts/test, .ci/run).
set -euo pipefail

# Build: compiler, CMake + Ninja. Libraries: {fmt} (log formatting),
# CLI11 (twist's command line), GoogleTest/GoogleMock, Google Benchmark.
# Tests: Python Twisted, the independent peer of the interop tests.
# netcat-openbsd: `nc`, what scripts/run tells the user to connect with.
# bc: the interactive child of examples/process/bc_calculator.
# libssl-dev: OpenSSL 3, under TLS (twisted/internet/ssl.h). openssl, curl,
# socat, python3-openssl, python3-service-identity: the TLS interop peers
# (openssl s_client/s_server, curl, Python Twisted's TLS).
# Packaging (tests/consumer/run.sh): dpkg-dev (dpkg-shlibdeps, which CPack's
# DEB generator runs to compute twist's dependencies) and file (CPack finds
# the ELF files with it); pkg-config for the pkg-config consumer build;
# doxygen for the API reference (scripts/apidocs, the twistedcpp-doc package).
# liburing-dev: the io_uring reactor.
# The README says why each is here.
PACKAGES=(
  g++ cmake ninja-build make pkg-config dpkg-dev file clang-format doxygen
  libfmt-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev liburing-dev
  python3 python3-twisted netcat-openbsd bc
  libssl-dev openssl curl socat python3-openssl python3-service-identity ca-certificates
)
if [[ ${TWISTED_BENCH_DEPS:-0} == 1 ]]; then
  # The peers that ../shared/bench compares us with.
  PACKAGES+=(libasio-dev libuv1-dev libevent-dev python3-uvloop)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) == 0 ]] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
