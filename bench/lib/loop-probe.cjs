// Loaded into each service with `--require` when a bench runs with BENCH_LOOP=1 (loop-probe.mjs):
// writes how many milliseconds the process's event loop has been busy so far to
// BENCH_LOOP_DIR/<pid>, every 100 ms. A loop can be busy while its process waits for a core, so
// this shows queueing that CPU time alone does not.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { performance } = require("node:perf_hooks");

const file = join(process.env.BENCH_LOOP_DIR, String(process.pid));
setInterval(
  () => writeFileSync(file, String(performance.eventLoopUtilization().active)),
  100,
).unref();
