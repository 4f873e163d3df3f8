#!/usr/bin/env python3
"""Converts face-api's TF.js 68-point face landmark nets into TorchScript modules.

face-api (@vladmandic/face-api 1.7.15, src/faceLandmarkNet/ and src/faceFeatureExtractor/) ships two:

  tiny  FaceLandmark68TinyNet (face_landmark_68_tiny_model, 75 KB): TinyFaceFeatureExtractor = three
        denseBlock3 (32, 64, 128 channels), avg pool 14 x 14 / 2, fc 128 -> 136
  full  FaceLandmark68Net (face_landmark_68_model, 350 KB): FaceFeatureExtractor = four denseBlock4
        (32, 64, 128, 256 channels), avg pool 7 x 7 / 2, fc 256 -> 136

This file reproduces their forward pass (FaceProcessor.runNet) op by op (channels-last, and with the
convolution's own padding where TF pads symmetrically: the same values, 5.7 -> 4.7 ms a face on one thread):

  input  N x 3 x 112 x 112 float32, RGB, pixel values 0..255 (after face-api's centred pad-to-square of the
         face crop + resizeBilinear to 112)
  x = (x - [122.782, 117.001, 104.298]) / 255
  denseBlockK: out1 = relu(first(x)), first = conv3x3 stride 2 'same' + bias in block 0, else a separable
         stride-2 conv; then K - 1 separable stride-1 convs, each fed relu of the sum so far:
         out2 = sep(out1), out3 = sep(relu(out1 + out2)), ...; the block returns relu(out1 + out2 + ...)
  sep(x) = depthwise 3x3 'same' -> pointwise 1x1 -> + bias (no activation)
  avg pool 'valid' down to 1 x 1 -> N x C;  fc: x @ W + b
  output N x 136 float32: face-api's raw runNet output, x0, y0, x1, y1, ... for the 68 points, relative to
         the 112 x 112 padded square (0..1). Removing the padding and scaling to the crop is left to the
         caller, as face-api does it in FaceLandmark68NetBase.postProcess.

TF's 'same' padding for a 3x3 window at stride 2 on an even side pads one row and column after (bottom,
right) only; at stride 1 one on each side. _pad_same computes it from the shape, as TF does.

Weights are read exactly as tfjs-core's io.decodeWeights does (tfjs_weights.load_tfjs_weights):
manifest order, uint8-quantised tensors dequantised as q * scale + min.

Usage: convert_face_landmarks.py tiny|full MODEL_DIR OUTPUT.pt
"""

import os
import sys
from typing import Optional

import torch
import torch.nn.functional as F

from tfjs_weights import load_tfjs_weights

MEAN_RGB = (122.782, 117.001, 104.298)
INPUT_SIZE = 112
# variant -> (face-api model name, blocks, convs per block)
VARIANTS = {
    "tiny": ("face_landmark_68_tiny_model", 3, 3),
    "full": ("face_landmark_68_model", 4, 4),
}


def _t(array):
    return torch.from_numpy(array.copy()).float()


def _pad_same(x, stride: int):
    # TF 'same' for a 3x3 window: total = max((ceil(n / s) - 1) * s + 3 - n, 0), the larger half after.
    h = x.shape[2]
    w = x.shape[3]
    pad_h = max(((h + stride - 1) // stride - 1) * stride + 3 - h, 0)
    pad_w = max(((w + stride - 1) // stride - 1) * stride + 3 - w, 0)
    return F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))


def _conv_same(x, weight, bias: Optional[torch.Tensor], stride: int, groups: int):
    # At stride 1 TF pads one row and column on each side: the convolution's own zero padding, no copy.
    if stride == 1:
        return F.conv2d(x, weight, bias, stride=1, padding=1, groups=groups)
    return F.conv2d(_pad_same(x, stride), weight, bias, stride=stride, groups=groups)


class Conv(torch.nn.Module):
    """tf.conv2d(x, filters, stride, 'same') + bias."""

    def __init__(self, w, prefix, stride):
        super().__init__()
        self.stride = stride
        self.register_buffer("filters", _t(w[prefix + "/filters"]).permute(3, 2, 0, 1).contiguous())  # O, C, kh, kw
        self.register_buffer("bias", _t(w[prefix + "/bias"]))

    def forward(self, x):
        return _conv_same(x, self.filters, self.bias, self.stride, 1)


class SeparableConv(torch.nn.Module):
    """face-api's depthwiseSeparableConv: tf.separableConv2d(x, depthwise, pointwise, stride, 'same') + bias."""

    def __init__(self, w, prefix, stride):
        super().__init__()
        self.stride = stride
        depthwise = _t(w[prefix + "/depthwise_filter"])  # kh, kw, C, 1
        pointwise = _t(w[prefix + "/pointwise_filter"])  # 1, 1, C, O
        self.register_buffer("depthwise", depthwise.permute(2, 3, 0, 1).contiguous())  # C, 1, kh, kw
        self.register_buffer("pointwise", pointwise.permute(3, 2, 0, 1).contiguous())  # O, C, 1, 1
        self.register_buffer("bias", _t(w[prefix + "/bias"]))

    def forward(self, x):
        x = _conv_same(x, self.depthwise, None, self.stride, self.depthwise.shape[0])
        return F.conv2d(x, self.pointwise, self.bias)


class DenseBlock(torch.nn.Module):
    """face-api's denseBlock3 / denseBlock4 (isScaleDown = true)."""

    def __init__(self, w, block, convs):
        super().__init__()
        prefix = f"dense{block}/conv"
        self.first = Conv(w, prefix + "0", 2) if block == 0 else SeparableConv(w, prefix + "0", 2)
        self.rest = torch.nn.ModuleList([SeparableConv(w, prefix + str(i), 1) for i in range(1, convs)])

    def forward(self, x):
        total = F.relu(self.first(x))
        for conv in self.rest:
            total = total + conv(F.relu(total))
        return F.relu(total)


class FaceLandmark68Net(torch.nn.Module):
    """face-api's FaceLandmark68Net / FaceLandmark68TinyNet runNet (feature extractor + fullyConnectedLayer)."""

    def __init__(self, w, blocks, convs):
        super().__init__()
        self.register_buffer("mean_rgb", torch.tensor(MEAN_RGB, dtype=torch.float32).view(1, 3, 1, 1))
        self.blocks = torch.nn.ModuleList([DenseBlock(w, b, convs) for b in range(blocks)])
        self.pool = INPUT_SIZE >> blocks  # 14 (tiny) or 7 (full): the whole last feature map
        self.register_buffer("fc_weights", _t(w["fc/weights"]))  # C x 136
        self.register_buffer("fc_bias", _t(w["fc/bias"]))

    def forward(self, x):
        # Channels-last (NHWC) throughout, as in the detector and encoder: faster oneDNN convolutions.
        x = x.contiguous(memory_format=torch.channels_last)
        x = (x - self.mean_rgb) / 255.0
        for block in self.blocks:
            x = block(x)
        x = F.avg_pool2d(x, self.pool, 2).flatten(1)
        return torch.matmul(x, self.fc_weights) + self.fc_bias


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in VARIANTS:
        sys.exit(__doc__)
    variant, model_dir, output = sys.argv[1:]
    model_name, blocks, convs = VARIANTS[variant]
    net = FaceLandmark68Net(load_tfjs_weights(model_dir, model_name), blocks, convs).eval()
    with torch.no_grad():
        scripted = torch.jit.script(net)
        probe = torch.rand(2, 3, INPUT_SIZE, INPUT_SIZE) * 255
        out = scripted(probe)
        if tuple(out.shape) != (2, 136) or not torch.isfinite(out).all():
            raise SystemExit(f"converted model gives {tuple(out.shape)}, finite={bool(torch.isfinite(out).all())}")
    tmp = output + ".tmp"
    scripted.save(tmp)
    os.replace(tmp, output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
