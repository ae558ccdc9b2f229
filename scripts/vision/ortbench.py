#!/usr/bin/env python3
# Per-model ONNX Runtime timings for BENCHMARKS.md. Usage (a venv with the onnxruntime wheel
# that scripts/vision-models.sh uses, and numpy): python ortbench.py models [THREADS...]
import time, sys, numpy as np, onnxruntime as ort
d = sys.argv[1]
for th in [int(t) for t in (sys.argv[2:] or ["1", "2"])]:
    o = ort.SessionOptions(); o.intra_op_num_threads = th; o.inter_op_num_threads = 1
    for m, s, n in [("ch_PP-OCRv4_det_infer.onnx", (1,3,640,960), 5), ("ch_PP-OCRv4_rec_infer.onnx", (1,3,48,480), 20), ("ch_ppocr_mobile_v2.0_cls_infer.onnx", (1,3,48,192), 50),
                    ("blazeface.onnx", (1,256,256,3), 20), ("faceres.onnx", (1,224,224,3), 10), ("centernet.onnx", (1,512,512,3), 5)]:
        t0 = time.time(); s_ = ort.InferenceSession(f"{d}/{m}", o, providers=["CPUExecutionProvider"]); load = time.time()-t0
        x = np.full(s, 0.1, np.float32); name = s_.get_inputs()[0].name
        out = s_.run(None, {name: x}); t1 = time.time()
        for _ in range(n): s_.run(None, {name: x})
        print(f"onnxruntime threads={th} {m} {list(s)}: load {load:.2f}s, {(time.time()-t1)/n*1000:.1f} ms/run, sum|out0| {float(np.abs(out[0]).sum()):.4e}")
