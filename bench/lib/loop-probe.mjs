// BENCH_LOOP=1: each service's event loop, how busy it was during a run (the probe itself is
// loop-probe.cjs). Read by the CPU snapshots (measure.mjs), loaded by the stack (stack.mjs).
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const LOOP_DIR =
  process.env.BENCH_LOOP === "1" ? join(tmpdir(), `concert-loops-${process.pid}`) : undefined;

/** The node options and environment that load the probe into a service; none without BENCH_LOOP. */
export function loopProbe() {
  if (!LOOP_DIR) return { nodeOptions: [], env: {} };
  mkdirSync(LOOP_DIR, { recursive: true });
  process.once("exit", () => rmSync(LOOP_DIR, { recursive: true, force: true }));
  const probe = fileURLToPath(new URL("./loop-probe.cjs", import.meta.url));
  return { nodeOptions: ["--require", probe], env: { BENCH_LOOP_DIR: LOOP_DIR } };
}

/** Seconds each service process's loop has been busy so far: pid → { name, seconds }. */
export function loopBusySeconds(servicePids) {
  const busy = new Map();
  if (!LOOP_DIR) return busy;
  for (const [pid, name] of servicePids) {
    try {
      const ms = Number(readFileSync(join(LOOP_DIR, String(pid)), "utf8"));
      if (Number.isFinite(ms)) busy.set(pid, { name, seconds: ms / 1000 });
    } catch {
      // not written yet
    }
  }
  return busy;
}

/**
 * Loop busy seconds between two readings, by service (replicas added up). A process that started
 * or stopped in between is left out: its loop was not watched the whole time.
 */
export function loopBusyBetween(before, after) {
  const busy = {};
  for (const [pid, { name, seconds }] of after) {
    const earlier = before.get(pid);
    if (earlier) busy[name] = (busy[name] ?? 0) + seconds - earlier.seconds;
  }
  return busy;
}
