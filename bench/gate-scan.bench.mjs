#!/usr/bin/env node
// `npm run bench`: sustained entry scans through the gateway, one fresh sold ticket per request,
// side by side with pgbench running the same SQL at the same concurrency; the median of 3 runs of
// each row, the CPU each process spends per scan, the services' idle memory, and the lag from a
// sale's commit to attendance's read model under the scan load. See docs/BENCHMARKS.md.
//
//   BENCH_CONNECTIONS  concurrent connections (autocannon) = clients (pgbench)       default 16
//   BENCH_SECONDS      length of each measured run                                   default 10
//   BENCH_RUNS         measured runs of each row (the median is reported)            default 3
//   BENCH_TICKETS      tickets sold before the first scan; more are sold once the
//                      calibration shows how many the runs need                      default 8000
//   BENCH_MAX_TICKETS  never sell more than this many in all (then the runs share what
//                      there is, and end early when their codes run out)            default none
//   BENCH_DIRECT=0     skip the "attendance direct" row (autocannon straight at attendance)
//   BENCH_LAG=0        skip the event-lag run
//   BENCH_PGBENCH_VARIANTS=0  skip the pgbench row "with pg_notify (before)"
//   BENCH_PGBENCH_EXTENDED=1  add a pgbench row with unnamed statements (-M extended)
//   BENCH_PROFILE=dir  write V8 CPU profiles of gateway and attendance to dir, print their hot spots
//   BENCH_DATABASE_URL Postgres admin URL (a database per run is created and dropped)
//   BENCH_NATS_URL     NATS (a subject prefix per run keeps it apart)
//
// Every service runs as its own process from its build (run `turbo run build` first; the npm
// script does), like `npm start`; the load generator is this process.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { freePort, withClient, withDatabase } from "@concert/testing";
import autocannon from "autocannon";
import { cpuDelta, cpuSnapshot as cpuSnapshotOf, printProfile } from "./lib/measure.mjs";
import {
  eventually,
  inParallel,
  login,
  median,
  percentile,
  positiveInt,
  seconds,
  sleep,
} from "./lib/util.mjs";
import { hasNotify, preparePgbenchDatabase, runPgbench } from "./pgbench-scan.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;
const CONNECTIONS = positiveInt(env.BENCH_CONNECTIONS, 16);
const SECONDS = positiveInt(env.BENCH_SECONDS, 10);
const RUNS = positiveInt(env.BENCH_RUNS, 3);
const FIRST_TICKETS = positiveInt(env.BENCH_TICKETS, 8_000);
const MAX_TICKETS = positiveInt(env.BENCH_MAX_TICKETS, Number.POSITIVE_INFINITY);
const DIRECT = env.BENCH_DIRECT !== "0";
const LAG = env.BENCH_LAG !== "0";
/** Unmeasured scans at full speed before the runs: warms the JIT and pools, and gives the rate. */
const CALIBRATION_SECONDS = 2;
/** Codes for a run: its row's calibrated rate × SECONDS × this (the runs vary). */
const CODE_MARGIN = 1.2;
/** One box-office sale every this many ms during the lag run. */
const LAG_SALE_EVERY_MS = 20;
const LAG_TICKETS = Math.ceil((SECONDS * 1000) / LAG_SALE_EVERY_MS) + 50;
/** Services are idle this long after the last one is ready before their memory is read. */
const IDLE_SETTLE_MS = 3_000;
/** pgbench's table holds enough tickets for this many transactions per second. */
const PGBENCH_MAX_TPS = positiveInt(env.BENCH_PGBENCH_MAX_TPS, 8_000);
const NOTIFY_ROW = env.BENCH_PGBENCH_VARIANTS !== "0";
const EXTENDED_ROW = env.BENCH_PGBENCH_EXTENDED === "1";
const PROFILE_DIR = env.BENCH_PROFILE ? resolve(env.BENCH_PROFILE) : undefined;
const ADMIN_DB_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_URL = env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
const ADMIN = { email: "bench-admin@example.com", password: "bench-admin-password" };
const SERVICES = ["identity", "catalog", "ticketing", "attendance", "gateway"];

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
/** Scans admitted while calibrating (counted against the database at the end). */
let calibrationAdmitted = 0;

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => cleanup().finally(() => process.exit(130)));
}

const benchStart = performance.now();
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
  log(
    `gate-scan bench ${runId}: ${CONNECTIONS} connections, ${RUNS} runs of ${SECONDS} s per row, ` +
      `${cpus().length} CPUs`,
  );
  await withClient(ADMIN_DB_URL, (c) => c.query(`CREATE DATABASE "${stackDb}"`));

  // ---- the stack: every service as its own process ------------------------------------------
  for (const name of SERVICES) ports[name] = await freePort();
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

  // ---- idle memory: every service started (migrations run), nothing asked of it yet ----------
  await sleep(IDLE_SETTLE_MS);
  const idleMemory = Object.fromEntries(SERVICES.map((name) => [name, rssMegabytes(name)]));
  log(
    `idle memory (VmRSS, ${IDLE_SETTLE_MS / 1000} s after ready): ${Object.entries(idleMemory)
      .map(([name, mb]) => `${name} ${fmt(mb, 0)} MB`)
      .join(", ")}`,
  );

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
    capacity: 1_000_000, // the most the API takes: the runs size the sales, not the concert
    ticket_price: 10,
  });
  const ticketingUrl = base("ticketing");
  const seeder = { ticketingUrl, adminToken, buyer, concertId: concert.id };

  // The tickets the lag run sells while the gate is busy: created now, sold then.
  const lagTickets = LAG ? await createTickets(seeder, LAG_TICKETS) : [];
  const pool = await sellTickets(seeder, FIRST_TICKETS);
  const seedSales = pool.sales;
  const codes = pool.codes;
  await gateReadModelHolds(concert.id, codes.length);

  // Only the gate path stays up: ticketing would otherwise consume every TicketScanned on the
  // same two cores while we measure. Seeding churned the read model: let it settle like pgbench's.
  await Promise.all(["identity", "catalog", "ticketing"].map(stopService));
  await vacuumGateTickets();
  if (PROFILE_DIR) {
    // Profiled from a fresh start, so the profiles hold the scans and not the seeding.
    await Promise.all(["gateway", "attendance"].map(stopService));
    profiling = true;
    await startService("attendance", common);
    await startService("gateway", gatewayEnv);
  }

  // ---- calibration: unmeasured scans at full speed; their rate sizes the runs' codes ---------
  const targets = [
    { key: "stack", name: "stack (gateway→attendance)", url: gateway },
    ...(DIRECT
      ? [{ key: "direct", name: "attendance direct (no gateway)", url: base("attendance") }]
      : []),
  ];
  const rates = {};
  for (const [i, target] of targets.entries()) {
    const share = Math.floor(codes.length / (targets.length - i) / 2);
    const warm = await scanLoad(
      target.url,
      scannerToken,
      codes.splice(0, share),
      CALIBRATION_SECONDS,
    );
    rates[target.key] = warm.rate;
    calibrationAdmitted += warm.admitted;
    log(`calibration ${target.name}: ${fmt(warm.rate, 0)} scans/s over ${fmt(warm.elapsed, 1)} s`);
    if (warm.bad > 0) throw new Error(`${warm.bad} calibration scans were not admitted`);
  }
  const wanted = (key) => rates[key] * SECONDS * CODE_MARGIN;
  const needed =
    RUNS * targets.reduce((sum, target) => sum + wanted(target.key), 0) +
    (LAG ? wanted("stack") : 0);
  const affordable = Math.min(Math.ceil(needed), MAX_TICKETS - FIRST_TICKETS + codes.length);
  if (affordable < needed) {
    log(
      `warning: BENCH_MAX_TICKETS allows ${affordable} of the ${Math.ceil(needed)} codes the runs need: they will end early`,
    );
  }
  const perRun = (key) => Math.floor(wanted(key) * Math.min(1, affordable / needed));
  let topUp;
  if (codes.length < affordable) {
    // More sales: ticketing alone comes back (attendance consumes the sales).
    t = Date.now();
    await startService("ticketing", common);
    topUp = await sellTickets(seeder, affordable - codes.length);
    codes.push(...topUp.codes);
    await gateReadModelHolds(concert.id, codes.length);
    log(`topped up to ${codes.length} codes in ${seconds(t)} s (restart included)`);
  }

  // ---- event lag: TicketSold committed by ticketing → applied to attendance's read model -----
  // Its own run, before the measured ones: ticketing is up (it is already after a top-up), and
  // the stack scans at full speed meanwhile.
  let lag;
  if (LAG) {
    lag = await lagRun({
      common,
      seeder,
      lagTickets,
      gateway,
      scannerToken,
      codes: codes.splice(0, perRun("stack")),
      concertId: concert.id,
    });
  }
  if (children.has("ticketing")) {
    await stopService("ticketing");
    await vacuumGateTickets();
  }

  // ---- the measured runs, interleaved so drift on a shared machine hits every row alike ------
  const runs = Object.fromEntries(targets.map((target) => [target.key, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const target of targets) {
      const run = await scanRun(
        `${target.name} #${i + 1}`,
        target.url,
        scannerToken,
        codes.splice(0, perRun(target.key)),
      );
      runs[target.key].push(run);
    }
  }
  const rows = targets.map((target) => medianRow(target.name, runs[target.key]));

  const admittedInDb = await withClient(stackDbUrl, async (c) => {
    const { rows: found } = await c.query(
      "SELECT count(*)::int AS n FROM attendance.scans WHERE admit AND concert_id = $1",
      [concert.id],
    );
    return found[0].n;
  });
  const answered = Object.values(runs)
    .flat()
    .concat(lag ? [lag.scan] : [])
    .reduce((n, r) => n + r.admitted, 0);
  await Promise.all(["gateway", "attendance"].map(stopService));
  if (PROFILE_DIR)
    for (const name of ["gateway", "attendance"]) printProfile(name, join(PROFILE_DIR, name));

  // ---- pgbench: the service's SQL, same clients, same duration, on a database of its own -----
  // Then, for the reading only: the same SQL with the pg_notify every commit used to send.
  const variants = [
    { key: "service", name: "pgbench, the service's admission SQL", options: {} },
    ...(NOTIFY_ROW && !hasNotify()
      ? [
          {
            key: "notify",
            name: "pgbench, with pg_notify (before)",
            options: { addNotify: true },
          },
        ]
      : []),
    ...(EXTENDED_ROW
      ? [{ key: "extended", name: "pgbench, extended (unnamed)", options: { mode: "extended" } }]
      : []),
  ];
  t = Date.now();
  const perClientRun = Math.ceil((PGBENCH_MAX_TPS * SECONDS) / CONNECTIONS);
  const prepared = await preparePgbenchDatabase({
    adminUrl: ADMIN_DB_URL,
    database: pgbenchDb,
    clients: CONNECTIONS,
    perClient: perClientRun * variants.length * RUNS,
  });
  log(`pgbench database: ${prepared.tickets} sold tickets in ${seconds(t)} s`);
  const pgRuns = Object.fromEntries(variants.map((variant) => [variant.key, []]));
  let slot = 0;
  for (let i = 0; i < RUNS; i++) {
    for (const variant of variants) {
      const cpuBefore = cpuSnapshot();
      const result = await runPgbench({
        ...prepared,
        ...variant.options,
        clients: CONNECTIONS,
        seconds: SECONDS,
        firstTicket: slot++ * perClientRun, // every run admits tickets nobody scanned yet
        logDir: join(workDir, `pgbench-${variant.key}-${i}`),
      });
      const cpu = cpuDelta(cpuBefore, cpuSnapshot());
      if (result.transactions >= (perClientRun - 1) * CONNECTIONS) {
        log(`warning: ${variant.name} may have run out of tickets; raise BENCH_PGBENCH_MAX_TPS`);
      }
      const run = {
        rate: result.tps,
        p50: result.p50,
        p99: result.p99,
        avg: result.latencyAvg,
        admitted: result.admitted,
        bad: result.transactions - result.admitted + result.failed,
        elapsed: SECONDS,
        responses: result.transactions,
        cpu,
      };
      log(
        `${variant.name} #${i + 1}: ${fmt(run.rate, 0)} tps, p50 ${fmt(run.p50, 2)} ms, ` +
          `p99 ${fmt(run.p99, 2)} ms, ${run.admitted} admitted of ${result.transactions}; ` +
          `CPU ${describeCpu(cpu)}`,
      );
      pgRuns[variant.key].push(run);
    }
  }
  const pgRows = variants.map((variant) => medianRow(variant.name, pgRuns[variant.key]));
  // The scan goal's baseline is the minimal SQL: the service's own once it no longer notifies.
  const baseline = pgRows.find((r) => r.name.includes("without")) ?? pgRows[0];
  const baselineIsMinimal = baseline !== pgRows[0] || !hasNotify();

  // ---- the report ----------------------------------------------------------------------------
  const header = [
    "",
    "req/s | tps",
    "p50 ms",
    "p99 ms",
    "admitted",
    "not admitted",
    "s",
    `the ${RUNS} req/s | tps`,
    "CPU µs/scan",
    "CPU cores",
  ];
  const table = [
    header,
    ...[...rows, ...pgRows].map((r) => [
      r.name,
      fmt(r.rate, 0),
      fmt(r.p50, 2),
      fmt(r.p99, 2),
      String(r.admitted),
      String(r.bad),
      fmt(r.elapsed, 2),
      r.rates.map((v) => fmt(v, 0)).join(" "),
      describeCpuPerScan(r.cpuPerScan),
      r.cores,
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log(`\nmedian of ${RUNS} runs per row (each column its own median)`);
  console.log(line(table[0]));
  for (const row of table.slice(1)) console.log(line(row));
  console.log(
    `${CONNECTIONS} connections/clients; pgbench -M prepared -c ${CONNECTIONS} -j ${Math.min(2, CONNECTIONS)} -T ${SECONDS}. ` +
      "CPU µs/scan: CPU seconds of each process group ÷ answered requests (gw = gateway, att = " +
      "attendance, pg = every Postgres process). CPU cores: cores busy (load = this process: " +
      "autocannon; others = not ours).",
  );
  if (!hasNotify()) {
    console.log("ENTRY_CLAIM has no pg_notify: the service's admission SQL is the minimal SQL.");
  }
  if (lag) {
    console.log(
      `event lag run (stack scans with ticketing up, one mark-sold every ${LAG_SALE_EVERY_MS} ms): ` +
        `${lag.samples} sales, lag p50 ${fmt(lag.p50, 0)} ms, p95 ${fmt(lag.p95, 0)} ms, ` +
        `p99 ${fmt(lag.p99, 0)} ms, max ${fmt(lag.max, 0)} ms; scans meanwhile ${fmt(lag.scan.rate, 0)}/s, ` +
        `p99 ${fmt(lag.scan.p99, 2)} ms; sales p99 ${fmt(lag.saleP99, 1)} ms`,
    );
  }
  console.log(
    `admitted scans in attendance's database: ${admittedInDb}; admitted answers counted: ${answered + calibrationAdmitted} ` +
      "(a run stopped by the clock may leave up to one request per connection unanswered)",
  );

  const stack = rows[0];
  const direct = DIRECT ? rows[1] : undefined;
  const ratio = stack.rate / baseline.rate;
  const summary = [
    ["row", `now (median of ${RUNS})`, "goal"],
    [
      "stack: gateway → attendance",
      `${fmt(stack.rate, 0)} scans/s, p99 ${fmt(stack.p99, 1)} ms`,
      `≥ 0.5 × pgbench ${baselineIsMinimal ? "minimal SQL" : "with pg_notify"} = ${fmt(baseline.rate / 2, 0)}/s (now ${fmt(ratio, 2)}×), p99 ≤ 25 ms`,
    ],
    ...(direct
      ? [
          [
            "attendance direct",
            `${fmt(direct.rate, 0)} scans/s, p99 ${fmt(direct.p99, 1)} ms`,
            `gateway hop ≥ 0.8 × direct (now ${fmt(stack.rate / direct.rate, 2)}×)`,
          ],
        ]
      : []),
    ...pgRows.map((r) => [
      r.name,
      `${fmt(r.rate, 0)} tps`,
      r !== baseline
        ? ""
        : baselineIsMinimal
          ? "the baseline of the scan goal"
          : "the baseline of the scan goal, with pg_notify (BENCH_PGBENCH_VARIANTS=0)",
    ]),
    [
      "box-office sales while seeding (mark-sold, ticketing direct)",
      `${fmt(seedSales.rate, 0)}/s, p99 ${fmt(seedSales.p99, 0)} ms` +
        (topUp ? ` (top-up: ${fmt(topUp.sales.rate, 0)}/s)` : ""),
      "≥ 1,000/s",
    ],
    [
      "CPU per scan (cores busy ÷ req/s), stack",
      `gateway ≈ ${fmt(stack.cpuPerScan.gateway, 0)} µs, attendance ≈ ${fmt(stack.cpuPerScan.attendance, 0)} µs, pg ≈ ${fmt(stack.cpuPerScan.postgres, 0)} µs`,
      "gateway ≤ 150 µs",
    ],
    [
      "event lag TicketSold → attendance's read model, under scan load",
      lag
        ? `p50 ${fmt(lag.p50, 0)} ms, p95 ${fmt(lag.p95, 0)} ms, p99 ${fmt(lag.p99, 0)} ms`
        : "not measured (BENCH_LAG=0)",
      "p99 ≤ 100 ms",
    ],
    [
      "idle memory (RSS) per service",
      `${Object.entries(idleMemory)
        .map(([name, mb]) => `${name} ${fmt(mb, 0)}`)
        .join(", ")} MB`,
      "≤ 120 MB each",
    ],
  ];
  console.log(
    `\n${summary
      .map((row) => `| ${row.join(" | ")} |`)
      .join("\n")
      .replace("\n", "\n|---|---|---|\n")}`,
  );
  console.log(`\nbench took ${fmt((performance.now() - benchStart) / 1000, 0)} s`);

  const failed =
    [...Object.values(runs).flat(), ...Object.values(pgRuns).flat()].some((r) => r.bad > 0) ||
    (lag && lag.scan.bad > 0);
  if (failed) {
    console.log("\nSOME SCANS WERE NOT ADMITTED: the numbers above do not measure the happy path.");
    process.exitCode = 1;
  }
}

// ---- seeding -----------------------------------------------------------------------------------

/** Unsold tickets, straight to ticketing, in batches (one transaction each). */
async function createTickets({ ticketingUrl, adminToken, concertId }, count) {
  const t = Date.now();
  // Two batches of 500 at a time: a batch is one transaction, and a much larger one on a busy
  // machine can outlast Prisma's 15 s interactive-transaction timeout.
  const BATCH = 500;
  const batches = [];
  for (let left = count; left > 0; left -= BATCH) batches.push(Math.min(BATCH, left));
  const ids = [];
  await inParallel(batches, 2, async (quantity) => {
    const created = await eventually(
      () => api(ticketingUrl, "POST", `/api/tickets/create/${concertId}`, adminToken, { quantity }),
      60_000, // until ticketing has heard of the concert; 503 when the database is busy
    );
    for (const ticket of created) ids.push(ticket.id);
  });
  log(`created ${ids.length} tickets in ${seconds(t)} s`);
  return ids;
}

/**
 * `count` new tickets sold at the box office, one request each, straight to ticketing (seeding is
 * not what the scan rows measure); the codes come from the sales' answers. Self-service purchase
 * is not used: the bench needs to know which ticket each code belongs to no more than the gate
 * does, and the box office is the path whose rate the issue's table reports.
 */
async function sellTickets(seeder, count) {
  const ids = await createTickets(seeder, count);
  const codes = [];
  let next = 0;
  const cpuBefore = cpuSnapshot();
  const sale = await load({
    url: seeder.ticketingUrl,
    connections: CONNECTIONS,
    amount: ids.length,
    // A sale that timed out may still have sold: wait for every answer, even on a busy machine.
    timeout: 120,
    headers: { authorization: `Bearer ${seeder.adminToken}`, "content-type": "application/json" },
    requests: [
      {
        method: "POST",
        setupRequest: (request) => ({
          ...request,
          path: `/api/tickets/${ids[next++]}/mark-sold`,
          body: JSON.stringify({ buyer_name: "Bench Buyer", buyer_email: seeder.buyer.email }),
        }),
        onResponse: (status, body) => {
          if (status === 200) codes.push(JSON.parse(body).qr_data);
        },
      },
    ],
  });
  if (codes.length !== count) {
    throw new Error(`sold ${codes.length} of ${count} tickets (${summary(sale.result)})`);
  }
  const cpu = cpuDelta(cpuBefore, cpuSnapshot());
  const sales = { rate: sale.responses / sale.elapsed, p99: sale.result.latency.p99 };
  log(
    `sold ${count} tickets (mark-sold, ticketing direct, ${CONNECTIONS} connections) in ` +
      `${fmt(sale.elapsed, 1)} s (${fmt(sales.rate, 0)}/s, p99 ${sales.p99} ms); ` +
      `cores ${describeCpu(cpu)}`,
  );
  return { codes, sales };
}

/** Waits until attendance's read model holds at least `sold` sold (not yet admitted) tickets. */
async function gateReadModelHolds(concertId, sold) {
  const t = Date.now();
  await eventually(async () => {
    const known = await soldIn("attendance.gate_tickets", concertId);
    if (known < sold) throw new Error(`attendance knows ${known} of ${sold} sold tickets`);
  }, 180_000);
  log(`attendance's read model caught up ${seconds(t)} s after the last sale`);
}

async function soldIn(table, concertId) {
  return withClient(stackDbUrl, async (c) => {
    const { rows } = await c.query(
      `SELECT count(*)::int AS n FROM ${table} WHERE concert_id = $1 AND status::text = 'sold'`,
      [concertId],
    );
    return rows[0].n;
  });
}

async function vacuumGateTickets() {
  await withClient(stackDbUrl, (c) => c.query("VACUUM ANALYZE attendance.gate_tickets"));
}

// ---- the event lag -----------------------------------------------------------------------------

/**
 * A stack scan run with ticketing up (it consumes the TicketScanned events as in production) and a
 * box-office sale every LAG_SALE_EVERY_MS. Lag of a sale = attendance's gate_tickets.updated_at
 * (now() of the transaction that applied TicketSold) − ticketing's tickets.sold_at (taken in the
 * sale's transaction just before its UPDATE and outbox insert). Both come from this machine's
 * clock and are stored to the millisecond.
 */
async function lagRun({ common, seeder, lagTickets, gateway, scannerToken, codes, concertId }) {
  const t = Date.now();
  if (!children.has("ticketing")) await startService("ticketing", common);
  // Ticketing first applies the TicketScanned events of the scans it missed: the lag run measures
  // the scan load and the sales, not that backlog.
  await eventually(async () => {
    const [inTicketing, atGate] = await Promise.all([
      soldIn("ticketing.tickets", concertId),
      soldIn("attendance.gate_tickets", concertId),
    ]);
    if (inTicketing !== atGate)
      throw new Error(`ticketing has ${inTicketing - atGate} scans to apply`);
  }, 300_000);
  log(`lag run: ticketing up and caught up in ${seconds(t)} s`);

  const sold = [];
  const saleLatencies = [];
  const pending = new Set();
  let failures = 0;
  let next = 0;
  const body = { buyer_name: "Bench Buyer", buyer_email: seeder.buyer.email };
  const ticker = setInterval(() => {
    const id = lagTickets[next++];
    if (!id) return;
    const started = performance.now();
    const sale = api(
      seeder.ticketingUrl,
      "POST",
      `/api/tickets/${id}/mark-sold`,
      seeder.adminToken,
      body,
    )
      .then(() => {
        saleLatencies.push(performance.now() - started);
        sold.push(id);
      })
      .catch((error) => {
        failures++;
        if (failures === 1) log(`lag run: a sale failed: ${error.message}`);
      })
      .finally(() => pending.delete(sale));
    pending.add(sale);
  }, LAG_SALE_EVERY_MS);
  let scan;
  try {
    scan = await scanRun("stack, ticketing up and selling (lag run)", gateway, scannerToken, codes);
  } finally {
    clearInterval(ticker);
  }
  await Promise.all(pending);
  if (failures > 0) log(`lag run: ${failures} sales failed`);

  const lags = await eventually(
    () =>
      withClient(stackDbUrl, async (c) => {
        const { rows } = await c.query(
          `SELECT extract(epoch FROM g.updated_at - t.sold_at)::float8 * 1000 AS ms
             FROM ticketing.tickets t JOIN attendance.gate_tickets g ON g.ticket_id = t.id
            WHERE t.id = ANY($1::uuid[]) AND g.status = 'sold'`,
          [sold],
        );
        if (rows.length < sold.length) {
          throw new Error(`attendance applied ${rows.length} of ${sold.length} lag-run sales`);
        }
        return rows.map((row) => row.ms).sort((a, b) => a - b);
      }),
    60_000,
  );
  saleLatencies.sort((a, b) => a - b);
  const result = {
    scan,
    samples: lags.length,
    p50: percentile(lags, 0.5),
    p95: percentile(lags, 0.95),
    p99: percentile(lags, 0.99),
    max: lags.at(-1),
    saleP99: percentile(saleLatencies, 0.99),
  };
  log(
    `event lag (TicketSold → gate_tickets) over ${lags.length} sales: p50 ${fmt(result.p50, 0)} ms, ` +
      `p95 ${fmt(result.p95, 0)} ms, p99 ${fmt(result.p99, 0)} ms, max ${fmt(result.max, 0)} ms`,
  );
  return result;
}

// ---- scan runs ---------------------------------------------------------------------------------

/** One measured HTTP run: scans with one fresh code each, for SECONDS (or until the codes end). */
async function scanRun(name, url, token, codes) {
  const cpuBefore = cpuSnapshot();
  const result = await scanLoad(url, token, codes, SECONDS);
  const cpu = cpuDelta(cpuBefore, cpuSnapshot());
  if (result.sent >= codes.length && result.elapsed < SECONDS - 0.5) {
    log(`${name}: all ${codes.length} codes scanned after ${fmt(result.elapsed, 2)} s`);
  }
  const run = { ...result, cpu };
  log(
    `${name}: ${fmt(run.rate, 0)} req/s over ${fmt(run.elapsed, 2)} s, p50 ${fmt(run.p50, 2)} ms, ` +
      `p99 ${fmt(run.p99, 2)} ms, ${run.admitted} admitted, ${run.bad} not; ` +
      `CPU µs/scan ${describeCpuPerScan(cpuPerScan(run))}; cores ${describeCpu(cpu)}` +
      (result.statuses ? ` ${JSON.stringify(result.statuses)}` : ""),
  );
  return run;
}

/**
 * autocannon sending each code once. The rate is answers ÷ the exact time from the start to the
 * last answer (autocannon's own duration is rounded up to its next 1 s sample when `amount` ends
 * the run).
 */
async function scanLoad(url, token, codes, durationSeconds) {
  let next = 0;
  let admitted = 0;
  let notAdmitted = 0;
  let statuses;
  const latencies = [];
  const { result, responses, elapsed } = await load(
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
  return {
    rate: responses / elapsed,
    elapsed,
    responses,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    avg: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
    admitted,
    bad: notAdmitted + result.errors + result.timeouts,
    statuses,
    sent: next,
  };
}

/**
 * autocannon with `amount` (never more requests than codes) and a stop after `seconds`; answers
 * the result, the answers counted and the exact seconds from the start to the last answer.
 * Latencies are also kept unrounded (autocannon's own histogram has whole milliseconds).
 */
function load(options, seconds, latencies) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let last = started;
    let responses = 0;
    // Samples every 100 ms: autocannon ends a run only at its next sample, so the CPU snapshots
    // around it take in at most 0.1 s after the last answer.
    const instance = autocannon({ timeout: 10, sampleInt: 100, ...options }, (error, result) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve({ result, responses, elapsed: (last - started) / 1000 });
    });
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      last = performance.now();
      responses++;
      latencies?.push(responseTime);
    });
    const timer = seconds ? setTimeout(() => instance.stop(), seconds * 1000) : undefined;
  });
}

/** A row of the table: each figure the median of the runs' (rates, percentiles, CPU per scan). */
function medianRow(name, runs) {
  const mid = (pick) => median(runs.map(pick));
  const perScan = runs.map(cpuPerScan);
  const byRate = [...runs].sort((a, b) => a.rate - b.rate);
  const middle = byRate[Math.floor((byRate.length - 1) / 2)];
  return {
    name,
    rate: mid((r) => r.rate),
    p50: mid((r) => r.p50),
    p99: mid((r) => r.p99),
    elapsed: mid((r) => r.elapsed),
    admitted: runs.reduce((n, r) => n + r.admitted, 0),
    bad: runs.reduce((n, r) => n + r.bad, 0),
    rates: runs.map((r) => r.rate),
    cpuPerScan: Object.fromEntries(
      ["gateway", "attendance", "postgres"].map((key) => [key, median(perScan.map((p) => p[key]))]),
    ),
    cores: describeCpu(middle.cpu),
  };
}

/** CPU µs per answered request of each process group: cores busy ÷ req/s. */
function cpuPerScan(run) {
  const per = (key) => (run.responses > 0 ? (run.cpu[key] * 1e6) / run.responses : Number.NaN);
  return { gateway: per("gateway"), attendance: per("attendance"), postgres: per("postgres") };
}

function describeCpuPerScan(perScan) {
  return [
    ["gateway", "gw"],
    ["attendance", "att"],
    ["postgres", "pg"],
  ]
    .filter(([key]) => perScan[key] > 0)
    .map(([key, label]) => `${label} ${fmt(perScan[key], 0)}`)
    .join(" ");
}

function fmt(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : "-";
}

/** Resident memory of a service's process, from /proc/<pid>/status (VmRSS, kB), in MB. */
function rssMegabytes(name) {
  const pid = children.get(name)?.child.pid;
  if (!pid) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1]);
  return kb / 1024;
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
// ---- CPU accounting: where the two cores went during a run (read-only /proc) ------------------

/** Every process group's CPU so far, the services named even when stopped. */
function cpuSnapshot() {
  const servicePids = new Map([...children].map(([name, { child }]) => [child.pid, name]));
  return cpuSnapshotOf(servicePids, SERVICES);
}

function describeCpu(delta) {
  const parts = [];
  for (const [key, label] of [
    ["bench", "load"],
    ["gateway", "gw"],
    ["attendance", "att"],
    ["ticketing", "tkt"],
    ["identity", "idn"],
    ["catalog", "cat"],
    ["postgres", "pg"],
    ["pgbench", "pgbench"],
    ["nats", "nats"],
    ["others", "others"],
  ]) {
    const share = delta[key] / delta.wall;
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

function summary(result) {
  return `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`;
}

function log(message) {
  console.log(`[bench] ${message}`);
}
