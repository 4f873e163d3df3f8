#!/usr/bin/env python3
"""Converts face-api's TF.js TinyFaceDetector weights into a TorchScript module.

TinyFaceDetector is face-api's YOLOv2-style face detector (src/tinyFaceDetector/ and src/tinyYolov2/ in
@vladmandic/face-api 1.7.15: TinyYolov2Base.runMobilenet with withSeparableConvs = true,
isFirstLayerConv2d = true, filterSizes [3, 16, 32, 64, 128, 256, 512], one class, 5 anchors). This file
reproduces that forward pass op by op:

  input  N x 3 x S x S float32, RGB, pixel values 0..255 (after face-api's pad-to-square + resize; S = 416
         by default, any multiple of 32 works)
  x = (x - [117.001, 114.697, 97.404]) / 255
  conv0: conv3x3 'valid' + bias -> leaky
  maxpool 2/2 'same'
  conv1..conv5: pad 1 -> depthwise 3x3 -> pointwise 1x1 -> + bias -> leaky, each but the last followed by
         maxpool 2/2 'same'; after conv5 a maxpool 2/1 'same'
  conv8: conv1x1 + bias
  output N x G x G x 5 x 5 float32 (G = S / 32): per grid row, column and anchor the raw
         [tx, ty, tw, th, score logit], i.e. face-api's reshape([G, G, 5, 5]) of the NHWC conv output.
         Sigmoid / exp, the anchors and NMS are left to the caller, as face-api does them in JS.

leaky(x) is face-api's relu(x - 0.1 x) + 0.1 x. TF's 'same' max pooling with a 2x2 window pads only after
(bottom, right) and ignores the padding, hence the -inf padding below.

Weights are read exactly as tfjs-core's io.decodeWeights does (as in convert_face_recognition.py):
manifest order, uint8-quantised tensors dequantised as q * scale + min.

Usage: convert_tiny_face_detector.py MODEL_DIR OUTPUT.pt
"""

import os
import sys

import torch
import torch.nn.functional as F

from tfjs_weights import load_tfjs_weights

MEAN_RGB = (117.001, 114.697, 97.404)
MODEL_NAME = "tiny_face_detector_model"


def _t(array):
    return torch.from_numpy(array.copy()).float()


class TinyFaceDetector(torch.nn.Module):
    """face-api's TinyFaceDetector (TinyYolov2Base.forwardInput + runMobilenet)."""

    def __init__(self, w):
        super().__init__()
        self.register_buffer("mean_rgb", torch.tensor(MEAN_RGB, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("conv0_w", _t(w["conv0/filters"]).permute(3, 2, 0, 1).contiguous())
        self.register_buffer("conv0_b", _t(w["conv0/bias"]))
        for i in range(1, 6):
            depthwise = _t(w[f"conv{i}/depthwise_filter"])  # kh, kw, C, 1
            pointwise = _t(w[f"conv{i}/pointwise_filter"])  # 1, 1, C, O
            self.register_buffer(f"conv{i}_dw", depthwise.permute(2, 3, 0, 1).contiguous())  # C, 1, kh, kw
            self.register_buffer(f"conv{i}_pw", pointwise.permute(3, 2, 0, 1).contiguous())  # O, C, 1, 1
            self.register_buffer(f"conv{i}_b", _t(w[f"conv{i}/bias"]))
        self.register_buffer("conv8_w", _t(w["conv8/filters"]).permute(3, 2, 0, 1).contiguous())
        self.register_buffer("conv8_b", _t(w["conv8/bias"]))

    @staticmethod
    def _leaky(x):
        # face-api's relu(x - 0.1x) + 0.1x is x for x > 0 and 0.1x below: leaky_relu, as one fused op
        # (the four elementwise passes over 414 x 414 x 16 activations cost more than the convolutions).
        return F.leaky_relu(x, 0.10000000149011612)

    @staticmethod
    def _max_pool_same(x, stride: int):
        # 'same' gives ceil(n / stride) outputs, padding (ignored) only after. For stride 2 that is
        # ceil_mode; for stride 1 one -inf row and column after give it.
        if stride == 2:
            return F.max_pool2d(x, 2, 2, ceil_mode=True)
        x = F.pad(x, (0, 1, 0, 1), value=float("-inf"))
        return F.max_pool2d(x, 2, stride)

    def _separable(self, x, dw, pw, b):
        x = F.conv2d(x, dw, None, stride=1, padding=1, groups=dw.shape[0])  # zero 'same' padding, no copy
        x = F.conv2d(x, pw, b)
        return self._leaky(x)

    def forward(self, x):
        x = (x - self.mean_rgb) / 255.0
        x = self._leaky(F.conv2d(x, self.conv0_w, self.conv0_b))
        x = self._max_pool_same(x, 2)
        x = self._max_pool_same(self._separable(x, self.conv1_dw, self.conv1_pw, self.conv1_b), 2)
        x = self._max_pool_same(self._separable(x, self.conv2_dw, self.conv2_pw, self.conv2_b), 2)
        x = self._max_pool_same(self._separable(x, self.conv3_dw, self.conv3_pw, self.conv3_b), 2)
        x = self._max_pool_same(self._separable(x, self.conv4_dw, self.conv4_pw, self.conv4_b), 2)
        x = self._max_pool_same(self._separable(x, self.conv5_dw, self.conv5_pw, self.conv5_b), 1)
        x = F.conv2d(x, self.conv8_w, self.conv8_b)  # N x 25 x G x G, channel = anchor * 5 + k (5 anchors, 5 values each)
        n, _, g, _ = x.shape
        return x.view(n, 5, 5, g, g).permute(0, 3, 4, 1, 2).contiguous()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_dir, output = sys.argv[1], sys.argv[2]
    net = TinyFaceDetector(load_tfjs_weights(model_dir, MODEL_NAME)).eval()
    with torch.no_grad():
        scripted = torch.jit.script(net)
        probe = torch.rand(2, 3, 416, 416) * 255
        out = scripted(probe)
        if tuple(out.shape) != (2, 13, 13, 5, 5) or not torch.isfinite(out).all():
            raise SystemExit(f"converted model gives {tuple(out.shape)}, finite={bool(torch.isfinite(out).all())}")
    tmp = output + ".tmp"
    scripted.save(tmp)
    os.replace(tmp, output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
