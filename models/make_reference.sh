#!/usr/bin/env bash
# Regenerates embedding-job/src/test/resources/face-reference/ (face crops + face-api's descriptors; demo
# photos as PNG + face-api's TinyFaceDetector detections; FaceLandmark68TinyNet points of those faces) with
# face-api's own TF.js implementation. A developer tool, not part of the build: the committed output is what
# DlibFaceEncoderTest, FaceDetectorTest and FaceLandmarksTest check against. Needs models/setup.sh to have run, Node.js with npm,
# and python3-skimage (for its astronaut.png; installed with apt if missing). Takes about 2.5 minutes.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODELS_DIR="${MATCHSTREAM_MODELS_DIR:-$HOME/.cache/matchstream/models}"
FACE_API_DIR="$MODELS_DIR/face-api-1.7.15"
TOOL_DIR="$MODELS_DIR/face-reference-tool"
OUT_DIR="$HERE/../embedding-job/src/test/resources/face-reference"
ASTRONAUT=/usr/lib/python3/dist-packages/skimage/data/astronaut.png

"$HERE/setup.sh" >/dev/null
if [[ ! -f "$ASTRONAUT" ]]; then
  sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-skimage >/dev/null
fi
if [[ ! -d "$TOOL_DIR/node_modules/@tensorflow/tfjs" ]]; then
  # Pure-JS TF.js (cpu backend): nothing native is downloaded. face-api's node-wasm bundle requires the
  # wasm backend package too, but the script selects the cpu backend.
  mkdir -p "$TOOL_DIR"
  echo '{"name":"face-reference-tool","private":true}' > "$TOOL_DIR/package.json"
  npm install --prefix "$TOOL_DIR" --no-audit --no-fund --silent --ignore-scripts \
    @vladmandic/face-api@1.7.15 @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 pngjs@7.0.0 jpeg-js@0.4.4
fi
rm -rf "$OUT_DIR"
node "$HERE/face_reference.js" "$TOOL_DIR" "$FACE_API_DIR/model" "$OUT_DIR" \
  "$FACE_API_DIR"/demo/sample{1,2,3,4,5,6}.jpg "$ASTRONAUT" 2>&1 | grep -v -e '^=*$' -e 'tfjs-node' -e 'Hi, looks like'
node "$HERE/detector_reference.js" "$TOOL_DIR" "$FACE_API_DIR/model" "$OUT_DIR" \
  "$FACE_API_DIR"/demo/sample{1,2,3,4,5,6}.jpg "$ASTRONAUT" 2>&1 | grep -v -e '^=*$' -e 'tfjs-node' -e 'Hi, looks like'
node "$HERE/landmarks_reference.js" "$TOOL_DIR" "$FACE_API_DIR/model" "$OUT_DIR" \
  2>&1 | grep -v -e '^=*$' -e 'tfjs-node' -e 'Hi, looks like'
