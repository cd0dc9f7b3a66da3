// How a benchmark measures: autocannon with unrounded latencies, the CPU each process group kept
// busy (from /proc, read-only) and the hot spots of a V8 CPU profile.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import pg from "pg";
import { loopBusyBetween, loopBusySeconds } from "./loop-probe.mjs";

/**
 * autocannon, stopped after `seconds` (and never more than `amount` requests when given).
 * Resolves with autocannon's result plus `responses` (answers counted) and `elapsed`: the exact
 * seconds from the start to the last answer (autocannon's own `duration` is rounded up to its
 * next sample when `amount` ends the run). Latencies are also kept unrounded in `latencies`
 * (autocannon's histogram has whole ms).
 */
export function load(options, seconds, latencies) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let last = started;
    let responses = 0;
    const instance = autocannon({ timeout: 10, ...options }, (error, result) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(Object.assign(result, { responses, elapsed: (last - started) / 1000 }));
    });
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      last = performance.now();
      responses++;
      latencies?.push(responseTime);
    });
    const timer = seconds ? setTimeout(() => instance.stop(), seconds * 1000) : undefined;
  });
}

/**
 * CPU time so far of this process, the stack's services (by name), Postgres and NATS; with
 * BENCH_LOOP=1 also each service's event loop busy time (`loops`, loop-probe.mjs).
 * `names`: service groups to report even when their process is not running (0).
 */
export function cpuSnapshot(servicePids = new Map(), names = servicePids.values()) {
  const groups = { bench: 0, postgres: 0, pgbench: 0, nats: 0 };
  for (const name of names) groups[name] = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (!stat) continue;
    const { comm, fields } = stat;
    const own = Number(fields[11]) + Number(fields[12]); // utime + stime
    const reaped = Number(fields[13]) + Number(fields[14]); // cutime + cstime: exited children
    const pid = Number(entry);
    if (pid === process.pid) {
      groups.bench += own;
      groups.pgbench += reaped; // our only child that exits during a measured run
    } else if (servicePids.has(pid)) {
      groups[servicePids.get(pid)] += own;
    } else if (comm === "postgres") {
      groups.postgres += own + reaped; // the postmaster reaps pgbench's backends
    } else if (comm.startsWith("nats")) {
      groups.nats += own;
    }
  }
  const cpuLine = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return {
    groups,
    loops: loopBusySeconds(servicePids),
    busy: cpuLine.reduce((a, b) => a + b, 0) - cpuLine[3] - (cpuLine[4] ?? 0),
    at: performance.now(),
  };
}

/** A process's command name and the /proc stat fields after it; null once it has exited. */
function procStat(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  return {
    comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
    fields: stat.slice(stat.lastIndexOf(")") + 2).split(" "),
  };
}

/** utime + stime of a process so far, in seconds; null once it has exited. */
function processCpuSeconds(pid) {
  const stat = procStat(pid);
  return stat && (Number(stat.fields[11]) + Number(stat.fields[12])) / 100; // USER_HZ
}

/**
 * Runs `work` and counts the CPU seconds the Postgres processes serving one database spend
 * meanwhile: its backends (pgbench's, the services' pools, autovacuum) found in pg_stat_activity
 * every `intervalMs`. The "postgres" group of cpuSnapshot counts every database of the machine,
 * which on a shared machine includes other people's tests and benches. A backend that starts
 * during the work counts from zero; one that exits counts until its last sample (up to one
 * interval less). Resolves to `{ result, seconds, byApplication }`: the seconds of each
 * `application_name` apart too.
 */
export async function withDatabaseCpu(adminUrl, database, work, intervalMs = 100) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  /** pid → [cpu when first seen (0 if it started during the work), cpu when last seen] */
  const backends = new Map();
  /** pid → its connection's application_name */
  const applications = new Map();
  const sample = async (first) => {
    const { rows } = await client.query(
      `SELECT pid, application_name FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [database],
    );
    for (const { pid, application_name } of rows) {
      const cpu = processCpuSeconds(pid);
      if (cpu === null) continue;
      applications.set(pid, application_name);
      const known = backends.get(pid);
      if (known) known[1] = cpu;
      else backends.set(pid, [first ? cpu : 0, cpu]);
    }
  };
  let sampling = Promise.resolve();
  let timer;
  try {
    await sample(true);
    timer = setInterval(() => {
      sampling = sampling.then(() => sample(false)).catch(() => {});
    }, intervalMs);
    const result = await work();
    clearInterval(timer);
    await sampling;
    await sample(false);
    let seconds = 0;
    const byApplication = {};
    for (const [pid, [first, last]] of backends) {
      seconds += last - first;
      const name = applications.get(pid) || "(unnamed)";
      byApplication[name] = (byApplication[name] ?? 0) + last - first;
    }
    return { result, seconds, byApplication };
  } finally {
    clearInterval(timer);
    await sampling;
    await client.end();
  }
}

export function cpuDelta(before, after) {
  const delta = {};
  for (const key of Object.keys(after.groups)) {
    delta[key] = Math.max(0, after.groups[key] - (before.groups[key] ?? 0)) / 100; // USER_HZ
  }
  delta.machine = (after.busy - before.busy) / 100;
  // Wall seconds between the snapshots: autocannon answers up to 1 s after a run's last answer.
  delta.wall = (after.at - before.at) / 1000;
  const ours = Object.keys(after.groups).reduce((sum, key) => sum + delta[key], 0);
  delta.others = Math.max(0, delta.machine - ours);
  // After every CPU group, so describeCpu prints them last ("att loop 0.85").
  for (const [name, seconds] of Object.entries(loopBusyBetween(before.loops, after.loops))) {
    delta[`${name} loop`] = seconds;
  }
  return delta;
}

const LABELS = {
  bench: "load",
  gateway: "gw",
  attendance: "att",
  ticketing: "tkt",
  identity: "idn",
  catalog: "cat",
  postgres: "pg",
  machine: null,
  wall: null,
};

/**
 * "load 0.10 gw 0.50 tkt 0.80 pg 0.60 ...": cores busy per group during the run, over
 * `durationSeconds` or else the wall time between the two snapshots.
 */
export function describeCpu(delta, durationSeconds = delta.wall) {
  const parts = [];
  for (const [key, value] of Object.entries(delta)) {
    const [group, loop] = key.split(" ");
    const label = key in LABELS ? LABELS[key] : loop ? `${LABELS[group] ?? group} ${loop}` : key;
    const share = value / durationSeconds;
    if (label && share >= 0.01) parts.push(`${label} ${share.toFixed(2)}`);
  }
  return parts.join(" ");
}

/**
 * What `database`'s busy connections and Postgres's own writers (checkpointer, WAL writer,
 * background writer) were doing while `work` ran: `pg_stat_activity` sampled every `intervalMs`,
 * each sample's waits counted ("IO:WALSync 31", "CPU 120" for an active connection waiting on
 * nothing). Resolves with the work's result and `waits`: "what count" pairs, most first. A tail
 * latency with IO waits at the top is the disk's (a checkpoint, WAL flushes), not our code's.
 */
export async function withDatabaseWaits(adminUrl, database, work, intervalMs = 25) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const counts = new Map();
  let samples = 0;
  const sample = async () => {
    const { rows } = await client.query(
      `SELECT backend_type, coalesce(wait_event_type || ':' || wait_event, 'CPU') AS what
         FROM pg_stat_activity
        WHERE pid <> pg_backend_pid()
          AND ((datname = $1 AND state = 'active')
            OR (backend_type IN ('checkpointer', 'walwriter', 'background writer')
                AND wait_event_type IS DISTINCT FROM 'Activity'))`,
      [database],
    );
    samples++;
    for (const { backend_type, what } of rows) {
      const key = backend_type === "client backend" ? what : `${backend_type} ${what}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(sample).catch(() => {});
  }, intervalMs);
  try {
    const result = await work();
    clearInterval(timer);
    await sampling;
    const waits = [...counts].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${what} ${n}`);
    return { result, waits, samples };
  } finally {
    clearInterval(timer);
    await client.end();
  }
}

/** Now on the clock V8 stamps its CPU profiles with (monotonic, µs), to mark a window in them. */
export function profileClock() {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Windows for `printProfile`: `time(work)` runs the work and keeps when it ran. */
export function profileWindows() {
  const windows = [];
  return {
    windows,
    async time(work) {
      const from = profileClock();
      try {
        return await work();
      } finally {
        windows.push({ from, to: profileClock() });
      }
    },
  };
}

/**
 * Self time of the newest V8 CPU profile of a main thread in dir, by package (or node:internal
 * area), then by function. Node writes one profile per thread (`CPU.<date>.<time>.<pid>.<thread>.
 * <seq>.cpuprofile`): the migration worker's, thread 1, is written last but holds only the start.
 * With `windows` ([{from, to}] by `profileClock()`), only the samples taken inside them count: a
 * process profiled from its start also holds its warm-up, calibration and top-ups, which hid
 * what the measured runs spend (the spread lever stood out only over the runs' window).
 */
export function printProfile(name, dir, windows) {
  const file = readdirSync(dir)
    .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
    .sort()
    .at(-1);
  if (!file) return;
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const inWindow = (at) => !windows || windows.some(({ from, to }) => at >= from && at <= to);
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const micros = profile.timeDeltas[i] ?? 0;
    at += micros;
    if (!inWindow(at)) continue;
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + micros);
  }
  const areas = new Map();
  const functions = new Map();
  let total = 0;
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id);
    const url = callFrame.url;
    const area =
      url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ??
      url.match(/(libs|services)\/[^/]+/)?.[0] ??
      (url.startsWith("node:")
        ? url.split("/").slice(0, 2).join("/")
        : callFrame.functionName || "(vm)");
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const fn = `${callFrame.functionName || "(anonymous)"} ${area}`;
    functions.set(fn, (functions.get(fn) ?? 0) + micros);
    total += micros;
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, micros]) => `  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${key}`)
      .join("\n");
  const span = windows
    ? ` (the measured runs only: ${(total / 1e6).toFixed(1)} of ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled)`
    : "";
  console.log(
    `\n${name}: CPU profile ${join(dir, file)}${span}\n${top(areas, 14)}\n  -- functions:\n${top(functions, 16)}`,
  );
}

/**
 * `perf record` of the whole machine (every process, the kernel's loopback TCP included) for
 * `seconds`: unlike `--cpu-prof`, it covers only the measured window and shows Postgres too.
 * Node processes name their JIT frames only when started with `--perf-basic-prof-only-functions`.
 * Resolves when perf has written `file`.
 */
export function recordPerf(file, seconds) {
  return new Promise((resolve, reject) => {
    const perf = spawn(
      "perf",
      [
        "record",
        "-a",
        "-g",
        "-e",
        "cpu-clock",
        "-F",
        "997",
        "-o",
        file,
        "--",
        "sleep",
        `${seconds}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    perf.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    perf.on("error", reject);
    perf.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`perf record exited ${code}: ${stderr.trim()}`)),
    );
  });
}

/**
 * What a `recordPerf` file says: each process group's share of all samples (`servicePids`: pid →
 * group, services and named Postgres backends; other Postgres processes are "postgres"), then
 * the top self-time symbols of each group.
 */
export function printPerf(file, servicePids, top = 14) {
  // perf names threads, not processes: a service's libuv and V8 threads count as the service.
  const byThread = new Map();
  for (const [pid, name] of servicePids) {
    const tasks = existsSync(`/proc/${pid}/task`) ? readdirSync(`/proc/${pid}/task`) : [pid];
    for (const tid of tasks) byThread.set(Number(tid), name);
  }
  const report = (sort) => {
    const run = spawnSync(
      "perf",
      ["report", "-i", file, "--stdio", "--no-children", "-g", "none", "--sort", sort, "-t", "|"],
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
    );
    if (run.status !== 0) throw new Error(`perf report failed: ${run.stderr}`);
    // " 12.34% |   1234:node   |[kernel.kallsyms]   |[k] do_writev"
    return run.stdout
      .split("\n")
      .filter((text) => text.trim() && !text.startsWith("#"))
      .map((text) => text.split("|").map((field) => field.trim()));
  };
  const groupOf = (thread) => {
    const [tid, comm] = thread.split(":");
    return (
      byThread.get(Number(tid)) ??
      (comm === "postgres" ? "postgres" : comm === "swapper" ? "idle" : `other: ${comm}`)
    );
  };
  const groups = new Map();
  // Shares from a report by thread alone: finer reports' percentages do not add up to 100.
  for (const [percent, thread] of report("pid")) {
    const group = groupOf(thread);
    const entry = groups.get(group) ?? { share: 0, symbols: new Map() };
    entry.share += Number.parseFloat(percent);
    groups.set(group, entry);
  }
  for (const [percent, thread, dso, symbol] of report("pid,dso,sym")) {
    const entry = groups.get(groupOf(thread));
    if (!entry || !symbol) continue;
    // Unnamed JIT code (a process started without --perf-basic-prof-only-functions) is one item.
    const where = dso.startsWith("[JIT]") ? "[JIT]" : dso.split("/").at(-1);
    const name = `${where === "[JIT]" && symbol.startsWith("[.] 0x") ? "(unnamed)" : symbol.slice(4, 94)}  ${where}`;
    entry.symbols.set(name, (entry.symbols.get(name) ?? 0) + Number.parseFloat(percent));
  }
  const total = [...groups.values()].reduce((sum, entry) => sum + entry.share, 0);
  console.log(`\nperf, whole machine (${file}): share of all samples (${total.toFixed(0)}% read)`);
  for (const [group, { share, symbols }] of [...groups].sort((a, b) => b[1].share - a[1].share)) {
    console.log(`${group}: ${share.toFixed(1)}%`);
    if (group === "idle" || share < 2) continue;
    for (const [name, s] of [...symbols].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${s.toFixed(2).padStart(6)}%  ${name}`);
    }
  }
}
