"""Rewrites a TF.js graph model's fused ops into plain TensorFlow ops, so tf2onnx can read it.

TF.js's converter fuses Conv2D/DepthwiseConv2dNative/MatMul with their BiasAdd and activation
into `_FusedConv2D`, `FusedDepthwiseConv2dNative` (a TF.js-only op) and `_FusedMatMul`, and
drops the `TArgs` attribute TensorFlow needs to import them. This splits each back into
base op -> BiasAdd -> activation, keeping the fused node's name on the last one so its
consumers are unchanged.

Usage: python tfjs_unfuse.py IN.json OUT.json   (OUT beside IN: the weight files are shared)
"""
import base64
import json
import sys

BASE = {"_FusedConv2D": "Conv2D", "FusedDepthwiseConv2dNative": "DepthwiseConv2dNative",
        "_FusedMatMul": "MatMul"}
KEEP = {"Conv2D": {"T", "strides", "padding", "explicit_paddings", "data_format", "dilations",
                   "use_cudnn_on_gpu"},
        "DepthwiseConv2dNative": {"T", "strides", "padding", "explicit_paddings", "data_format",
                                  "dilations"},
        "MatMul": {"T", "transpose_a", "transpose_b"}}
ACTIVATIONS = {"Relu", "Relu6", "Elu", "Sigmoid", "Tanh"}


def unfuse(node):
    base = BASE[node["op"]]
    attr = node.get("attr", {})
    ops = [base64.b64decode(s).decode() for s in attr.get("fused_ops", {}).get("list", {}).get("s", [])]
    ins = node["input"]
    name = node["name"]
    t = attr.get("T", {"type": "DT_FLOAT"})
    if not ops or ops[0] != "BiasAdd" or len(ins) != 3 or any(o not in ACTIVATIONS for o in ops[1:]) or len(ops) > 2:
        raise SystemExit(f"{name}: unsupported fusion {node['op']} {ops} with {len(ins)} inputs")
    out = [{"name": name + "/unfused", "op": base, "input": ins[:2],
            "attr": {k: v for k, v in attr.items() if k in KEEP[base]}}]
    bias_name = name if len(ops) == 1 else name + "/bias"
    bias_attr = {"T": t}
    if base != "MatMul":
        bias_attr["data_format"] = attr.get("data_format", {"s": base64.b64encode(b"NHWC").decode()})
    out.append({"name": bias_name, "op": "BiasAdd", "input": [name + "/unfused", ins[2]], "attr": bias_attr})
    if len(ops) == 2:
        out.append({"name": name, "op": ops[1], "input": [bias_name], "attr": {"T": t}})
    return out


def main(src, dst):
    with open(src) as f:
        model = json.load(f)
    nodes = []
    for n in model["modelTopology"]["node"]:
        # Attributes newer TensorFlow requires that TF.js models written before them lack.
        if n["op"] in ("TopKV2", "Fill"):
            n.setdefault("attr", {}).setdefault("index_type", {"type": "DT_INT32"})
        nodes.extend(unfuse(n) if n["op"] in BASE else [n])
    model["modelTopology"]["node"] = nodes
    with open(dst, "w") as f:
        json.dump(model, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
