#!/usr/bin/env python3
"""Converts face-api's TF.js TinyFaceDetector weights into a TorchScript module.

TinyFaceDetector is face-api's YOLOv2-style face detector (src/tinyFaceDetector/ and src/tinyYolov2/ in
@vladmandic/face-api 1.7.15: TinyYolov2Base.runMobilenet with withSeparableConvs = true,
isFirstLayerConv2d = true, filterSizes [3, 16, 32, 64, 128, 256, 512], one class, 5 anchors). This file
reproduces that forward pass:

  input  N x 3 x H x W float32, RGB, pixel values 0..255 (after face-api's pad-to-square + resize: H = W = S,
         416 by default; or the detector's 'content' fit, padded only to the next multiple of 32 of each side;
         any multiples of 32 work)
  x = (x - [117.001, 114.697, 97.404]) / 255
  conv0: conv3x3 'valid' + bias -> leaky
  maxpool 2/2 'same'
  conv1..conv5: pad 1 -> depthwise 3x3 -> pointwise 1x1 -> + bias -> leaky, each but the last followed by
         maxpool 2/2 'same'; after conv5 a maxpool 2/1 'same'
  conv8: conv1x1 + bias
  output N x H/32 x W/32 x 5 x 5 float32: per grid row, column and anchor the raw
         [tx, ty, tw, th, score logit], i.e. face-api's reshape([G, G, 5, 5]) of the NHWC conv output (G = S / 32).
         Sigmoid / exp, the anchors and NMS are left to the caller, as face-api does them in JS.

leaky(x) is face-api's relu(x - 0.1 x) + 0.1 x. TF's 'same' max pooling with a 2x2 window pads only after
(bottom, right) and ignores the padding, hence the -inf padding below.

Four rewrites give the same outputs (to float32 rounding: 2e-5 on logits up to 40) for about a quarter of
libtorch 2.7.1's time (one thread, input 416: 47 -> 13 ms): the normalisation is folded into conv0's
weights; leaky runs after each max pool (it is monotonic, so it commutes with max) on a quarter of the
values; max pooling is two elementwise maxima of strided slices instead of max_pool2d, whose NCHW CPU
kernel (which also computes indices) took half the time; and the activations are channels-last.

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
        # conv0 is 'valid' (no padding), so face-api's (x - mean) / 255 before it folds into its weights and
        # bias: conv(x, w / 255) + b - sum(w * mean / 255). That saves two passes over the input.
        conv0_w = _t(w["conv0/filters"]).permute(3, 2, 0, 1).contiguous().double()  # O, 3, 3, 3
        mean = torch.tensor(MEAN_RGB, dtype=torch.float64).view(1, 3, 1, 1)
        self.register_buffer("conv0_w", (conv0_w / 255.0).float())
        self.register_buffer("conv0_b", (_t(w["conv0/bias"]).double() - (conv0_w * mean / 255.0).sum(dim=(1, 2, 3))).float())
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
    def _max_pool_2(x):
        # TF's 2x2/2 'same' max pooling: ceil(n / 2) outputs, an odd last row or column pooled alone (the
        # padding after is ignored, hence -inf). As the maximum of row pairs, then of column pairs:
        # libtorch's max_pool2d kernel for NCHW costs about 10x as much (it also computes indices).
        if x.size(2) % 2 == 1 or x.size(3) % 2 == 1:
            x = F.pad(x, (0, x.size(3) % 2, 0, x.size(2) % 2), value=float("-inf"))
        x = torch.maximum(x[:, :, 0::2, :], x[:, :, 1::2, :])
        return torch.maximum(x[:, :, :, 0::2], x[:, :, :, 1::2])

    @staticmethod
    def _max_pool_1(x):
        # TF's 2x2/1 'same' max pooling: n outputs, one ignored (-inf) row and column after.
        x = F.pad(x, (0, 1, 0, 1), value=float("-inf"))
        x = torch.maximum(x[:, :, :-1, :], x[:, :, 1:, :])
        return torch.maximum(x[:, :, :, :-1], x[:, :, :, 1:])

    def _separable(self, x, dw, pw, b):
        x = F.conv2d(x, dw, None, stride=1, padding=1, groups=dw.shape[0])  # zero 'same' padding, no copy
        return F.conv2d(x, pw, b)

    def forward(self, x):
        # Every block is conv -> leaky -> pool in face-api; here conv -> pool -> leaky, which is the same
        # values (leaky is monotonic, so it commutes with max) on a quarter of the elements.
        # Channels-last (NHWC) from the first layer on: libtorch's oneDNN convolutions and the elementwise
        # maxima are faster on it (one thread, input 416: 19 -> 13 ms); every later op keeps the layout.
        x = x.contiguous(memory_format=torch.channels_last)
        x = F.conv2d(x, self.conv0_w, self.conv0_b)  # the input normalisation is folded into conv0
        x = self._leaky(self._max_pool_2(x))
        x = self._leaky(self._max_pool_2(self._separable(x, self.conv1_dw, self.conv1_pw, self.conv1_b)))
        x = self._leaky(self._max_pool_2(self._separable(x, self.conv2_dw, self.conv2_pw, self.conv2_b)))
        x = self._leaky(self._max_pool_2(self._separable(x, self.conv3_dw, self.conv3_pw, self.conv3_b)))
        x = self._leaky(self._max_pool_2(self._separable(x, self.conv4_dw, self.conv4_pw, self.conv4_b)))
        x = self._leaky(self._max_pool_1(self._separable(x, self.conv5_dw, self.conv5_pw, self.conv5_b)))
        x = F.conv2d(x, self.conv8_w, self.conv8_b)  # N x 25 x G x G, channel = anchor * 5 + k (5 anchors, 5 values each)
        n, _, rows, columns = x.shape
        return x.view(n, 5, 5, rows, columns).permute(0, 3, 4, 1, 2).contiguous()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_dir, output = sys.argv[1], sys.argv[2]
    net = TinyFaceDetector(load_tfjs_weights(model_dir, MODEL_NAME)).eval()
    with torch.no_grad():
        scripted = torch.jit.script(net)
        probe = torch.rand(2, 3, 416, 416) * 255
        out = scripted(probe)
        wide = scripted(probe[:, :, :320, :])
        if tuple(out.shape) != (2, 13, 13, 5, 5) or not torch.isfinite(out).all() or tuple(wide.shape) != (2, 10, 13, 5, 5):
            raise SystemExit(f"converted model gives {tuple(out.shape)} and {tuple(wide.shape)}, "
                             f"finite={bool(torch.isfinite(out).all())}")
    tmp = output + ".tmp"
    scripted.save(tmp)
    os.replace(tmp, output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
