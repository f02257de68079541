#!/usr/bin/env bash
# The consumer test: builds tests/consumer (a tiny echo server) the ways a
# user would, and runs each build against a Python client over loopback:
#   1. find_package(twistedcpp) from an install tree (static libtwisted)
#   2. pkg-config, a plain g++ command line (static)
#   3. find_package + pkg-config again with the shared libtwisted.so
#   4. FetchContent of this source tree (no install, no network)
#   5. the Debian packages from cpack (libtwistedcpp-dev, twistedcpp and
#      twistedcpp-doc, the API reference): contents and dependencies checked, then
#      find_package + pkg-config against them. By default the .debs are
#      unpacked into a temporary root (dpkg-deb -x); with
#      TWISTED_CONSUMER_APT=1 they are installed into the system with
#      `apt-get install ./….deb` (and purged afterwards, unless they were
#      installed before), which is what CI (.ci/run) does.
# Library builds are Release without sanitizers, tests and examples; ccache
# is used when present. TWISTED_CONSUMER_KEEP=1 keeps the work directory.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CONSUMER=$SRC/tests/consumer
WORK=$(mktemp -d "${TMPDIR:-/tmp}/twistedcpp-consumer.XXXXXX")
JOBS=${JOBS:-$(nproc)}
APT=${TWISTED_CONSUMER_APT:-0}
CCACHE=()
LAUNCHER=()
if command -v ccache >/dev/null; then
  CCACHE=(ccache)
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
INSTALLED_BY_US=()

cleanup() {
  local status=$?
  if ((${#INSTALLED_BY_US[@]})); then
    echo "consumer: removing ${INSTALLED_BY_US[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${INSTALLED_BY_US[@]}" >/dev/null || true
  fi
  if [[ ${TWISTED_CONSUMER_KEEP:-0} == 1 ]]; then
    echo "consumer: work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit $status
}
trap cleanup EXIT

step() { printf '== consumer [%3ds]: %s\n' "$SECONDS" "$*"; }
fail() { echo "consumer: FAILED: $*" >&2; exit 1; }

# quiet LOG CMD...: runs CMD with its output in LOG, shown only on failure.
quiet() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    fail "$*"
  fi
}

# build_library NAME [CMAKE ARGS...]: configures and builds this source tree
# in $WORK/build-NAME and installs it into $WORK/NAME.
build_library() {
  local name=$1
  shift
  quiet "$WORK/$name-configure.log" cmake -S "$SRC" -B "$WORK/build-$name" -G Ninja "${LAUNCHER[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DTWISTED_SANITIZE=OFF \
    -DTWISTED_BUILD_TESTS=OFF -DTWISTED_BUILD_EXAMPLES=OFF -DTWISTED_BUILD_BENCH=OFF "$@"
  quiet "$WORK/$name-build.log" cmake --build "$WORK/build-$name" -j "$JOBS"
  quiet "$WORK/$name-install.log" cmake --install "$WORK/build-$name" --prefix "$WORK/$name"
}

# run_echo BINARY: starts the echo server on a free port of 127.0.0.1, sends
# a line with a Python client, checks the echo, and the server's exit 0.
run_echo() {
  local bin=$1 out port="" pid
  # A file of its own: the background job's redirection truncates a reused
  # one only once it runs, and the loop below could read the last port.
  out=$(mktemp "$WORK/echo.XXXXXX.out")
  "$bin" >"$out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    port=$(sed -n 's/^listening on \([0-9][0-9]*\)$/\1/p' "$out")
    [[ -n $port ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $port ]]; then
    kill "$pid" 2>/dev/null || true
    cat "$out" >&2
    fail "$bin did not start"
  fi
  if ! python3 - "$port" <<'PY'; then
import socket, sys
line = b"hello, twistedcpp\r\n"
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    s.sendall(line)
    got = b""
    while len(got) < len(line):
        chunk = s.recv(1024)
        if not chunk:
            break
        got += chunk
if got != line:
    sys.exit(f"echo: sent {line!r}, got {got!r}")
PY
    kill "$pid" 2>/dev/null || true
    fail "$bin did not echo"
  fi
  wait "$pid" || fail "$bin exited with status $?"
  echo "   $bin: echoed on 127.0.0.1:$port"
}

# consumer_cmake NAME [CMAKE ARGS...]: builds tests/consumer with CMake.
consumer_cmake() {
  local name=$1
  shift
  quiet "$WORK/c-$name-configure.log" cmake -S "$CONSUMER" -B "$WORK/c-$name" -G Ninja \
    "${LAUNCHER[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
  quiet "$WORK/c-$name-build.log" cmake --build "$WORK/c-$name" -j "$JOBS"
}

# consumer_pkgconfig NAME [PKG-CONFIG ARGS...]: builds tests/consumer with a
# plain g++ command line from pkg-config (PKG_CONFIG_PATH set by the caller).
consumer_pkgconfig() {
  local name=$1 flags
  shift
  flags=$(pkg-config "$@" --cflags --libs twistedcpp) || fail "pkg-config twistedcpp"
  echo "   pkg-config: $flags"
  mkdir -p "$WORK/pc-$name"
  # shellcheck disable=SC2086 # flags is a command line
  quiet "$WORK/pc-$name.log" "${CCACHE[@]}" g++ -std=c++20 -O2 -o "$WORK/pc-$name/echo_server" \
    "$CONSUMER/echo_server.cpp" $flags
}

# needs_libtwisted BINARY yes|no: whether BINARY links libtwisted.so.
needs_libtwisted() {
  if readelf -d "$1" | grep -q 'NEEDED.*libtwisted\.so'; then
    [[ $2 == yes ]] || fail "$1 links libtwisted.so, expected the static library"
  else
    [[ $2 == no ]] || fail "$1 does not link libtwisted.so"
  fi
}

# found_in NAME DIR: the consumer build NAME found twistedcpp under DIR.
found_in() {
  local found
  found=$(sed -n 's/^twistedcpp_DIR:PATH=//p' "$WORK/c-$1/CMakeCache.txt")
  [[ $found == "$2"/* ]] || fail "find_package found twistedcpp in $found, not under $2"
}

pcdir() { dirname "$(find "$1" -name twistedcpp.pc -print -quit)"; }

step "static libtwisted: build, install into $WORK/static"
build_library static -DTWISTED_BUILD_APIDOCS=ON  # + the API reference (twistedcpp-doc)
step "find_package, static"
consumer_cmake package-static -DCMAKE_PREFIX_PATH="$WORK/static"
found_in package-static "$WORK/static"
needs_libtwisted "$WORK/c-package-static/echo_server" no
run_echo "$WORK/c-package-static/echo_server"
step "pkg-config, static"
PKG_CONFIG_PATH=$(pcdir "$WORK/static") consumer_pkgconfig static
run_echo "$WORK/pc-static/echo_server"

step "shared libtwisted: build, install into $WORK/shared"
build_library shared -DTWISTED_SHARED=ON -DTWISTED_BUILD_APPS=OFF
so=$(find "$WORK/shared" -name 'libtwisted.so.*.*.*' -print -quit)
[[ -n $so ]] || fail "no versioned libtwisted.so installed"
soname=$(readelf -d "$so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
echo "   $(basename "$so"), SONAME $soname, $(nm -D --defined-only "$so" | wc -l) exported symbols"
if nm -D --defined-only "$so" | grep -qE '_ZN7twisted8internet(6stream|5unix_)6detail'; then
  fail "internal symbols (twisted::internet::stream::detail, unix_::detail) are exported"
fi
# Every function and variable the static library defines must be exported
# by the shared one (TWISTED_API in its header), except what is declared in
# src/'s private headers, listed here (demangled, extended regexes).
private_symbols=(
  'twisted::internet::stream::detail::'
  'twisted::internet::unix_::detail::'
  'twisted::logger::detail::LogSink::'
  'twisted::internet::udp::detail::'
  'twisted::internet::process::detail::'
  'twisted::internet::detail::TaskState::'
  'twisted::internet::ssl::detail::'
  'twisted::internet::tls::TLSMemoryBIOProtocol::Impl::'
  'twisted::internet::detail::SystemEventTriggers::'
  'twisted::logger::detail::LogSink::'
  'twisted::internet::endpoints::detail::wrapConnect'
  'twisted::internet::endpoints::detail::wrapProtocol'
  'twisted::internet::endpoints::detail::unwrapProtocol'
  'twisted::internet::endpoints::detail::ReusePortServerEndpoint'
  'twisted::internet::detail::getAddressInfo'
  '^twistedSignalHandler$'
)
static_lib=$(find "$WORK/static" -name libtwisted.a -print -quit)
# defined TYPES NM-ARGS...: demangled names of the symbols of these nm types.
defined() {
  local types=$1
  shift
  nm -C --defined-only "$@" 2>/dev/null |
    awk -v t="^[$types]\$" '$2 ~ t { $1 = ""; $2 = ""; sub(/^  /, ""); print }' | sort -u
}
# Strong symbols of the static library (weak ones are inline or template
# code, which users instantiate themselves) against all of the shared one's.
missing=$(comm -23 <(defined TDBR -g "$static_lib") <(defined TDBRVWiu -D "$so") |
  grep -vE "$(IFS='|'; echo "${private_symbols[*]}")" || true)
if [[ -n $missing ]]; then
  echo "$missing" | head -n 40 >&2
  fail "libtwisted.so does not export these symbols of the static library: mark their declarations" \
    "TWISTED_API (<twisted/export.h>), or list them in private_symbols in $0 if src/ alone declares them"
fi
step "find_package, shared"
consumer_cmake package-shared -DCMAKE_PREFIX_PATH="$WORK/shared"
found_in package-shared "$WORK/shared"
needs_libtwisted "$WORK/c-package-shared/echo_server" yes
run_echo "$WORK/c-package-shared/echo_server"
step "pkg-config, shared"
PKG_CONFIG_PATH=$(pcdir "$WORK/shared") consumer_pkgconfig shared
needs_libtwisted "$WORK/pc-shared/echo_server" yes
LD_LIBRARY_PATH=$(dirname "$so") run_echo "$WORK/pc-shared/echo_server"

step "FetchContent of $SRC"
consumer_cmake fetch -DTWISTED_FROM=fetch -DFETCHCONTENT_SOURCE_DIR_TWISTEDCPP="$SRC"
deps=$WORK/c-fetch/_deps/twistedcpp-build
[[ -d $deps && ! -e $deps/tests && ! -e $deps/examples && ! -e $deps/apps ]] ||
  fail "FetchContent built more than the library (tests, examples or apps)"
run_echo "$WORK/c-fetch/echo_server"

step "Debian packages (cpack -G DEB)"
(cd "$WORK/build-static" && quiet "$WORK/cpack.log" cpack -G DEB)
dev_deb=$(ls "$WORK"/build-static/libtwistedcpp-dev_*.deb)
run_deb=$(ls "$WORK"/build-static/twistedcpp_*.deb)
doc_deb=$(ls "$WORK"/build-static/twistedcpp-doc_*_all.deb)
for deb in "$dev_deb" "$run_deb" "$doc_deb"; do
  echo "   $(basename "$deb"): Depends: $(dpkg-deb -f "$deb" Depends)"
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
check_contents() {
  local deb=$1 listing
  shift
  listing=$(dpkg-deb -c "$deb")
  for f in "$@"; do
    grep -q " \./usr/$f\$" <<<"$listing" || fail "$(basename "$deb") lacks /usr/$f"
  done
}
check_contents "$dev_deb" include/twisted/internet/reactor.h include/twisted/export.h \
  "lib/$multiarch/libtwisted.a" "lib/$multiarch/pkgconfig/twistedcpp.pc" \
  "lib/$multiarch/cmake/twistedcpp/twistedcppConfig.cmake" \
  "lib/$multiarch/cmake/twistedcpp/twistedcppConfigVersion.cmake" \
  "lib/$multiarch/cmake/twistedcpp/twistedcppTargets.cmake"
check_contents "$run_deb" bin/twist share/man/man1/twist.1.gz
check_contents "$doc_deb" share/doc/twistedcpp-doc/html/index.html
grep -q 'html/classtwisted_1_1internet_1_1Protocol\.html$' <<<"$(dpkg-deb -c "$doc_deb")" ||
  fail "twistedcpp-doc lacks the page of twisted::internet::Protocol"
dpkg-deb -f "$dev_deb" Depends | grep -q libfmt-dev || fail "libtwistedcpp-dev does not depend on libfmt-dev"
dpkg-deb -f "$run_deb" Depends | grep -q libfmt || fail "twistedcpp does not depend on libfmt"

if [[ $APT == 1 ]]; then
  step "apt-get install the .debs into the system"
  for p in libtwistedcpp-dev twistedcpp twistedcpp-doc; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || INSTALLED_BY_US+=("$p")
  done
  quiet "$WORK/apt.log" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "$dev_deb" "$run_deb" "$doc_deb"
  [[ -f /usr/share/doc/twistedcpp-doc/html/index.html ]] || fail "twistedcpp-doc installed no index.html"
  root=/usr
  prefix_args=()
else
  step "unpack the .debs (dpkg-deb -x; TWISTED_CONSUMER_APT=1 installs them instead)"
  dpkg-deb -x "$dev_deb" "$WORK/root"
  dpkg-deb -x "$run_deb" "$WORK/root"
  root=$WORK/root/usr
  prefix_args=(--define-variable=prefix="$root")
fi
"$root/bin/twist" --help >"$WORK/twist-help.txt" || fail "twist --help"
grep -q '^Usage: twist' "$WORK/twist-help.txt" || fail "twist --help printed no usage"
gzip -dc "$root/share/man/man1/twist.1.gz" | grep -q '^\.TH TWIST 1' || fail "twist.1.gz is no man page"
echo "   twist --help and twist(1) ok"
step "find_package, Debian package"
consumer_cmake package-deb -DCMAKE_PREFIX_PATH="$root"
found_in package-deb "$root"
run_echo "$WORK/c-package-deb/echo_server"
step "pkg-config, Debian package"
PKG_CONFIG_PATH=$root/lib/$multiarch/pkgconfig consumer_pkgconfig deb "${prefix_args[@]}"
run_echo "$WORK/pc-deb/echo_server"

step "all consumer builds linked and ran"
