// Times ONNX Runtime (onnxruntime-node, its bundled CPU library) on one model
// for tools/bench/compare: only session.run is timed, after warm-up.
//
// Usage: node ort_bench.js MODEL INPUT.bin DIMS THREADS RUNS WARMUP OUT.bin
//   INPUT.bin  raw little-endian float32 data of the first graph input
//   DIMS       its shape, e.g. 1x3x224x224
//   OUT.bin    receives the first output as raw float32
// Prints one JSON line: {"times_ms": [...], "dims": [...]}.
// The Node binding adds roughly 0.1 ms per call over the C API.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, inPath, dimsArg, threadsArg, runsArg, warmArg, outPath] = process.argv.slice(2);
  if (!outPath) {
    console.error('usage: node ort_bench.js MODEL INPUT.bin DIMS THREADS RUNS WARMUP OUT.bin');
    process.exit(2);
  }
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threadsArg),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const dims = dimsArg.split('x').map(Number);
  const raw = fs.readFileSync(inPath);
  const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
  let result;
  for (let i = 0; i < Number(warmArg); i++) result = await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(runsArg); i++) {
    const t0 = process.hrtime.bigint();
    result = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const y = result[session.outputNames[0]];
  fs.writeFileSync(outPath, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  console.log(JSON.stringify({ times_ms: times, dims: y.dims }));
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
