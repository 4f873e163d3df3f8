"""Reads face-api's TF.js weight files (shared by the model converters)."""
import json
import math
import os

import numpy as np


def load_tfjs_weights(model_dir, model_name):
    """Every weight of a face-api model by name, decoded as tfjs-core's io.decodeWeights does: manifest
    order, float32 as is, uint8-quantised tensors as q * scale + min."""
    with open(os.path.join(model_dir, model_name + "-weights_manifest.json")) as f:
        manifest = json.load(f)
    weights = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            if spec["dtype"] != "float32":
                raise ValueError(f"unexpected dtype {spec['dtype']} for {spec['name']}")
            count = math.prod(spec["shape"])
            quant = spec.get("quantization")
            if quant is None:
                values = np.frombuffer(blob, dtype="<f4", count=count, offset=offset)
                offset += 4 * count
            elif quant["dtype"] == "uint8":
                raw = np.frombuffer(blob, dtype=np.uint8, count=count, offset=offset)
                values = (raw.astype(np.float64) * quant["scale"] + quant["min"]).astype(np.float32)
                offset += count
            else:
                raise ValueError(f"unsupported quantization {quant['dtype']} for {spec['name']}")
            weights[spec["name"]] = values.reshape(spec["shape"])
        if offset != len(blob):
            raise ValueError(f"{len(blob) - offset} bytes left over in {group['paths']}")
    return weights
