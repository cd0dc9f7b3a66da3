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
//                      calibration shows how many the runs need                      default 12000
//   BENCH_MAX_TICKETS  never sell more than this many in all (then the runs share what
//                      there is, and end early when their codes run out)            default none
//   BENCH_DIRECT=0     skip the "attendance direct" row (autocannon straight at attendance)
//   BENCH_LAG=0        skip the event-lag run
//   BENCH_WHOLE=1      add a row scanning with the whole deployment up: ticketing, refunds and
//                      transfers consume every TicketScanned meanwhile, as in production
//   BENCH_PGBENCH_VARIANTS=0  skip the pgbench row "with pg_notify (before)"
//   BENCH_PGBENCH_EXTENDED=1  add a pgbench row with unnamed statements (-M extended)
//   BENCH_ATTENDANCE_REPLICAS=n  run n attendance processes behind the gateway (default 1;
//                      above 1 the "attendance direct" row is skipped: it would reach one)
//   BENCH_LOOP=1       also print how busy each service's event loop was ("att loop 0.85": busy
//                      85 % of the run's wall time, waiting for a core included)
//   BENCH_PROFILE=dir  write V8 CPU profiles of gateway and attendance to dir, print their hot spots
//                      over the measured runs only
//   BENCH_PERF=file    record the first stack run with `perf record -a` (every process, the kernel
//                      and Postgres, the measured window only) to file, print each one's hot spots
//   BENCH_LOADER=wrk   send the scans with wrk (a C client, as pgbench is) instead of autocannon in
//                      this process; its CPU counts as "load" (Debian: apt-get install wrk)
//   BENCH_DATABASE_URL Postgres admin URL (a database per run is created and dropped)
//   BENCH_NATS_URL     NATS (a subject prefix per run keeps it apart)
//
// Every service runs as its own process from its build (run `turbo run build` first; the npm
// script does), like `npm start`; the load generator is this process.
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { TicketSold } from "@concert/contracts";
import { connectNats, consumerBacklog, consumersOf } from "@concert/service-kit";
import { withClient } from "@concert/testing";
import {
  cpuDelta,
  cpuSnapshot as cpuSnapshotOf,
  describeCpu,
  load,
  printPerf,
  printProfile,
  profileWindows,
  recordPerf,
  withDatabaseCpu,
  withDatabaseWaits,
} from "./lib/measure.mjs";
import { BenchStack } from "./lib/stack.mjs";
import {
  api,
  eventually,
  inParallel,
  login,
  median,
  percentile,
  positiveInt,
  runBench,
  seconds,
  sleep,
} from "./lib/util.mjs";
import { wrkScanLoad } from "./lib/wrk-load.mjs";
import { hasNotify, preparePgbenchDatabase, runPgbench } from "./pgbench-scan.mjs";

const env = process.env;
const CONNECTIONS = positiveInt(env.BENCH_CONNECTIONS, 16);
const SECONDS = positiveInt(env.BENCH_SECONDS, 10);
const RUNS = positiveInt(env.BENCH_RUNS, 3);
const FIRST_TICKETS = positiveInt(env.BENCH_TICKETS, 12_000);
const MAX_TICKETS = positiveInt(env.BENCH_MAX_TICKETS, Number.POSITIVE_INFINITY);
const ATTENDANCE_REPLICAS = Number(env.BENCH_ATTENDANCE_REPLICAS ?? 1);
/** The attendance processes: `attendance`, then its replicas (`attendance#2`…, bench/lib/stack.mjs). */
const ATTENDANCE = Array.from({ length: ATTENDANCE_REPLICAS }, (_, i) =>
  i === 0 ? "attendance" : `attendance#${i + 1}`,
);
const DIRECT = env.BENCH_DIRECT !== "0" && ATTENDANCE_REPLICAS === 1;
const LAG = env.BENCH_LAG !== "0";
const WHOLE = env.BENCH_WHOLE === "1";
const LOADER = env.BENCH_LOADER ?? "autocannon";
if (LOADER !== "autocannon" && LOADER !== "wrk") {
  throw new Error(`BENCH_LOADER: "${LOADER}" is neither autocannon nor wrk`);
}
/** Started for the whole-deployment row only: consumers of every scan that the gate path omits. */
const CONSUMERS_OF_SCANS = ["identity", "catalog", "ticketing", "refunds", "transfers"];
/**
 * Unmeasured scans through the stack (gateway and attendance) before anything is timed: a cold
 * stack scanned at 558/s for 2 s, then 955–1,058/s in the runs it had sized, which ran out of
 * codes after 6–7 s (docs/BENCHMARKS.md). The JIT, the pools and the table's pages warm here.
 */
const WARMUP_SECONDS = 3;
/** Then each row scans this long, unmeasured, and its rate sizes the codes of its runs. */
const CALIBRATION_SECONDS = 3;
/** Codes for a run: its row's calibrated rate × SECONDS × this (runs vary by more than 20%). */
const CODE_MARGIN = 1.4;
/**
 * autocannon samples every 100 ms: it ends a run only at its next sample, so the CPU snapshots
 * around a run take in at most 0.1 s after its last answer.
 */
const SAMPLE_OFTEN = { sampleInt: 100 };
/** One box-office sale every this many ms during the lag run. */
const LAG_SALE_EVERY_MS = 20;
const LAG_TICKETS = Math.ceil((SECONDS * 1000) / LAG_SALE_EVERY_MS) + 50;
/** Services are idle this long after the last one is ready before their memory is read. */
const IDLE_SETTLE_MS = 3_000;
/**
 * pgbench's table holds enough tickets for this many transactions per second. A quiet machine
 * ran the minimal SQL at 10,458 tps (2026-11-29), past the 8,000 this was before.
 */
const PGBENCH_MAX_TPS = positiveInt(env.BENCH_PGBENCH_MAX_TPS, 16_000);
const NOTIFY_ROW = env.BENCH_PGBENCH_VARIANTS !== "0";
const EXTENDED_ROW = env.BENCH_PGBENCH_EXTENDED === "1";
const PROFILE_DIR = env.BENCH_PROFILE ? resolve(env.BENCH_PROFILE) : undefined;
const PERF_FILE = env.BENCH_PERF ? resolve(env.BENCH_PERF) : undefined;
const ADMIN_DB_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_URL = env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
const ADMIN = { email: "bench-admin@example.com", password: "bench-admin-password" };
const SERVICES = ["identity", "catalog", "ticketing", "attendance", "gateway"];
/** Every process the CPU accounting names. */
const ACCOUNTED = [...SERVICES, "refunds", "transfers"];

const stack = new BenchStack({
  adminDbUrl: ADMIN_DB_URL,
  natsUrl: NATS_URL,
  logLevel: env.BENCH_LOG_LEVEL ?? "warn",
});
const runId = stack.runId;
// Names the services' JIT frames in perf's report (a map file per process in /tmp).
if (PERF_FILE) stack.nodeOptions.push("--perf-basic-prof-only-functions");
const stackDbUrl = stack.databaseUrl;
const pgbenchDb = `bench_pgbench_${runId}`;
stack.extraDatabases.push(pgbenchDb);
/**
 * Scans admitted outside the reported runs: warm-up, calibration, and runs repeated after they ran
 * out of codes (counted against the database at the end).
 */
let unreportedAdmitted = 0;

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => stack.cleanup().finally(() => process.exit(130)));
}

const benchStart = performance.now();
await runBench(
  main,
  () => stack.cleanup(),
  () => stack.printLogs(),
);

async function main() {
  log(
    `gate-scan bench ${runId}: ${CONNECTIONS} connections, ${RUNS} runs of ${SECONDS} s per row, ` +
      `${cpus().length} CPUs`,
  );
  await stack.createDatabase();

  // ---- the stack: every service as its own process ------------------------------------------
  await stack.choosePorts([...SERVICES, ...ATTENDANCE]);
  const common = stack.common;
  const base = (name) => stack.url(name);
  let t = Date.now();
  await Promise.all([
    stack.start("identity", {
      ...common,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_ROUNDS: "4",
    }),
    stack.start("catalog", common),
    stack.start("ticketing", common),
    ...ATTENDANCE.map((name) => stack.start(name, common)),
  ]);
  const gatewayEnv = stack.gatewayEnv();
  await stack.start("gateway", gatewayEnv);
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
  await Promise.all(["identity", "catalog", "ticketing"].map((name) => stack.stop(name)));
  await vacuumGateTickets();
  if (PROFILE_DIR) {
    // Profiled from a fresh start, so the profiles hold the scans and not the seeding.
    await Promise.all(["gateway", ...ATTENDANCE].map((name) => stack.stop(name)));
    for (const name of ["gateway", ...ATTENDANCE]) {
      stack.profileDirs.set(name, join(PROFILE_DIR, name));
    }
    await Promise.all(ATTENDANCE.map((name) => stack.start(name, common)));
    await stack.start("gateway", gatewayEnv);
  }

  // ---- warm-up and calibration: unmeasured scans at full speed; their rate sizes the runs ----
  const targets = [
    { key: "stack", name: "stack (gateway→attendance)", url: gateway },
    ...(DIRECT
      ? [{ key: "direct", name: "attendance direct (no gateway)", url: base("attendance") }]
      : []),
  ];
  // Each step may take the share of the budget its seconds are of the seconds left; the codes it
  // did not send go back to the pool. The runs' codes are sold after this, except when
  // BENCH_MAX_TICKETS caps the sales: then half the pool is kept for them.
  let budget = Number.isFinite(MAX_TICKETS) ? Math.floor(codes.length / 2) : codes.length;
  const steps = [
    { key: "stack", name: "warm-up, stack", url: gateway, seconds: WARMUP_SECONDS },
    ...targets.map((target) => ({
      ...target,
      name: `calibration ${target.name}`,
      seconds: CALIBRATION_SECONDS,
      calibrates: true,
    })),
  ];
  const rates = {};
  let secondsLeft = steps.reduce((sum, step) => sum + step.seconds, 0);
  for (const step of steps) {
    const share = Math.floor((budget * step.seconds) / secondsLeft);
    secondsLeft -= step.seconds;
    const warm = await scanFromPool(step.url, scannerToken, codes, share, step.seconds);
    budget -= warm.sent;
    unreportedAdmitted += warm.admitted;
    log(`${step.name}: ${fmt(warm.rate, 0)} scans/s over ${fmt(warm.elapsed, 1)} s`);
    if (warm.bad > 0) throw new Error(`${warm.bad} unmeasured scans were not admitted`);
    if (step.calibrates) rates[step.key] = warm.rate;
  }
  const wanted = (key) => rates[key] * SECONDS * CODE_MARGIN;
  // The runs still to come, by row, in order: each takes the share of the pool its row's rate
  // is of what they all want, so codes a run stopped by the clock did not send go to the next.
  const plan = [
    ...(LAG ? ["stack"] : []),
    ...Array.from({ length: RUNS }, () => targets.map((target) => target.key)).flat(),
    ...(WHOLE ? Array(RUNS).fill("stack") : []),
  ];
  const wantedByPlan = () => plan.reduce((sum, key) => sum + wanted(key), 0);
  const codesFor = (key) => {
    const count = Math.floor((codes.length * wanted(key)) / wantedByPlan());
    plan.shift();
    return count;
  };
  let sold = FIRST_TICKETS;
  let topUp;
  /** Sells what the runs still to come want beyond the pool (BENCH_MAX_TICKETS allowing). */
  const topUpForPlan = async () => {
    const needed = Math.ceil(wantedByPlan());
    const affordable = Math.min(needed, MAX_TICKETS - sold + codes.length);
    if (affordable < needed) {
      log(
        `warning: BENCH_MAX_TICKETS allows ${affordable} of the ${needed} codes the runs need: they will end early`,
      );
    }
    if (codes.length >= affordable) return false;
    t = Date.now();
    topUp = await topUpCodes({ common, seeder, codes, count: affordable - codes.length });
    sold += topUp.codes.length;
    log(`topped up to ${codes.length} codes in ${seconds(t)} s (restart included)`);
    return true;
  };
  await topUpForPlan();

  // ---- event lag: TicketSold committed by ticketing → applied to attendance's read model -----
  // Its own run, before the measured ones: ticketing is up (it is already after a top-up), and
  // the stack scans at full speed meanwhile.
  let lag;
  if (LAG) {
    const scans = { url: gateway, token: scannerToken, pool: codes, count: codesFor("stack") };
    lag = await lagRun({ common, seeder, lagTickets, concertId: concert.id, scans });
  }
  const gatePathOnly = async () => {
    if (!stack.children.has("ticketing")) return;
    await stack.stop("ticketing");
    await vacuumGateTickets();
  };
  await gatePathOnly();

  /**
   * One measured run of a row. A run that ran out of codes while the host was faster than its
   * calibration said is run again after a top-up sized at the rate it reached, once: its rate
   * over a shorter time would not be the 10 s the issue asks for (its admissions still count).
   */
  const repeated = [];
  const measuredWindows = profileWindows(); // the profiles are read over the measured runs only
  const timed = (run, name, count) => measuredWindows.time(() => run(name, count));
  const measured = async ({ key, name, run, settle }) => {
    const first = await timed(run, name, codesFor(key));
    if (!first.endedEarly) return first;
    rates[key] = Math.max(rates[key], first.rate);
    plan.unshift(key);
    if (!(await topUpForPlan())) {
      plan.shift();
      return first;
    }
    await settle();
    unreportedAdmitted += first.admitted;
    repeated.push(first);
    return timed(run, `${name} again`, codesFor(key));
  };

  // ---- the measured runs, interleaved so drift on a shared machine hits every row alike ------
  const runs = Object.fromEntries(targets.map((target) => [target.key, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const target of targets) {
      const recorded = PERF_FILE && i === 0 && target.key === "stack";
      const run = await measured({
        key: target.key,
        name: `${target.name} #${i + 1}`,
        run: async (name, count) => {
          const [result] = await Promise.all([
            scanRun(name, target.url, scannerToken, codes, count),
            recorded ? recordPerf(PERF_FILE, SECONDS) : undefined,
          ]);
          if (recorded) printPerf(PERF_FILE, new Map([...stack.pids(), ...(await backendNames())]));
          return result;
        },
        settle: gatePathOnly,
      });
      runs[target.key].push(run);
    }
  }
  const rows = targets.map((target) => medianRow(target.name, runs[target.key]));

  // ---- the whole deployment: the same scans while every consumer of TicketScanned runs -------
  if (WHOLE) {
    const name = "stack, whole deployment up";
    await wholeDeploymentUp();
    runs.whole = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await measured({
        key: "stack",
        name: `${name} #${i + 1}`,
        run: async (runName, count) => {
          // Which connections Postgres works for while three more services consume every scan.
          const { result, byApplication } = await withDatabaseCpu(
            ADMIN_DB_URL,
            stack.database,
            () => scanRun(runName, gateway, scannerToken, codes, count),
          );
          log(
            `${runName}: Postgres µs per scan by connection: ${perScanBy(byApplication, result)}`,
          );
          return result;
        },
        // Every consumer through the top-up's events before the run again.
        settle: wholeDeploymentUp,
      });
      runs.whole.push(run);
    }
    rows.push(medianRow(name, runs.whole));
    await Promise.all(CONSUMERS_OF_SCANS.map((service) => stack.stop(service)));
  }

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
  await Promise.all(["gateway", ...ATTENDANCE].map((name) => stack.stop(name)));
  if (PROFILE_DIR)
    for (const name of ["gateway", ...ATTENDANCE]) {
      printProfile(name, join(PROFILE_DIR, name), measuredWindows.windows);
    }

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
        logDir: join(stack.workDir, `pgbench-${variant.key}-${i}`),
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
      "attendance, pg = every Postgres process). CPU cores: cores busy (load = " +
      (LOADER === "wrk" ? "wrk" : "this process: autocannon") +
      "; others = not ours).",
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
    `admitted scans in attendance's database: ${admittedInDb}; admitted answers counted: ${answered + unreportedAdmitted} ` +
      "(a run stopped by the clock may leave up to one request per connection unanswered)",
  );

  const stackRow = rows[0];
  const direct = DIRECT ? rows[1] : undefined;
  const ratio = stackRow.rate / baseline.rate;
  const summary = [
    ["row", `now (median of ${RUNS})`, "goal"],
    [
      "stack: gateway → attendance",
      `${fmt(stackRow.rate, 0)} scans/s, p99 ${fmt(stackRow.p99, 1)} ms`,
      `≥ 0.5 × pgbench ${baselineIsMinimal ? "minimal SQL" : "with pg_notify"} = ${fmt(baseline.rate / 2, 0)}/s (now ${fmt(ratio, 2)}×), p99 ≤ 25 ms`,
    ],
    ...(direct
      ? [
          [
            "attendance direct",
            `${fmt(direct.rate, 0)} scans/s, p99 ${fmt(direct.p99, 1)} ms`,
            `gateway hop ≥ 0.8 × direct (now ${fmt(stackRow.rate / direct.rate, 2)}×)`,
          ],
        ]
      : []),
    ...rows
      .filter((r) => r.name.includes("whole"))
      .map((r) => [
        r.name,
        `${fmt(r.rate, 0)} scans/s, p99 ${fmt(r.p99, 1)} ms (${fmt(r.rate / baseline.rate, 2)}× pgbench)`,
        `as production runs it: ticketing, refunds and transfers consume every scan (${r.cores})`,
      ]),
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
      `gateway ≈ ${fmt(stackRow.cpuPerScan.gateway, 0)} µs, attendance ≈ ${fmt(stackRow.cpuPerScan.attendance, 0)} µs, pg ≈ ${fmt(stackRow.cpuPerScan.postgres, 0)} µs`,
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

  const scanRuns = [...Object.values(runs).flat(), ...(lag ? [lag.scan] : [])];
  const early = scanRuns.filter((run) => run.endedEarly);
  if (early.length > 0) {
    console.log(
      `\n${early.length} OF ${scanRuns.length} SCAN RUNS ENDED EARLY (out of codes before ${SECONDS} s; ` +
        "their rates are over the time they ran): " +
        early.map((run) => `${run.name} after ${fmt(run.elapsed, 1)} s`).join(", "),
    );
  } else {
    console.log(`\nevery scan run lasted its ${SECONDS} s`);
  }
  if (repeated.length > 0) {
    console.log(
      `${repeated.length} run(s) ran out of codes, the host being faster than its calibration, ` +
        "and were run again after a top-up (not in the table): " +
        repeated.map((run) => `${run.name} after ${fmt(run.elapsed, 1)} s`).join(", "),
    );
  }

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
    ...SAMPLE_OFTEN,
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
    throw new Error(`sold ${codes.length} of ${count} tickets (${summary(sale)})`);
  }
  const cpu = cpuDelta(cpuBefore, cpuSnapshot());
  const sales = { rate: sale.responses / sale.elapsed, p99: sale.latency.p99 };
  log(
    `sold ${count} tickets (mark-sold, ticketing direct, ${CONNECTIONS} connections) in ` +
      `${fmt(sale.elapsed, 1)} s (${fmt(sales.rate, 0)}/s, p99 ${sales.p99} ms); ` +
      `cores ${describeCpu(cpu)}`,
  );
  return { codes, sales };
}

/**
 * `count` more codes into `codes`: ticketing comes back if the gate path left it out (attendance
 * consumes the sales meanwhile), sells them, and the tables they wrote are vacuumed once the
 * gate's read model holds them all. Ticketing stays up; the caller stops it when it measures the
 * gate path alone.
 */
async function topUpCodes({ common, seeder, codes, count }) {
  if (!stack.children.has("ticketing")) await stack.start("ticketing", common);
  const topUp = await sellTickets(seeder, count);
  // One by one: a top-up can hold more codes than a call takes arguments (172,646 did not fit).
  for (const code of topUp.codes) codes.push(code);
  await gateReadModelHolds(seeder.concertId, codes.length);
  await vacuumAfterSales();
  return topUp;
}

/**
 * Waits until attendance's read model holds at least `sold` sold tickets not yet admitted. A
 * large top-up leaves attendance a backlog of minutes (every TicketCreated, then every TicketSold,
 * while ticketing also draws the new tickets' images), so it waits as long as the count moves and
 * gives up only after a minute without progress.
 */
async function gateReadModelHolds(concertId, sold) {
  const t = Date.now();
  // Progress is any event applied: the TicketCreated events come first, then the TicketSold.
  const progress = () =>
    withClient(stackDbUrl, async (c) => {
      const { rows } = await c.query(
        `SELECT count(*)::int AS known, (count(*) FILTER (WHERE status::text = 'sold' AND admitted_at IS NULL))::int AS sold,
                max(updated_at) AS updated
           FROM attendance.gate_tickets WHERE concert_id = $1`,
        [concertId],
      );
      return rows[0];
    });
  let now = await progress();
  let movedAt = Date.now();
  let loggedAt = Date.now();
  while (now.sold < sold) {
    if (Date.now() - movedAt > 60_000) {
      throw new Error(
        `attendance knows ${now.sold} of ${sold} sold tickets not yet admitted (${now.known} in all), none more for 60 s`,
      );
    }
    await sleep(1_000);
    const next = await progress();
    if (next.known !== now.known || next.sold !== now.sold) movedAt = Date.now();
    now = next;
    if (Date.now() - loggedAt > 15_000) {
      log(
        `attendance's read model: ${now.known} tickets, ${now.sold} of ${sold} sold, not admitted`,
      );
      loggedAt = Date.now();
    }
  }
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

/**
 * A top-up's sales leave a dead row version for every sold ticket, outbox row and gate copy. This
 * machine's Postgres runs without autovacuum, which production's would clear them with; left,
 * they sat under the lag run's sales and relay (docs/BENCHMARKS.md, "The lag's tail after a
 * large top-up"). Vacuumed as the gate's table is before the runs. Then a checkpoint: the top-up
 * wrote hundreds of MB of WAL, and the checkpoint it set off otherwise still writes its pages out
 * while the next run's commits wait on the same disk (pgbench's runs start after the checkpoint
 * its CREATE DATABASE forces).
 */
async function vacuumAfterSales() {
  const t = Date.now();
  await withClient(stackDbUrl, async (c) => {
    await c.query(
      "VACUUM ANALYZE ticketing.tickets, ticketing.outbox_events, attendance.gate_tickets",
    );
    await c.query("CHECKPOINT");
  });
  log(`vacuumed the tables the top-up's sales wrote and checkpointed in ${seconds(t)} s`);
}

// ---- the event lag -----------------------------------------------------------------------------

/**
 * A stack scan run with ticketing up (it consumes the TicketScanned events as in production) and a
 * box-office sale every LAG_SALE_EVERY_MS. Lag of a sale = attendance's gate_tickets.updated_at
 * (now() of the transaction that applied TicketSold) − ticketing's tickets.sold_at (taken in the
 * sale's transaction just before its UPDATE and outbox insert). Both come from this machine's
 * clock and are stored to the millisecond.
 */
/**
 * Starts every service the gate path left out (refunds and transfers for the first time) and
 * waits until each has applied every event it missed: the row measures the scan load with its
 * consumers, not their backlog.
 */
async function wholeDeploymentUp() {
  const t = Date.now();
  await stack.choosePorts(["refunds", "transfers"].filter((name) => !stack.ports[name]));
  for (const name of CONSUMERS_OF_SCANS) {
    if (!stack.children.has(name)) await stack.start(name, stack.common);
  }
  // Caught up: nothing pending for any of their consumers, of any event.
  const nc = await connectNats({ servers: NATS_URL, name: "gate bench" });
  try {
    const definitions = await Promise.all(
      CONSUMERS_OF_SCANS.map(async (name) => {
        const module = await import(`@concert/${name}`);
        return { name, consumes: consumersOf(module[`${name}Service`], stack.common) };
      }),
    );
    await eventually(async () => {
      for (const { name, consumes } of definitions) {
        for (const { event } of consumes) {
          const left = await consumerBacklog(nc, name, event, stack.common.NATS_SUBJECT_PREFIX);
          if (left > 0) throw new Error(`${name} has ${left} ${event.name} to apply`);
        }
      }
    }, 600_000);
  } finally {
    await nc.close();
  }
  log(`whole deployment up and caught up in ${seconds(t)} s`);
}

async function lagRun({ common, seeder, lagTickets, concertId, scans }) {
  const t = Date.now();
  if (!stack.children.has("ticketing")) await stack.start("ticketing", common);
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

  // When each TicketSold reached NATS, as this process hears it: the split between the relay's
  // half and the consumer's. (The outbox row's published_at no longer says: a woken pass's rows
  // are marked up to 50 ms after their publish.)
  const heardAt = new Map();
  const nc = await connectNats({ servers: NATS_URL, name: "gate bench lag" });
  const heard = nc.subscribe(`${common.NATS_SUBJECT_PREFIX}${TicketSold.subject}`, {
    callback: (_err, msg) => {
      if (msg) heardAt.set(JSON.parse(msg.string()).payload.ticket_id, Date.now());
    },
  });
  await nc.flush();

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
  let waits;
  let samples;
  try {
    const { url, token, pool, count } = scans;
    ({
      result: scan,
      waits,
      samples,
    } = await withDatabaseWaits(ADMIN_DB_URL, stack.database, () =>
      scanRun("stack, ticketing up and selling (lag run)", url, token, pool, count),
    ));
  } finally {
    clearInterval(ticker);
  }
  log(`lag run: Postgres waits (${samples} samples, every 25 ms): ${waits.slice(0, 8).join(", ")}`);
  await Promise.all(pending);
  if (failures > 0) log(`lag run: ${failures} sales failed`);

  const rows = await eventually(
    () =>
      withClient(stackDbUrl, async (c) => {
        const { rows: found } = await c.query(
          `SELECT t.id::text AS id, extract(epoch FROM g.updated_at - t.sold_at)::float8 * 1000 AS ms,
                  extract(epoch FROM t.sold_at)::float8 * 1000 AS sold_ms
             FROM ticketing.tickets t JOIN attendance.gate_tickets g ON g.ticket_id = t.id
            WHERE t.id = ANY($1::uuid[]) AND g.status = 'sold'`,
          [sold],
        );
        if (found.length < sold.length) {
          throw new Error(`attendance applied ${found.length} of ${sold.length} lag-run sales`);
        }
        return found;
      }),
    60_000,
  );
  heard.unsubscribe();
  await nc.close();
  const lags = rows.map((row) => row.ms).sort((a, b) => a - b);
  const withHeard = rows.filter((row) => heardAt.has(row.id));
  const relayMs = (row) => heardAt.get(row.id) - row.sold_ms;
  const relayLags = withHeard.map(relayMs).sort((a, b) => a - b);
  const afterRelay = withHeard.map((row) => row.ms - relayMs(row)).sort((a, b) => a - b);
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
  const spread = (values) =>
    [0.5, 0.95, 0.99].map((q) => `p${q * 100} ${fmt(percentile(values, q), 0)}`).join(", ");
  log(
    `event lag (TicketSold → gate_tickets) over ${lags.length} sales: p50 ${fmt(result.p50, 0)} ms, ` +
      `p95 ${fmt(result.p95, 0)} ms, p99 ${fmt(result.p99, 0)} ms, max ${fmt(result.max, 0)} ms; ` +
      `of which sale → heard on NATS: ${spread(relayLags)} ms; ` +
      `heard → applied at the gate: ${spread(afterRelay)} ms (${withHeard.length} heard)`,
  );
  return result;
}

// ---- scan runs ---------------------------------------------------------------------------------

/**
 * One measured HTTP run: scans with one fresh code each (`count` of the pool at most), for
 * SECONDS, or shorter if its codes run out: then `endedEarly`, which the report repeats.
 */
/** The stack's Postgres backends by pid, as "pg: <application_name>" (each pool names itself). */
async function backendNames() {
  return withClient(ADMIN_DB_URL, async (c) => {
    const { rows } = await c.query(
      "SELECT pid, application_name FROM pg_stat_activity WHERE datname = $1",
      [stack.database],
    );
    return rows.map((row) => [row.pid, `pg: ${row.application_name || "(unnamed)"}`]);
  });
}

/** Backend CPU seconds by application_name, as µs per answered scan, largest first. */
function perScanBy(byApplication, run) {
  const answers = run.rate * run.elapsed;
  return Object.entries(byApplication)
    .sort((a, b) => b[1] - a[1])
    .map(([app, cpuSeconds]) => `${app} ${fmt((cpuSeconds * 1e6) / answers, 0)}`)
    .join(", ");
}

async function scanRun(name, url, token, pool, count) {
  const cpuBefore = cpuSnapshot();
  const result = await scanFromPool(url, token, pool, count, SECONDS);
  const cpu = cpuDelta(cpuBefore, cpuSnapshot());
  if (LOADER === "wrk") {
    // wrk ran as this process's child, reaped before the snapshot: its CPU is the load's.
    cpu.bench += cpu.pgbench;
    cpu.pgbench = 0;
  }
  const endedEarly = result.sent >= count && result.elapsed < SECONDS - 0.5;
  const run = { ...result, cpu, name, endedEarly };
  log(
    `${name}: ${fmt(run.rate, 0)} req/s over ${fmt(run.elapsed, 2)} s, p50 ${fmt(run.p50, 2)} ms, ` +
      `p99 ${fmt(run.p99, 2)} ms, ${run.admitted} admitted, ${run.bad} not; ` +
      `CPU µs/scan ${describeCpuPerScan(cpuPerScan(run))}; cores ${describeCpu(cpu)}` +
      (result.statuses ? ` ${JSON.stringify(result.statuses)}` : ""),
  );
  if (endedEarly) {
    log(`${name}: ENDED EARLY, all ${count} codes scanned after ${fmt(result.elapsed, 2)} s`);
  }
  return run;
}

/**
 * Scans with at most `count` codes from the front of `pool`, for `seconds`. Every code a request
 * was built for leaves the pool (it may have been admitted); the others stay for the next load.
 */
async function scanFromPool(url, token, pool, count, seconds) {
  if (count <= 0) throw new Error("no codes left to scan: raise BENCH_MAX_TICKETS");
  const result = await scanLoad(url, token, pool.slice(0, count), seconds);
  pool.splice(0, result.sent);
  return result;
}

/**
 * autocannon sending each code once. The rate is answers ÷ the exact time from the start to the
 * last answer (autocannon's own duration is rounded up to its next 1 s sample when `amount` ends
 * the run).
 */
async function scanLoad(url, token, codes, durationSeconds) {
  if (LOADER === "wrk") {
    const connections = Math.min(CONNECTIONS, codes.length);
    return wrkScanLoad({ url, token, codes, connections, seconds: durationSeconds });
  }
  let next = 0;
  let admitted = 0;
  let notAdmitted = 0;
  let statuses;
  const latencies = [];
  const result = await load(
    {
      ...SAMPLE_OFTEN,
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
  const { responses, elapsed } = result;
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
  const pid = stack.children.get(name)?.child.pid;
  if (!pid) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1]);
  return kb / 1024;
}

// ---- CPU accounting: where the two cores went during a run (read-only /proc) ------------------

/** Every process group's CPU so far, the services named even when stopped. */
function cpuSnapshot() {
  return cpuSnapshotOf(stack.pids(), ACCOUNTED);
}

// ---- small helpers -----------------------------------------------------------------------------

function summary(result) {
  return `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`;
}

function log(message) {
  console.log(`[bench] ${message}`);
}
