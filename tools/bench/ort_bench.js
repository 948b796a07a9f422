// The fallback ONNX Runtime side of tools/bench/compare (--ort node): times
// onnxruntime-node's binding, awaited session.run calls, under the protocol
// of bench_loop.h (time-based warm-up, then timed runs). Each call goes
// through the Node binding (new output tensors, a promise), which on small
// models costs more than the inference itself: compare's default, the C API
// (ort_capi_bench.c), is the figure to quote.
//
// Usage: node ort_bench.js MODEL INPUT.bin DIMS THREADS OUT.bin
//            [--warmup S] [--warmup-runs N] [--seconds S] [--min-runs N]
//   INPUT.bin  raw little-endian float32 data of the first graph input
//   DIMS       its shape, e.g. 1x3x224x224
//   OUT.bin    receives the first output as raw float32
// Prints "output: NAME DIMS", "warmup: ..." and "round 1: median M ms  min m ms
// mean a ms  runs N  seconds S  cpu c ms/run", as ort_capi_bench does.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function options(args) {
  const o = { warmup: 1, warmupRuns: 50, seconds: 2, minRuns: 10 };
  const names = { '--warmup': 'warmup', '--warmup-runs': 'warmupRuns', '--seconds': 'seconds',
                  '--min-runs': 'minRuns' };
  for (let i = 0; i < args.length; i += 2) {
    const key = names[args[i]];
    const v = Number(args[i + 1]);
    if (!key || !Number.isFinite(v)) throw new Error(`bad option ${args[i]} ${args[i + 1]}`);
    o[key] = v;
  }
  return o;
}

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

async function main() {
  const [model, inPath, dimsArg, threadsArg, outPath, ...rest] = process.argv.slice(2);
  if (!outPath) {
    console.error('usage: node ort_bench.js MODEL INPUT.bin DIMS THREADS OUT.bin [options]');
    process.exit(2);
  }
  const o = options(rest);
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
  let n = 0;
  const t0 = now();
  while (n < o.warmupRuns || now() - t0 < o.warmup * 1e3) {
    result = await session.run(feeds);
    n++;
  }
  console.log(`warmup: ${((now() - t0) / 1e3).toFixed(3)} s, ${n} runs`);
  const times = [];
  const cpu0 = process.cpuUsage();
  const start = now();
  let end = start;
  while (times.length < o.minRuns || end - start < o.seconds * 1e3) {
    const a = now();
    result = await session.run(feeds);
    end = now();
    times.push(end - a);
  }
  const cu = process.cpuUsage(cpu0);
  const cpu = (cu.user + cu.system) / 1e3 / times.length; // ms per run, all threads
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  times.sort((a, b) => a - b);
  const k = times.length;
  const median = k % 2 ? times[(k - 1) / 2] : (times[k / 2 - 1] + times[k / 2]) / 2;
  const y = result[session.outputNames[0]];
  fs.writeFileSync(outPath, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  console.log(`output: ${session.outputNames[0]} ${y.dims.join('x')}`);
  console.log(`round 1: median ${median.toFixed(6)} ms  min ${times[0].toFixed(6)} ms  mean ${mean.toFixed(6)} ms  ` +
              `runs ${k}  ` +
              `seconds ${((end - start) / 1e3).toFixed(3)}  cpu ${cpu.toFixed(6)} ms/run`);
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
