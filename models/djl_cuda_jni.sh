#!/usr/bin/env bash
# Builds DJL 0.36.0's PyTorch JNI glue (libdjl_torch.so) against a CUDA build of libtorch that is already
# on the machine (a PyTorch install: python3 -c 'import torch'), so the embedding job runs on the GPU.
#
# Why: the pinned libtorch is the CPU build (pytorch-native-cpu 2.7.1); DJL's CUDA builds
# (pytorch-native-cu128) are not served by the Maven registry this project builds from, and DJL
# refuses to download at run time here. DJL loads any libtorch named by PYTORCH_LIBRARY_PATH, given a
# JNI library built against it; this script builds one and prints the variables to export.
#
# Needs: g++ (C++17), python3 with a CUDA build of torch, a JDK (javac), DJL's source at tag v0.36.0
# (DJL_SOURCE=dir, or cloned from GitHub into the cache when unset), the Maven build (./matchstream
# build) for DJL's jars (or DJL_JARS=dir holding api-0.36.0.jar and pytorch-engine-0.36.0.jar).
# About 30 s with 16 cores.
# Checked on an NVIDIA H200 with torch 2.11.0+cu130 (README, "On a GPU").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MATCHSTREAM_CACHE:-$HOME/.cache/matchstream}"
DJL_VERSION=0.36.0
JOBS="$(nproc)"

TORCH="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')" \
  || { echo "djl_cuda_jni: python3 cannot import torch" >&2; exit 1; }
read -r VERSION FLAVOR ABI < <(python3 -c 'import torch
v = torch.__version__.split("+")[0]
f = "cu" + torch.version.cuda.replace(".", "") if torch.version.cuda else "cpu"
print(v, f, int(torch._C._GLIBCXX_USE_CXX11_ABI))')
[ "$FLAVOR" != cpu ] || { echo "djl_cuda_jni: torch $VERSION at $TORCH is a CPU build" >&2; exit 1; }
echo "djl_cuda_jni: libtorch $VERSION ($FLAVOR, C++11 ABI $ABI) at $TORCH" >&2

SRC="${DJL_SOURCE:-$CACHE/djl-$DJL_VERSION}"
if [ ! -d "$SRC/engines/pytorch/pytorch-native" ]; then
  git clone -q --depth 1 --branch "v$DJL_VERSION" https://github.com/deepjavalibrary/djl.git "$SRC"
fi
NATIVE="$SRC/engines/pytorch/pytorch-native/src/main/native"

BUILD="$CACHE/djl-jni-build-$VERSION-$FLAVOR"
rm -rf "$BUILD" && mkdir -p "$BUILD/include" "$BUILD/src"
cp "$NATIVE"/* "$BUILD/src/"
# The legacy autograd profiler (DJL's startProfile/stopProfile, unused here) left libtorch after 2.7: build
# those two entry points as stubs that throw, and everything else unchanged.
python3 - "$BUILD/src/ai_djl_pytorch_jni_PyTorchLibrary_system.cc" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
start = s.index("// the code snippet is copied from torch/csrc/autograd/profiler_legacy.cpp")
end = s.index("JNIEXPORT void JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchCudaEmptyCache")
stub = """#else
JNIEXPORT void JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchStartProfile(
    JNIEnv* env, jobject jthis, jboolean juse_cuda, jboolean jrecord_shape, jboolean jprofile_memory) {
  env->ThrowNew(env->FindClass("java/lang/UnsupportedOperationException"), "profiler not built");
}
JNIEXPORT void JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_torchStopProfile(
    JNIEnv* env, jobject jthis, jstring joutput_file) {
  env->ThrowNew(env->FindClass("java/lang/UnsupportedOperationException"), "profiler not built");
}
#endif
"""
s = s[:start] + "#ifdef DJL_LEGACY_PROFILER\n" + s[start:end] + stub + "\n" + s[end:]
s = s.replace("using namespace torch::autograd::profiler;",
              "#ifdef DJL_LEGACY_PROFILER\nusing namespace torch::autograd::profiler;\n#endif")
open(p, "w").write(s)
EOF

# The JNI header, from the Java side DJL's jars declare.
LIB="${DJL_JARS:-$ROOT/launcher/target/lib}"
ls "$LIB"/api-$DJL_VERSION.jar "$LIB"/pytorch-engine-$DJL_VERSION.jar >/dev/null \
  || { echo "djl_cuda_jni: DJL's jars not in $LIB: run ./matchstream build first" >&2; exit 1; }
javac -h "$BUILD/include" -d "$BUILD/classes" -cp "$LIB/api-$DJL_VERSION.jar:$LIB/pytorch-engine-$DJL_VERSION.jar" \
  "$SRC/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"

JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
INCLUDES=(-I"$TORCH/include" -I"$TORCH/include/torch/csrc/api/include" -I"$BUILD/include"
  -I"$SRC/api/src/main/native" -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux")
for d in /usr/local/cuda/include "$(dirname "$TORCH")"/nvidia/*/include; do
  [ -d "$d" ] && INCLUDES+=(-I"$d")
done
export CXXFLAGS_ALL="-O2 -std=c++17 -fPIC -w -D_GLIBCXX_USE_CXX11_ABI=$ABI -DUSE_CUDA ${INCLUDES[*]}"
ls "$BUILD"/src/*.cc | xargs -P "$JOBS" -I{} sh -c \
  'g++ $CXXFLAGS_ALL -c "$1" -o "${1%.cc}.o" 2> "${1%.cc}.err" || { echo "djl_cuda_jni: $1 failed:" >&2; head -c 4000 "${1%.cc}.err" >&2; exit 255; }' _ {}

# Where DJL looks for the JNI library of a libtorch named by PYTORCH_LIBRARY_PATH.
DJL_CACHE="$CACHE/djl"
OUT="$DJL_CACHE/pytorch/$VERSION-$FLAVOR-linux-x86_64/$DJL_VERSION-libdjl_torch.so"
mkdir -p "$(dirname "$OUT")"
g++ -shared -o "$OUT" "$BUILD"/src/*.o -L"$TORCH/lib" -ltorch -ltorch_cpu -ltorch_cuda -lc10 -lc10_cuda -Wl,-rpath,"$TORCH/lib"
echo "djl_cuda_jni: built $OUT" >&2
cat <<EOF
# Run the embedding job on the GPU: export these, then ./matchstream ... (--inference-device auto picks gpu(0)).
export PYTORCH_LIBRARY_PATH=$TORCH/lib PYTORCH_VERSION=$VERSION PYTORCH_FLAVOR=$FLAVOR DJL_CACHE_DIR=$DJL_CACHE ENGINE_CACHE_DIR=$DJL_CACHE
# Same vectors as the CPU (cosine 1.0000000 on H200): no TF32 in cuDNN/cuBLAS. ./matchstream sets it unless set.
export NVIDIA_TF32_OVERRIDE=0
EOF
