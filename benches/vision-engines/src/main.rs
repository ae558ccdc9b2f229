//! Times tract-onnx on albumen's vision models with the inputs `scripts/vision/ortbench.py`
//! gives ONNX Runtime (constant 0.1, same shapes), and prints a checksum of the first output so
//! the two engines can be seen to compute the same thing. Usage: vision-engines MODELS_DIR [RUNS]
use std::time::Instant;
use tract_onnx::prelude::*;

const MODELS: [(&str, [usize; 4]); 6] = [
    ("ch_PP-OCRv4_det_infer.onnx", [1, 3, 640, 960]),
    ("ch_PP-OCRv4_rec_infer.onnx", [1, 3, 48, 480]),
    ("ch_ppocr_mobile_v2.0_cls_infer.onnx", [1, 3, 48, 192]),
    ("blazeface.onnx", [1, 256, 256, 3]),
    ("faceres.onnx", [1, 224, 224, 3]),
    ("centernet.onnx", [1, 512, 512, 3]),
];

fn main() -> TractResult<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "models".into());
    let runs: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    for (file, shape) in MODELS {
        let t0 = Instant::now();
        let model = tract_onnx::onnx()
            .model_for_path(format!("{dir}/{file}"))
            .and_then(|m| m.with_input_fact(0, f32::fact(shape).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable());
        let model = match model {
            Ok(m) => m,
            Err(e) => {
                println!("tract {file} {shape:?}: cannot load: {e:#}");
                continue;
            }
        };
        let load = t0.elapsed().as_secs_f64();
        let input: Tensor = tract_ndarray::ArrayD::<f32>::from_elem(shape.to_vec(), 0.1).into();
        let out = match model.run(tvec!(input.clone().into())) {
            Ok(o) => o,
            Err(e) => {
                println!("tract {file} {shape:?}: cannot run: {e:#}");
                continue;
            }
        };
        let sum: f64 = out[0]
            .to_array_view::<f32>()
            .map(|a| a.iter().map(|v| f64::from(v.abs())).sum())
            .unwrap_or(f64::NAN);
        let t1 = Instant::now();
        for _ in 0..runs {
            model.run(tvec!(input.clone().into()))?;
        }
        println!(
            "tract threads=1 {file} {shape:?}: load {load:.2}s, {:.1} ms/run, sum|out0| {sum:.4e}",
            t1.elapsed().as_secs_f64() / runs as f64 * 1000.0
        );
    }
    Ok(())
}
