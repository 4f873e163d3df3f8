#!/usr/bin/env bash
# Builds Faiss 1.7.3 (Debian's source package) for AVX2 and the JNI binding the index sink loads.
#
# Why from source: Debian's prebuilt libfaiss is a generic (SSE) build, 2-5x slower on the same queries;
# the AVX2 target of the same source is what the benchmark measured. Everything lands in a cache outside
# the tree (MATCHSTREAM_FAISS_DIR, default ~/.cache/matchstream/faiss); the Faiss source never enters
# the repository. Idempotent: when the stamp (source checksum + binding sources + this script) matches,
# the script only compares hashes and exits (well under a second).
#
#   src/faiss-1.7.3/                  Debian's source tree (orig tarball checked against a pinned sha256)
#   build-1.7.3-2-avx2/faiss/libfaiss_avx2.a  static Faiss, position-independent, AVX2 kernels
#   libmatchstream_faiss.so           JNI binding (faiss_jni.cpp) with Faiss linked in; needs only
#                                     libopenblas/liblapack/libgomp at run time
#   faiss_bench                       the benchmark's C++ baseline (faiss_bench.cpp), same Faiss build
#
# Needs: apt-get (root, or sudo), cmake, g++, dpkg-dev, libopenblas-dev, liblapack-dev, a JDK.
set -euo pipefail

FAISS_VERSION=1.7.3
FAISS_DEBIAN_VERSION=1.7.3-2
FAISS_ORIG_SHA256=3e4fac26d8c9e9008ecea4ae5fc414c658998fce4ba75835058b1a71d3516002
FAISS_DEBIAN_SHA256=a351977533afa5575b21de74a58cacb66d846006b1ef971bed85e01e66eb7f94

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${MATCHSTREAM_FAISS_DIR:-$HOME/.cache/matchstream/faiss}"
SRC_PARENT="$CACHE/src"
SRC="$SRC_PARENT/faiss-$FAISS_VERSION"
BUILD="$CACHE/build-$FAISS_DEBIAN_VERSION-avx2" # versioned: a new pinned source builds afresh
LIB="$CACHE/libmatchstream_faiss.so"
BENCH="$CACHE/faiss_bench"
STAMP="$CACHE/.stamp"
JOBS="${MATCHSTREAM_MAKE_JOBS:-2}" # machines are shared: never more than two compile jobs by default

log() { echo "faiss-setup: $*" >&2; }
die() { log "$*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

stamp_value() {
  # The stamp covers everything that changes the outputs: the verified source, the binding, this script.
  { echo "$FAISS_ORIG_SHA256 $FAISS_DEBIAN_SHA256"; cat "$HERE"/*.cpp "$HERE"/setup.sh; } | sha256sum | cut -d' ' -f1
}

want="$(stamp_value)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -f "$LIB" ] && [ -x "$BENCH" ]; then
  exit 0
fi

for tool in cmake g++ dpkg-source apt-get; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (Debian: apt-get install cmake g++ dpkg-dev libopenblas-dev liblapack-dev)"
done
# Faiss's CMake needs BLAS and LAPACK to link against; without them it fails after the source download with
# "Could NOT find BLAS", so say what to install before that.
for pkg in libopenblas-dev liblapack-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || die "$pkg not installed (Debian: apt-get install libopenblas-dev liblapack-dev)"
done
JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v java)")")")}"
[ -f "$JAVA_HOME/include/jni.h" ] || die "jni.h not found under JAVA_HOME=$JAVA_HOME (install a JDK, not a JRE)"
mkdir -p "$SRC_PARENT"

# 1. Debian's source package, verified by pinned checksums (apt checks its signed index too; the pin
#    makes a silently changed upload fail here instead of building something unmeasured).
orig="$SRC_PARENT/faiss_$FAISS_VERSION.orig.tar.gz"
debian="$SRC_PARENT/faiss_$FAISS_DEBIAN_VERSION.debian.tar.xz"
if [ ! -f "$orig" ] || [ ! -f "$debian" ]; then
  if ! apt-cache showsrc faiss 2>/dev/null | grep -q "^Version: $FAISS_DEBIAN_VERSION\$"; then
    if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      log "adding a deb-src source (/etc/apt/sources.list.d/matchstream-deb-src.sources)"
      # Same mirror and suites as the binary source; Debian 12 writes sources in deb822 format.
      as_root tee /etc/apt/sources.list.d/matchstream-deb-src.sources >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    as_root apt-get update -qq
  fi
  log "fetching Debian's faiss $FAISS_DEBIAN_VERSION source package"
  # --download-only: unpacking is ours (below), after the checksum; the _apt sandbox warning as root is harmless.
  (cd "$SRC_PARENT" && apt-get source -qq --download-only "faiss=$FAISS_DEBIAN_VERSION" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
fi
echo "$FAISS_ORIG_SHA256  $orig" | sha256sum -c --quiet - >&2 || die "checksum mismatch: $orig (delete it and rerun)"
echo "$FAISS_DEBIAN_SHA256  $debian" | sha256sum -c --quiet - >&2 || die "checksum mismatch: $debian (delete it and rerun)"
if [ ! -f "$SRC/.unpacked" ]; then
  rm -rf "$SRC"
  (cd "$SRC_PARENT" && dpkg-source --no-check -x "faiss_$FAISS_DEBIAN_VERSION.dsc" "faiss-$FAISS_VERSION" >&2)
  touch "$SRC/.unpacked"
fi

# 2. Faiss's AVX2 target as a static, position-independent library (the binding links it in whole,
#    so the .so does not depend on a libfaiss at run time and cannot pick up Debian's generic one).
if [ ! -f "$BUILD/faiss/libfaiss_avx2.a" ]; then
  log "building Faiss $FAISS_VERSION (AVX2, static; about a minute with $JOBS jobs)"
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DFAISS_OPT_LEVEL=avx2 -DFAISS_ENABLE_GPU=OFF \
    -DFAISS_ENABLE_PYTHON=OFF -DBUILD_TESTING=OFF -DBUILD_SHARED_LIBS=OFF \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBLA_VENDOR=OpenBLAS >"$CACHE/cmake.log" 2>&1 \
    || { tail -n 30 "$CACHE/cmake.log" >&2; die "cmake configure failed (log: $CACHE/cmake.log)"; }
  make -C "$BUILD" -j"$JOBS" faiss_avx2 >"$CACHE/make.log" 2>&1 \
    || { tail -n 30 "$CACHE/make.log" >&2; die "make faiss_avx2 failed (log: $CACHE/make.log)"; }
fi

# 3. The binding and the C++ benchmark baseline, compiled with the flags Faiss's AVX2 target uses so the
#    headers' inline SIMD code matches the library's.
CXXFLAGS=(-std=c++17 -O3 -mavx2 -mfma -mf16c -mpopcnt -fopenmp -fPIC -I"$SRC" -DFINTEGER=int)
LIBS=("$BUILD/faiss/libfaiss_avx2.a" -lopenblas -llapack -fopenmp)
log "compiling the JNI binding ($LIB)"
g++ "${CXXFLAGS[@]}" -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux" -shared -o "$LIB.tmp" \
  "$HERE/faiss_jni.cpp" "${LIBS[@]}" -Wl,--no-undefined
mv -f "$LIB.tmp" "$LIB"
g++ "${CXXFLAGS[@]}" -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux" -o "$BENCH.tmp" "$HERE/faiss_bench.cpp" "${LIBS[@]}"
mv -f "$BENCH.tmp" "$BENCH"
echo "$want" >"$STAMP"
log "ready: $LIB"
