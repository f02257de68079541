# echo_harness.sh - sourced by run_echo.sh and run_workers.sh: installs the
# peers' packages, configures $BUILD_DIR (default: the release preset), builds
# the given targets there and refreshes a private copy of ../shared/bench (the
# shared echo harness, read-only for this project; its run.sh builds its
# loadgen and servers beside itself) in $BUILD_DIR/bench/echo-harness, kept
# with timestamps so build.sh rebuilds only what changed.
#
#   echo_harness_setup NAME TARGET...   sets SHARED, BUILD_DIR and HARNESS
# Expects ROOT (the project) and `set -euo pipefail`.

echo_harness_setup() {
  local name=$1
  shift
  SHARED=${SHARED_BENCH_DIR:-$ROOT/../shared/bench}
  if [[ ! -x $SHARED/run.sh ]]; then
    echo "$name: $SHARED/run.sh not found (../shared must sit beside the project)" >&2
    exit 2
  fi
  # The peers' Debian packages (asio, libuv, libevent, Python Twisted, uvloop) and ours.
  TWISTED_BENCH_DEPS=1 "$ROOT/scripts/deps.sh"

  if [[ -z ${BUILD_DIR:-} ]]; then
    BUILD_DIR=$ROOT/build/release
    (cd "$ROOT" && cmake --preset release >/dev/null)
  else
    mkdir -p "$BUILD_DIR"
    BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DTWISTED_BUILD_BENCH=ON -DTWISTED_BUILD_TESTS=OFF -DTWISTED_BUILD_EXAMPLES=OFF >/dev/null
  fi
  cmake --build "$BUILD_DIR" --target "$@" -j "${BUILD_JOBS:-2}"
  # The harness splits each command on spaces.
  if [[ $BUILD_DIR == *" "* || $ROOT == *" "* ]]; then
    echo "$name: the build path must not contain spaces ($BUILD_DIR)" >&2
    exit 2
  fi

  HARNESS=$BUILD_DIR/bench/echo-harness
  mkdir -p "$HARNESS"
  chmod -R u+w "$HARNESS"
  local f
  for f in run.sh build.sh report.py README.md loadgen servers; do
    cp -pR "$SHARED/$f" "$HARNESS/"
  done
  chmod -R u+w "$HARNESS"
}
