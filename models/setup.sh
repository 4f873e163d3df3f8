#!/usr/bin/env bash
# Fetches, verifies and converts the pretrained weights of the embedding job's face encoder, detector and
# landmark net.
#
# Everything lands in a cache outside the source tree (MATCHSTREAM_MODELS_DIR, default
# ~/.cache/matchstream/models); nothing is downloaded when the job runs. Idempotent: a second run
# only re-checks the checksums (about a second).
#
#   face-api-1.7.15/          @vladmandic/face-api 1.7.15 from npm (MIT; dlib's weights are public domain)
#   face_recognition.pt       dlib ResNet-29 face descriptor as TorchScript: N x 3 x 150 x 150 RGB 0..255 -> N x 128
#   tiny_face_detector.pt     face-api's TinyFaceDetector as TorchScript: N x 3 x H x W RGB 0..255 -> N x H/32 x W/32 x 5 x 5
#   face_landmarks_68.pt      face-api's FaceLandmark68Net as TorchScript: N x 3 x 112 x 112 RGB 0..255 -> N x 136
#   face_landmarks_68_tiny.pt face-api's FaceLandmark68TinyNet, the same interface (faster, less precise)
set -euo pipefail

FACE_API_VERSION=1.7.15
FACE_API_TGZ_SHA256=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
declare -A WEIGHT_SHA256=(
  [face_recognition_model-weights_manifest.json]=cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b
  [face_recognition_model.bin]=b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589
  [tiny_face_detector_model-weights_manifest.json]=5d1af4849ac48d5b985f4a9b16010c512353ddd6fcc63d50fd0bc9e9e64296e5
  [tiny_face_detector_model.bin]=b7503ce7df31039b1c43316a9b865cab6a70dd748cc602d3fa28b551503c3871
  [face_landmark_68_tiny_model-weights_manifest.json]=9a1a5dd19fd814fd5095c3cb58f8e0d3193b8c5b9a6715b30a69d559aea31ad4
  [face_landmark_68_tiny_model.bin]=b98e9f2f7da76f8a6dda9741a36ed485b224b889d552de2b2c1bb16217f67bfc
  [face_landmark_68_model-weights_manifest.json]=ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9
  [face_landmark_68_model.bin]=4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b
)

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODELS_DIR="${MATCHSTREAM_MODELS_DIR:-$HOME/.cache/matchstream/models}"
FACE_API_DIR="$MODELS_DIR/face-api-$FACE_API_VERSION"
FACE_MODEL="$MODELS_DIR/face_recognition.pt"
FACE_DETECTOR="$MODELS_DIR/tiny_face_detector.pt"
FACE_LANDMARKS="$MODELS_DIR/face_landmarks_68.pt"
FACE_LANDMARKS_TINY="$MODELS_DIR/face_landmarks_68_tiny.pt"
# Debian's interpreter: apt installs torch there, where a pyenv or venv python would not see it.
PYTHON=/usr/bin/python3
TORCH_VERSION=""

log() { echo "setup: $*" >&2; }
die() { echo "setup: $*" >&2; exit 1; }

check_sha256() { # file expected
  local actual
  actual="$(sha256sum "$1" | cut -d' ' -f1)"
  [[ "$actual" == "$2" ]] || die "checksum mismatch for $1: expected $2, got $actual"
}

install_python_packages() {
  if [[ -x "$PYTHON" ]] && TORCH_VERSION="$("$PYTHON" -c 'import torch, numpy; print(torch.__version__)' 2>/dev/null)"; then
    return
  fi
  command -v apt-get >/dev/null || die "need $PYTHON with torch and numpy (Debian: python3-torch python3-numpy)"
  local sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  local policy
  policy="$(apt-cache policy python3-torch 2>/dev/null || true)"
  if [[ "$policy" != *"Candidate: "[0-9]* ]]; then
    log "apt package lists are empty or stale: apt-get update"
    $sudo apt-get update -qq
  fi
  log "installing python3-torch python3-numpy with apt (about 1 minute)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-torch python3-numpy >/dev/null
  TORCH_VERSION="$("$PYTHON" -c 'import torch, numpy; print(torch.__version__)')" \
    || die "python3-torch installed but '$PYTHON -c \"import torch\"' fails"
}

fetch_face_api() {
  if [[ -f "$FACE_API_DIR/package.json" ]]; then
    return
  fi
  command -v npm >/dev/null || die "npm not found; install Node.js 18+ with npm"
  local tmp
  tmp="$(mktemp -d "$MODELS_DIR/.fetch.XXXXXX")"
  log "fetching @vladmandic/face-api@$FACE_API_VERSION from npm"
  (cd "$tmp" && npm pack --silent "@vladmandic/face-api@$FACE_API_VERSION" >/dev/null)
  check_sha256 "$tmp/vladmandic-face-api-$FACE_API_VERSION.tgz" "$FACE_API_TGZ_SHA256"
  tar -xzf "$tmp/vladmandic-face-api-$FACE_API_VERSION.tgz" -C "$tmp"
  rm -rf "$FACE_API_DIR"
  mv "$tmp/package" "$FACE_API_DIR"
  rm -rf "$tmp"
}

convert_face_recognition() {
  # The stamp names the inputs of the conversion; a changed converter or torch rebuilds the model.
  local stamp
  stamp="$(cat "$HERE/tfjs_weights.py" "$HERE/convert_face_recognition.py" | sha256sum | cut -d' ' -f1) ${WEIGHT_SHA256[face_recognition_model.bin]} torch-$TORCH_VERSION"
  if [[ -f "$FACE_MODEL" && "$(cat "$FACE_MODEL.stamp" 2>/dev/null)" == "$stamp" ]]; then
    return
  fi
  log "converting face recognition weights to TorchScript"
  "$PYTHON" "$HERE/convert_face_recognition.py" "$FACE_API_DIR/model" "$FACE_MODEL" >/dev/null
  echo "$stamp" > "$FACE_MODEL.stamp"
}

convert_tiny_face_detector() {
  local stamp
  stamp="$(cat "$HERE/tfjs_weights.py" "$HERE/convert_tiny_face_detector.py" | sha256sum | cut -d' ' -f1) ${WEIGHT_SHA256[tiny_face_detector_model.bin]} torch-$TORCH_VERSION"
  if [[ -f "$FACE_DETECTOR" && "$(cat "$FACE_DETECTOR.stamp" 2>/dev/null)" == "$stamp" ]]; then
    return
  fi
  log "converting tiny face detector weights to TorchScript"
  "$PYTHON" "$HERE/convert_tiny_face_detector.py" "$FACE_API_DIR/model" "$FACE_DETECTOR" >/dev/null
  echo "$stamp" > "$FACE_DETECTOR.stamp"
}

convert_face_landmarks() { # tiny|full weights-file output
  # The converter imports the detector's weight reader, so both scripts are inputs.
  local stamp
  stamp="$1 $(cat "$HERE/tfjs_weights.py" "$HERE/convert_face_landmarks.py" | sha256sum | cut -d' ' -f1) ${WEIGHT_SHA256[$2]} torch-$TORCH_VERSION"
  if [[ -f "$3" && "$(cat "$3.stamp" 2>/dev/null)" == "$stamp" ]]; then
    return
  fi
  log "converting face landmark weights ($1) to TorchScript"
  "$PYTHON" "$HERE/convert_face_landmarks.py" "$1" "$FACE_API_DIR/model" "$3" >/dev/null
  echo "$stamp" > "$3.stamp"
}

mkdir -p "$MODELS_DIR"
install_python_packages
fetch_face_api
for file in "${!WEIGHT_SHA256[@]}"; do
  check_sha256 "$FACE_API_DIR/model/$file" "${WEIGHT_SHA256[$file]}"
done
convert_face_recognition
convert_tiny_face_detector
convert_face_landmarks full face_landmark_68_model.bin "$FACE_LANDMARKS"
convert_face_landmarks tiny face_landmark_68_tiny_model.bin "$FACE_LANDMARKS_TINY"

echo "face-api package:  $FACE_API_DIR"
echo "face encoder:      $FACE_MODEL ($(sha256sum "$FACE_MODEL" | cut -d' ' -f1))"
echo "face detector:     $FACE_DETECTOR ($(sha256sum "$FACE_DETECTOR" | cut -d' ' -f1))"
echo "face landmarks:    $FACE_LANDMARKS ($(sha256sum "$FACE_LANDMARKS" | cut -d' ' -f1))"
echo "  (tiny variant:    $FACE_LANDMARKS_TINY ($(sha256sum "$FACE_LANDMARKS_TINY" | cut -d' ' -f1)))"
if [[ "$MODELS_DIR" != "$HOME/.cache/matchstream/models" ]]; then
  echo "not the default location: export MATCHSTREAM_FACE_MODEL=$FACE_MODEL MATCHSTREAM_FACE_DETECTOR=$FACE_DETECTOR MATCHSTREAM_FACE_LANDMARKS=$FACE_LANDMARKS"
  echo "(or pass --face-model / --face-detector / --face-landmarks)"
fi
