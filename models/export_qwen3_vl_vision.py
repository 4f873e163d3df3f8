#!/usr/bin/env python3
"""Exports Qwen3-VL-2B's vision tower as a TorchScript image encoder for matchstream's embedding job.

Run it on a machine that can reach the Hugging Face hub (this project's machines cannot):

    python3 -m pip install 'torch>=2.4' 'transformers>=4.57' accelerate pillow
    python3 models/export_qwen3_vl_vision.py --model Qwen/Qwen3-VL-2B-Instruct --size 448 \\
        --out qwen3_vl_2b_vision_448.pt

Copy the .pt file next to the job and start it with the flags the script prints (--encoder torchscript
...). The exported module maps a batch of 1 x 3 x S x S images, normalised with the processor's mean and
std, to one L2-normalised vector: the mean of the vision tower's merged patch tokens. It is traced for a
fixed input size and a batch of one (the tower's rotary positions and attention windows depend on the
grid, which tracing freezes), hence --encoder-batch 1. Any TorchScript image encoder with the same contract
works through the same flags.
"""
import argparse
import hashlib
import json
import sys

import torch


class VisionEncoder(torch.nn.Module):
    """Turns images into the patch sequence Qwen's image processor would build, runs the tower, pools."""

    def __init__(self, visual, patch, temporal, merge, size):
        super().__init__()
        if size % (patch * merge):
            raise ValueError(f"--size must be a multiple of patch*merge = {patch * merge}")
        self.visual = visual
        self.patch, self.temporal, self.merge = patch, temporal, merge
        self.grid = size // patch

    def forward(self, images):
        n = images.shape[0]
        g, m, p, t = self.grid, self.merge, self.patch, self.temporal
        # A still image is repeated to fill one temporal patch, as the processor does.
        x = images.unsqueeze(1).repeat(1, t, 1, 1, 1)                      # n, t, c, h, w
        x = x.reshape(n, 1, t, 3, g // m, m, p, g // m, m, p)
        # Same order as Qwen2VLImageProcessor: merge windows first, then patches inside them.
        x = x.permute(0, 1, 4, 7, 5, 8, 3, 2, 6, 9)
        x = x.reshape(n * g * g, 3 * t * p * p)
        grid_thw = torch.tensor([[1, g, g]] * n, dtype=torch.long, device=images.device)
        out = self.visual(x, grid_thw=grid_thw)
        if isinstance(out, (tuple, list)):
            out = out[0]                                                  # merged tokens; drop deepstack features
        tokens = out.reshape(n, -1, out.shape[-1])
        return torch.nn.functional.normalize(tokens.float().mean(dim=1), dim=-1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="Qwen/Qwen3-VL-2B-Instruct")
    parser.add_argument("--size", type=int, default=448, help="square input side, a multiple of 32")
    parser.add_argument("--out", default="qwen3_vl_2b_vision_448.pt")
    args = parser.parse_args()

    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(args.model)
    model = AutoModelForImageTextToText.from_pretrained(args.model, torch_dtype=torch.float32)
    visual = model.model.visual if hasattr(model, "model") and hasattr(model.model, "visual") else model.visual
    vision_config = model.config.vision_config
    image_processor = processor.image_processor
    encoder = VisionEncoder(visual.eval(), vision_config.patch_size, vision_config.temporal_patch_size,
                            vision_config.spatial_merge_size, args.size).eval()

    example = torch.randn(1, 3, args.size, args.size)
    with torch.no_grad():
        reference = encoder(example)
        traced = torch.jit.freeze(torch.jit.trace(encoder, example, check_trace=False))
        again = traced(example)
    if not torch.allclose(reference, again, atol=1e-4):
        sys.exit("the traced module does not reproduce the eager one; not saving")
    traced.save(args.out)

    with open(args.out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    mean = ",".join(str(v) for v in image_processor.image_mean)
    std = ",".join(str(v) for v in image_processor.image_std)
    dim = int(reference.shape[-1])
    print(json.dumps({"file": args.out, "sha256": digest, "dimension": dim, "size": args.size,
                      "mean": mean, "std": std}, indent=2))
    print("\nRun the embedding job with:\n"
          f"  --encoder torchscript --encoder-model {args.out} --encoder-id qwen3-vl-2b-vision-{args.size}"
          f" --encoder-input-size {args.size} --encoder-mean {mean} --encoder-std {std}"
          f" --encoder-dim {dim} --encoder-batch 1")


if __name__ == "__main__":
    main()
