#!/usr/bin/env node
// `npm run bench`: sustained entry scans through the gateway, one fresh sold ticket per request,
// side by side with pgbench running the same SQL at the same concurrency. See docs/BENCHMARKS.md.
//
//   BENCH_CONNECTIONS  concurrent connections (autocannon) = clients (pgbench)       default 16
//   BENCH_SECONDS      longest measured run (a run also ends when its codes run out)  default 10
//   BENCH_TICKETS      fresh tickets for each HTTP run (each scan admits one)         default 4000
//   BENCH_DIRECT=0     skip the "attendance direct" row (autocannon straight at attendance)
//   BENCH_PGBENCH_VARIANTS=0  skip the two pgbench rows "extended" and "with pg_notify"
//   BENCH_PROFILE=dir  write V8 CPU profiles of gateway and attendance to dir, print their hot spots
//   BENCH_DATABASE_URL Postgres admin URL (a database per run is created and dropped)
//   BENCH_NATS_URL     NATS (a subject prefix per run keeps it apart)
//
// Every service runs as its own process from its build (run `turbo run build` first; the npm
// script does), like `npm start`; the load generator is this process.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, withClient, withDatabase } from "@concert/testing";
import autocannon from "autocannon";
import { preparePgbenchDatabase, runPgbench } from "./pgbench-scan.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;
const CONNECTIONS = positiveInt(env.BENCH_CONNECTIONS, 16);
const SECONDS = positiveInt(env.BENCH_SECONDS, 10);
const STACK_TICKETS = positiveInt(env.BENCH_TICKETS, 4_000);
const DIRECT = env.BENCH_DIRECT !== "0";
const DIRECT_TICKETS = DIRECT ? STACK_TICKETS : 0;
/** Requests sent (and not measured) before each HTTP run, so the JIT and the pools are warm. */
const WARMUP = Math.min(1_000, Math.ceil(STACK_TICKETS / 20));
const TOTAL_TICKETS = STACK_TICKETS + DIRECT_TICKETS + WARMUP * (DIRECT ? 2 : 1);
/** pgbench's table holds enough tickets for this many transactions per second. */
const PGBENCH_MAX_TPS = positiveInt(env.BENCH_PGBENCH_MAX_TPS, 6_000);
const EXTRA_PGBENCH = env.BENCH_PGBENCH_VARIANTS !== "0";
const PROFILE_DIR = env.BENCH_PROFILE ? resolve(env.BENCH_PROFILE) : undefined;
const ADMIN_DB_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_URL = env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
const ADMIN = { email: "bench-admin@example.com", password: "bench-admin-password" };

const runId = randomBytes(4).toString("hex");
const workDir = mkdtempSync(join(tmpdir(), `concert-bench-${runId}-`));
const stackDb = `bench_stack_${runId}`;
const pgbenchDb = `bench_pgbench_${runId}`;
const stackDbUrl = withDatabase(ADMIN_DB_URL, stackDb);
const children = new Map();
/** Each service's port, chosen free before any starts. */
const ports = {};
let cleaningUp;
let profiling = false;

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => cleanup().finally(() => process.exit(130)));
}

try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error.stack ?? error}`);
  printServiceLogs();
  process.exitCode = 1;
} finally {
  await cleanup();
}

async function main() {
  const cpus = (await import("node:os")).cpus().length;
  log(
    `gate-scan bench ${runId}: ${CONNECTIONS} connections, ${SECONDS} s per run, ` +
      `${TOTAL_TICKETS} tickets to sell, ${cpus} CPUs`,
  );
  await withClient(ADMIN_DB_URL, (c) => c.query(`CREATE DATABASE "${stackDb}"`));

  // ---- the stack: every service as its own process ------------------------------------------
  for (const name of ["identity", "catalog", "ticketing", "attendance", "gateway"]) {
    ports[name] = await freePort();
  }
  const common = {
    ENV: "development",
    HOST: "127.0.0.1",
    DATABASE_URL: stackDbUrl,
    NATS_URL,
    NATS_SUBJECT_PREFIX: `bench${runId}.`,
    DEV_KEYS_DIR: join(workDir, "keys"),
    LOG_LEVEL: env.BENCH_LOG_LEVEL ?? "warn",
  };
  const base = (name) => `http://127.0.0.1:${ports[name]}`;
  let t = Date.now();
  await Promise.all([
    startService("identity", {
      ...common,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_ROUNDS: "4",
    }),
    startService("catalog", common),
    startService("ticketing", common),
    startService("attendance", common),
  ]);
  const gatewayEnv = {
    ...common,
    IDENTITY_URLS: base("identity"),
    CATALOG_URLS: base("catalog"),
    TICKETING_URLS: base("ticketing"),
    ATTENDANCE_URLS: base("attendance"),
    // Not started: nothing listens on port 9.
    REFUNDS_URLS: "http://127.0.0.1:9",
    TRANSFERS_URLS: "http://127.0.0.1:9",
  };
  await startService("gateway", gatewayEnv);
  log(`stack up in ${seconds(t)} s`);

  // ---- seeding through the API: a concert, its tickets, one sale per ticket ------------------
  const gateway = base("gateway");
  const adminToken = await login(gateway, ADMIN);
  const scanner = { email: `scanner-${runId}@example.com`, password: "scanner-password" };
  const buyer = { email: `buyer-${runId}@example.com`, password: "buyer-password" };
  await api(gateway, "POST", "/api/auth/register", adminToken, {
    ...scanner,
    full_name: "Gate Scanner",
    role: "scanner",
  });
  await api(gateway, "POST", "/api/auth/register", null, { ...buyer, full_name: "Bench Buyer" });
  const scannerToken = await login(gateway, scanner);
  const concert = await api(gateway, "POST", "/api/concerts/", adminToken, {
    name: `Bench ${runId}`,
    artist: "The Load Generators",
    venue: "Two Cores Arena",
    // Doors open: the scans name no concert, so the gate admits only within the door window.
    starts_at: new Date(Date.now() + 3_600_000).toISOString(),
    capacity: TOTAL_TICKETS,
    ticket_price: 10,
  });

  t = Date.now();
  // Straight to ticketing, in small batches: a batch is one transaction with two round trips per
  // ticket (the outbox event is written ticket by ticket), and on a busy machine 2,500 tickets
  // already outlast Prisma's 15 s interactive-transaction timeout.
  const BATCH = 500;
  const batches = [];
  for (let left = TOTAL_TICKETS; left > 0; left -= BATCH) batches.push(Math.min(BATCH, left));
  const ticketIds = [];
  await inParallel(batches, 2, async (quantity) => {
    const created = await eventually(
      () =>
        api(base("ticketing"), "POST", `/api/tickets/create/${concert.id}`, adminToken, {
          quantity,
        }),
      60_000, // until ticketing has heard of the concert; 503 when the database is busy
    );
    for (const ticket of created) ticketIds.push(ticket.id);
  });
  log(`created ${ticketIds.length} tickets in ${seconds(t)} s`);

  // Sold at the box office, one request each, straight to ticketing (seeding is not what we
  // measure). Self-service purchase is not used: it picks "the next ticket" by sorting every
  // unsold one, so its cost grows with the concert's size.
  t = Date.now();
  const codes = [];
  let nextSale = 0;
  const sale = await load({
    url: base("ticketing"),
    connections: CONNECTIONS,
    amount: ticketIds.length,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    requests: [
      {
        method: "POST",
        setupRequest: (request) => ({
          ...request,
          path: `/api/tickets/${ticketIds[nextSale++]}/mark-sold`,
          body: JSON.stringify({ buyer_name: "Bench Buyer", buyer_email: buyer.email }),
        }),
        onResponse: (status, body) => {
          if (status === 200) codes.push(JSON.parse(body).qr_data);
        },
      },
    ],
  });
  if (codes.length !== TOTAL_TICKETS) {
    throw new Error(`sold ${codes.length} of ${TOTAL_TICKETS} tickets (${summary(sale)})`);
  }
  const saleRate = TOTAL_TICKETS / sale.duration;
  log(
    `sold ${codes.length} tickets (mark-sold, ticketing direct) in ${sale.duration} s ` +
      `(${saleRate.toFixed(0)}/s, p99 ${sale.latency.p99} ms)`,
  );

  t = Date.now();
  await eventually(async () => {
    const sold = await withClient(stackDbUrl, async (c) => {
      const { rows } = await c.query(
        "SELECT count(*)::int AS n FROM attendance.gate_tickets WHERE concert_id = $1 AND status = 'sold'",
        [concert.id],
      );
      return rows[0].n;
    });
    if (sold < TOTAL_TICKETS) throw new Error(`attendance knows ${sold} sold tickets`);
  }, 180_000);
  log(`attendance's read model caught up ${seconds(t)} s after the last sale`);

  // Only the gate path stays up: ticketing would otherwise consume every TicketScanned on the
  // same two cores while we measure. Seeding churned the read model: let it settle like pgbench's.
  await Promise.all(["identity", "catalog", "ticketing"].map(stopService));
  await withClient(stackDbUrl, (c) => c.query("VACUUM ANALYZE attendance.gate_tickets"));
  if (PROFILE_DIR) {
    // Profiled from a fresh start, so the profiles hold the scans and not the seeding.
    await Promise.all(["gateway", "attendance"].map(stopService));
    profiling = true;
    await startService("attendance", common);
    await startService("gateway", gatewayEnv);
  }

  // ---- the measured runs ---------------------------------------------------------------------
  const rows = [];
  const take = (n) => codes.splice(0, n);
  const stack = await scanRun("stack (gateway→attendance)", gateway, scannerToken, {
    warmup: take(WARMUP),
    codes: take(STACK_TICKETS),
  });
  rows.push(stack);
  if (DIRECT) {
    rows.push(
      await scanRun("attendance direct (no gateway)", base("attendance"), scannerToken, {
        warmup: take(WARMUP),
        codes: take(DIRECT_TICKETS),
      }),
    );
  }
  const admittedInDb = await withClient(stackDbUrl, async (c) => {
    const { rows: found } = await c.query(
      "SELECT count(*)::int AS n FROM attendance.scans WHERE admit AND concert_id = $1",
      [concert.id],
    );
    return found[0].n;
  });
  await Promise.all(["gateway", "attendance"].map(stopService));
  if (PROFILE_DIR) for (const name of ["gateway", "attendance"]) printProfile(name);

  // ---- pgbench, same SQL, same clients, same duration, on a database of its own -------------
  // Then, for the reading only: the same SQL unprepared, and with the pg_notify it used to have.
  const variants = [
    { name: "pgbench same SQL (prepared)", options: {} },
    ...(EXTRA_PGBENCH
      ? [
          { name: "  pgbench, extended (unnamed)", options: { mode: "extended" } },
          { name: "  pgbench, with pg_notify (before)", options: { addNotify: true } },
        ]
      : []),
  ];
  t = Date.now();
  const perClient = Math.ceil((PGBENCH_MAX_TPS * SECONDS) / CONNECTIONS);
  const prepared = await preparePgbenchDatabase({
    adminUrl: ADMIN_DB_URL,
    database: pgbenchDb,
    clients: CONNECTIONS,
    perClient: perClient * variants.length,
  });
  log(`pgbench database: ${prepared.tickets} sold tickets in ${seconds(t)} s`);
  // As long as the stack run lasted (it ends early when its codes run out).
  const pgbenchSeconds = Math.max(1, Math.round(stack.duration));
  const pgbenchRows = [];
  for (const [i, variant] of variants.entries()) {
    const cpuBefore = cpuSnapshot();
    const result = await runPgbench({
      ...prepared,
      ...variant.options,
      clients: CONNECTIONS,
      seconds: pgbenchSeconds,
      firstTicket: i * perClient, // every variant admits tickets nobody scanned yet
      logDir: join(workDir, `pgbench-${i}`),
    });
    const cpu = cpuDelta(cpuBefore, cpuSnapshot());
    if (result.transactions >= (perClient - 1) * CONNECTIONS) {
      log(`warning: ${variant.name} may have run out of tickets; raise BENCH_PGBENCH_MAX_TPS`);
    }
    log(
      `${variant.name.trim()}: ${result.tps.toFixed(0)} tps, p50 ${result.p50.toFixed(2)} ms, ` +
        `p99 ${result.p99.toFixed(2)} ms, ${result.admitted} admitted of ${result.transactions}`,
    );
    pgbenchRows.push({ name: variant.name, result, cpu });
  }
  const pgbench = pgbenchRows[0].result;

  // ---- the report ----------------------------------------------------------------------------
  const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
  const table = [
    ["", "req/s | tps", "p50 ms", "p99 ms", "avg ms", "admitted", "not admitted", "s", "CPU"],
    ...rows.map((r) => [
      r.name,
      fmt(r.rate, 0),
      fmt(r.p50, 2),
      fmt(r.p99, 2),
      fmt(r.avg, 2),
      String(r.admitted),
      `${r.bad}`,
      fmt(r.duration, 1),
      r.cpu,
    ]),
    ...pgbenchRows.map(({ name, result, cpu }) => [
      name,
      fmt(result.tps, 0),
      fmt(result.p50, 2),
      fmt(result.p99, 2),
      fmt(result.latencyAvg, 2),
      String(result.admitted),
      String(result.transactions - result.admitted + result.failed),
      String(pgbenchSeconds),
      describeCpu(cpu, pgbenchSeconds),
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log(`\n${line(table[0])}`);
  for (const row of table.slice(1)) console.log(line(row));
  const ratio = stack.rate / pgbench.tps;
  console.log(
    `\nratio stack/pgbench: ${fmt(ratio, 2)} (aim ≥ 0.50)   stack p99: ${fmt(stack.p99, 2)} ms (aim < 25 ms)`,
  );
  if (DIRECT) console.log(`ratio attendance direct/pgbench: ${fmt(rows[1].rate / pgbench.tps, 2)}`);
  console.log(
    `box-office sales while seeding (mark-sold, ticketing direct, attendance ingesting): ${fmt(saleRate, 0)}/s, p99 ${sale.latency.p99} ms`,
  );
  console.log(
    `admitted scans in attendance's database: ${admittedInDb}; answers counted: ${rows.reduce((n, r) => n + r.admitted + r.warmupAdmitted, 0)} ` +
      "(a run stopped by the clock leaves up to one request per connection unanswered)",
  );
  console.log(
    `${CONNECTIONS} connections/clients; pgbench -M prepared -c ${CONNECTIONS} -j ${Math.min(2, CONNECTIONS)} -T ${pgbenchSeconds}. ` +
      "CPU: cores busy per process group (load = this process: autocannon; others = not ours)",
  );
  const failed =
    rows.some((r) => r.bad > 0) ||
    pgbenchRows.some(({ result }) => result.admitted !== result.transactions || result.failed > 0);
  if (failed) {
    console.log("\nSOME SCANS WERE NOT ADMITTED: the numbers above do not measure the happy path.");
    process.exitCode = 1;
  }
}

/** One measured HTTP run: a warm-up, then scans with one fresh code each, for SECONDS. */
async function scanRun(name, url, token, { warmup, codes }) {
  const warm = await scanLoad(url, token, warmup, 10);
  const cpuBefore = cpuSnapshot();
  const result = await scanLoad(url, token, codes, SECONDS);
  const cpu = cpuDelta(cpuBefore, cpuSnapshot());
  const run = result.run;
  if (result.sent >= codes.length && run.duration < SECONDS - 0.5) {
    log(`${name}: all ${codes.length} codes scanned after ${run.duration} s (BENCH_TICKETS)`);
  }
  const row = {
    name,
    duration: run.duration,
    rate: run.requests.total / run.duration,
    p50: result.p50,
    p99: result.p99,
    avg: result.avg,
    admitted: result.admitted,
    warmupAdmitted: warm.admitted,
    bad: result.notAdmitted + run.errors + run.timeouts + run.non2xx,
    cpu: describeCpu(cpu, run.duration),
  };
  log(
    `${name}: ${row.rate.toFixed(0)} req/s, p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms, ` +
      `${result.admitted} admitted, ${result.notAdmitted} not admitted, ${run.non2xx} non-2xx, ` +
      `${run.errors} errors, ${run.timeouts} timeouts; CPU ${row.cpu}` +
      (result.statuses ? ` ${JSON.stringify(result.statuses)}` : ""),
  );
  return row;
}

async function scanLoad(url, token, codes, durationSeconds) {
  let next = 0;
  let admitted = 0;
  let notAdmitted = 0;
  let statuses;
  const latencies = [];
  const run = await load(
    {
      url,
      connections: Math.min(CONNECTIONS, codes.length),
      amount: codes.length,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      requests: [
        {
          method: "POST",
          path: "/api/scans/",
          setupRequest: (request) => {
            // Never reused: autocannon's `amount` is the number of codes.
            const code = codes[next++];
            return {
              ...request,
              body: JSON.stringify({ qr_data: code, scan_type: "entry_check", gate: "A" }),
            };
          },
          onResponse: (status, body) => {
            if (status === 200 && body.includes('"result":"admitted"')) {
              admitted++;
            } else {
              notAdmitted++;
              statuses ??= {};
              const key = `${status} ${body.slice(0, 120)}`;
              statuses[key] = (statuses[key] ?? 0) + 1;
            }
          },
        },
      ],
    },
    durationSeconds,
    latencies,
  );
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 0.5);
  const p99 = percentile(latencies, 0.99);
  const avg = latencies.reduce((sum, value) => sum + value, 0) / latencies.length;
  return { run, admitted, notAdmitted, statuses, sent: next, p50, p99, avg };
}

/**
 * autocannon with `amount` (never more requests than codes) and a stop after `seconds`. Latencies
 * are also kept unrounded (autocannon's own histogram has whole milliseconds).
 */
function load(options, seconds, latencies) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ timeout: 10, ...options }, (error, result) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(result);
    });
    if (latencies) {
      instance.on("response", (_client, _status, _bytes, responseTime) => {
        latencies.push(responseTime);
      });
    }
    const timer = seconds ? setTimeout(() => instance.stop(), seconds * 1000) : undefined;
  });
}

function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// ---- processes ---------------------------------------------------------------------------------

async function startService(name, serviceEnv) {
  const logFile = join(workDir, `${name}.log`);
  const out = createWriteStream(logFile);
  const profile =
    profiling && (name === "gateway" || name === "attendance")
      ? ["--cpu-prof", `--cpu-prof-dir=${join(PROFILE_DIR, name)}`]
      : [];
  const child = spawn(process.execPath, [...profile, "dist/main.js"], {
    cwd: join(root, "services", name),
    env: { PATH: env.PATH, ...serviceEnv, PORT: String(ports[name]) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  children.set(name, { child, logFile });
  const url = `http://127.0.0.1:${ports[name]}/readyz`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${name} was not ready within 120 s`);
}

async function stopService(name) {
  const entry = children.get(name);
  if (!entry) return;
  children.delete(name);
  const { child } = entry;
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

function printServiceLogs() {
  for (const [name, { logFile }] of children) {
    try {
      const text = readFileSync(logFile, "utf8").trim();
      if (text)
        console.error(`--- ${name} (last lines) ---\n${text.split("\n").slice(-15).join("\n")}`);
    } catch {
      // no log
    }
  }
}

async function cleanup() {
  cleaningUp ??= (async () => {
    // The gateway first, as `npm start` stops them.
    const names = [...children.keys()].reverse();
    for (const name of names) await stopService(name);
    for (const database of [stackDb, pgbenchDb]) {
      await withClient(ADMIN_DB_URL, (c) =>
        c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
      ).catch((error) => console.error(`could not drop ${database}: ${error.message}`));
    }
    rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaningUp;
}

/** Self time of a V8 CPU profile, by package (or node:internal area), then by function. */
function printProfile(name) {
  const dir = join(PROFILE_DIR, name);
  const file = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()
    .at(-1);
  if (!file) return;
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
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
  console.log(
    `\n${name}: CPU profile ${join(dir, file)}\n${top(areas, 12)}\n  -- functions:\n${top(functions, 12)}`,
  );
}

// ---- CPU accounting: where the two cores went during a run (read-only /proc) ------------------

function cpuSnapshot() {
  const groups = { bench: 0, gateway: 0, attendance: 0, postgres: 0, pgbench: 0, nats: 0 };
  const servicePids = new Map([...children].map(([name, { child }]) => [child.pid, name]));
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
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
  return { groups, busy: cpuLine.reduce((a, b) => a + b, 0) - cpuLine[3] - (cpuLine[4] ?? 0) };
}

function cpuDelta(before, after) {
  const delta = {};
  for (const key of Object.keys(after.groups)) {
    delta[key] = Math.max(0, after.groups[key] - (before.groups[key] ?? 0)) / 100; // USER_HZ
  }
  delta.machine = (after.busy - before.busy) / 100;
  const ours = Object.keys(after.groups).reduce((sum, key) => sum + delta[key], 0);
  delta.others = Math.max(0, delta.machine - ours);
  return delta;
}

function describeCpu(delta, durationSeconds) {
  const parts = [];
  for (const [key, label] of [
    ["bench", "load"],
    ["gateway", "gw"],
    ["attendance", "att"],
    ["postgres", "pg"],
    ["pgbench", "pgbench"],
    ["nats", "nats"],
    ["others", "others"],
  ]) {
    const share = delta[key] / durationSeconds;
    if (share >= 0.01) parts.push(`${label} ${share.toFixed(2)}`);
  }
  return parts.join(" ");
}

// ---- small helpers -----------------------------------------------------------------------------

async function api(baseUrl, method, path, token, body, { quiet = [] } = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    const error = new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    error.quiet = quiet.includes(response.status);
    throw error;
  }
  return text ? JSON.parse(text) : undefined;
}

async function login(baseUrl, { email, password }) {
  return (await api(baseUrl, "POST", "/api/auth/login", null, { email, password })).access_token;
}

async function inParallel(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function eventually(fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

function summary(result) {
  return `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`;
}

function positiveInt(value, fallback) {
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : fallback;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function seconds(since) {
  return ((Date.now() - since) / 1000).toFixed(1);
}
function log(message) {
  console.log(`[bench] ${message}`);
}
