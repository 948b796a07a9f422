#!/usr/bin/env bash
# Install what is missing (Debian 12, as root), build, then either run onnxrun
# on the notebook's block or run the whole test suite.
#
#   tools/dev.sh run     build and run onnxrun on models/dwsep_32x64_64x64
#   tools/dev.sh test    build (Release and ASan+UBSan) and run every test
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

# file: CPack's DEB generator reads binaries' dependencies with it.
packages=(build-essential cmake pkg-config protobuf-c-compiler libprotobuf-c-dev
          libonnx-dev libonnx-testdata file)
[ "$mode" = test ] && packages+=(python3-torch python3-torchvision python3-onnx python3-numpy
                                 clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc)
build() { # dir, extra cmake args
    local dir=$1; shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
}

case "$mode" in
run)
    build build
    ./build/onnxrun --info models/dwsep_32x64_64x64/model.onnx
    ./build/onnxrun models/dwsep_32x64_64x64/model.onnx
    ;;
test)
    export ONR_REQUIRE_TORCH=1   # torch is installed above: a missing torch is a failure
    build build
    (cd build && ctest --output-on-failure -j"$jobs")
    echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
    build build-asan -DONR_SANITIZE=ON
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 ONR_NO_ARENA=1 ctest --output-on-failure -j"$jobs" -LE slow)
    # The install tests (label install) install into a scratch prefix and
    # build examples/ against it; the Python tests (label python) import the
    # installed package. Both ran above. ThreadSanitizer: 8 threads, each
    # with its own session on one shared model; sessions created and freed
    # concurrently; two threads running one session (one is refused).
    echo "== ThreadSanitizer build: install.test_threads, unit.test_session_threads"
    cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Release -DONR_TSAN=ON >/dev/null
    cmake --build build-tsan -j"$jobs" --target test_threads test_session_threads
    (cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ONR_TEST_ONE_THREAD=1 ctest --output-on-failure \
        -R '^(install.test_threads|unit.test_session_threads)$')
    ;;
*)
    echo "usage: tools/dev.sh run|test" >&2
    exit 2
    ;;
esac
