#!/usr/bin/env python3
"""Converts face-api's TF.js face recognition weights into a TorchScript module.

The network is dlib's ResNet-29 face descriptor (dlib_face_recognition_resnet_model_v1) as ported to
TF.js by face-api (src/faceRecognitionNet/ in @vladmandic/face-api 1.7.15). This file reproduces that
port's forward pass op by op:

  input  N x 3 x 150 x 150 float32, RGB, pixel values 0..255 (after face-api's pad-to-square + resize)
  x = (x - [122.782, 117.001, 104.298]) / 255
  conv7x7/2 valid -> scale -> relu -> maxpool 3/2 valid
  3 x residual(32), residualDown(64), 3 x residual(64), residualDown(128), 2 x residual(128),
  residualDown(256), 2 x residual(256), residualDown(256)
  global mean over H, W -> matmul fc (256 x 128)
  output N x 128 float32 (not normalised, like face-api's descriptor)

Each conv layer is conv + bias followed by a per-channel affine "scale" layer; the affine is folded into
the conv weights (w * s, b * s + t), which is exact up to float32 rounding.

The weights file is read exactly as tfjs-core's io.decodeWeights does: tensors in manifest order,
back to back in the .bin shards; a tensor with {"quantization": {"dtype": "uint8", "scale", "min"}}
is stored as one byte per value and dequantised as q * scale + min (computed in double, stored as
float32); the others are little-endian float32.

Usage: convert_face_recognition.py MODEL_DIR OUTPUT.pt
"""

import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from tfjs_weights import load_tfjs_weights

MEAN_RGB = (122.782, 117.001, 104.298)
MODEL_NAME = "face_recognition_model"


class FaceRecognitionNet(torch.nn.Module):
    """dlib ResNet-29 face descriptor, as face-api's FaceRecognitionNet.forwardInput computes it."""

    # (name, kind): "down" halves the resolution and may widen the channels.
    BLOCKS = [
        ("conv32_1", "same"), ("conv32_2", "same"), ("conv32_3", "same"),
        ("conv64_down", "down"), ("conv64_1", "same"), ("conv64_2", "same"), ("conv64_3", "same"),
        ("conv128_down", "down"), ("conv128_1", "same"), ("conv128_2", "same"),
        ("conv256_down", "down"), ("conv256_1", "same"), ("conv256_2", "same"),
        ("conv256_down_out", "down"),
    ]

    def __init__(self, tf_weights):
        super().__init__()
        mean = torch.tensor(MEAN_RGB, dtype=torch.float32).view(1, 3, 1, 1)
        self.register_buffer("mean_rgb", mean)
        w, b = self._folded(tf_weights, "conv32_down")
        self.register_buffer("stem_w", w)
        self.register_buffer("stem_b", b)
        for name, _ in self.BLOCKS:
            for conv in ("conv1", "conv2"):
                w, b = self._folded(tf_weights, f"{name}/{conv}")
                self.register_buffer(f"{name}_{conv}_w", w)
                self.register_buffer(f"{name}_{conv}_b", b)
        self.register_buffer("fc", torch.from_numpy(tf_weights["fc"].copy()))  # 256 x 128

    @staticmethod
    def _folded(tf_weights, prefix):
        filters = tf_weights[f"{prefix}/conv/filters"].astype(np.float64)  # kh, kw, in, out
        bias = tf_weights[f"{prefix}/conv/bias"].astype(np.float64)
        s = tf_weights[f"{prefix}/scale/weights"].astype(np.float64)
        t = tf_weights[f"{prefix}/scale/biases"].astype(np.float64)
        w = np.transpose(filters * s, (3, 2, 0, 1))  # out, in, kh, kw
        b = bias * s + t
        # Stored channels-last, the layout of the activations (see forward): libtorch otherwise copies
        # every weight into that layout on every call (22 MB a call, about 5 of the 13 ms of a one-face
        # call on one thread; amortised over a batch, so mostly a batch-1 cost).
        w = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32)).contiguous(memory_format=torch.channels_last)
        return w, torch.from_numpy(b.astype(np.float32))

    @staticmethod
    def _residual(x, w1, b1, w2, b2):
        out = F.relu(F.conv2d(x, w1, b1, stride=1, padding=1))
        out = F.conv2d(out, w2, b2, stride=1, padding=1)
        return F.relu(out + x)

    @staticmethod
    def _residual_down(x, w1, b1, w2, b2):
        out = F.relu(F.conv2d(x, w1, b1, stride=2, padding=0))
        out = F.conv2d(out, w2, b2, stride=1, padding=1)
        pooled = F.avg_pool2d(x, 2, 2)
        # face-api appends one zero row and column (bottom, right) when the strided conv came out
        # one smaller than the pooled shortcut, and zero channels when the block widens.
        if pooled.shape[2] != out.shape[2] or pooled.shape[3] != out.shape[3]:
            out = F.pad(out, (0, 1, 0, 1))
        if pooled.shape[1] != out.shape[1]:
            pooled = F.pad(pooled, (0, 0, 0, 0, 0, out.shape[1] - pooled.shape[1]))
        return F.relu(pooled + out)

    def forward(self, x):
        # Channels-last (NHWC) throughout: libtorch 2.7.1's oneDNN convolutions are faster on it (one
        # thread, batch 8: about 8.1 -> 7.2 ms a face); every later op keeps the layout.
        x = x.contiguous(memory_format=torch.channels_last)
        x = (x - self.mean_rgb) / 255.0
        x = F.relu(F.conv2d(x, self.stem_w, self.stem_b, stride=2, padding=0))
        x = F.max_pool2d(x, 3, 2)
        x = self._residual(x, self.conv32_1_conv1_w, self.conv32_1_conv1_b, self.conv32_1_conv2_w, self.conv32_1_conv2_b)
        x = self._residual(x, self.conv32_2_conv1_w, self.conv32_2_conv1_b, self.conv32_2_conv2_w, self.conv32_2_conv2_b)
        x = self._residual(x, self.conv32_3_conv1_w, self.conv32_3_conv1_b, self.conv32_3_conv2_w, self.conv32_3_conv2_b)
        x = self._residual_down(x, self.conv64_down_conv1_w, self.conv64_down_conv1_b, self.conv64_down_conv2_w, self.conv64_down_conv2_b)
        x = self._residual(x, self.conv64_1_conv1_w, self.conv64_1_conv1_b, self.conv64_1_conv2_w, self.conv64_1_conv2_b)
        x = self._residual(x, self.conv64_2_conv1_w, self.conv64_2_conv1_b, self.conv64_2_conv2_w, self.conv64_2_conv2_b)
        x = self._residual(x, self.conv64_3_conv1_w, self.conv64_3_conv1_b, self.conv64_3_conv2_w, self.conv64_3_conv2_b)
        x = self._residual_down(x, self.conv128_down_conv1_w, self.conv128_down_conv1_b, self.conv128_down_conv2_w, self.conv128_down_conv2_b)
        x = self._residual(x, self.conv128_1_conv1_w, self.conv128_1_conv1_b, self.conv128_1_conv2_w, self.conv128_1_conv2_b)
        x = self._residual(x, self.conv128_2_conv1_w, self.conv128_2_conv1_b, self.conv128_2_conv2_w, self.conv128_2_conv2_b)
        x = self._residual_down(x, self.conv256_down_conv1_w, self.conv256_down_conv1_b, self.conv256_down_conv2_w, self.conv256_down_conv2_b)
        x = self._residual(x, self.conv256_1_conv1_w, self.conv256_1_conv1_b, self.conv256_1_conv2_w, self.conv256_1_conv2_b)
        x = self._residual(x, self.conv256_2_conv1_w, self.conv256_2_conv1_b, self.conv256_2_conv2_w, self.conv256_2_conv2_b)
        x = self._residual_down(x, self.conv256_down_out_conv1_w, self.conv256_down_out_conv1_b, self.conv256_down_out_conv2_w, self.conv256_down_out_conv2_b)
        return torch.matmul(x.mean(dim=(2, 3)), self.fc)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_dir, output = sys.argv[1], sys.argv[2]
    net = FaceRecognitionNet(load_tfjs_weights(model_dir, MODEL_NAME)).eval()
    with torch.no_grad():
        scripted = torch.jit.script(net)
        probe = torch.rand(2, 3, 150, 150) * 255
        out = scripted(probe)
        if tuple(out.shape) != (2, 128) or not torch.isfinite(out).all():
            raise SystemExit(f"converted model gives {tuple(out.shape)}, finite={bool(torch.isfinite(out).all())}")
    tmp = output + ".tmp"
    scripted.save(tmp)
    os.replace(tmp, output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
