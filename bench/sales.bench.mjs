#!/usr/bin/env node
// `npm run bench:sales`: how fast tickets sell. Box-office mark-sold straight to ticketing, and
// self-service purchase through the gateway on one hot concert, side by side with pgbench running
// the purchase's own statement at the same concurrency. See docs/BENCHMARKS.md.
//
//   BENCH_CONNECTIONS  concurrent connections (autocannon) = clients (pgbench)        default 16
//   BENCH_SECONDS      longest measured run (a run also ends when its tickets run out) default 10
//   BENCH_RUNS         runs of each row; the median is reported                         default 3
//   BENCH_SALES_TICKETS tickets issued for each run of each row                         default 15000
//   BENCH_PGBENCH=0    skip the pgbench row
//   BENCH_PGBENCH_MAX_TPS  pgbench's concerts hold tickets for this many tps             default 10000
//   BENCH_PROFILE=dir  run ticketing, the gateway and catalog with --cpu-prof, print their hot spots
//                      over the mark-sold runs (ticketing) and the purchase runs (all three)
//   BENCH_LOOP=1       also print how busy each service's event loop was ("tkt loop 0.92")
//   BENCH_DATABASE_URL Postgres admin URL (a database per run is created and dropped)
//   BENCH_NATS_URL     NATS (a subject prefix per run keeps it apart)
import { join, resolve } from "node:path";
import { withClient } from "@concert/testing";
import {
  cpuDelta,
  cpuSnapshot,
  describeCpu,
  load,
  printProfile,
  profileWindows,
  withDatabaseCpu,
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
  printTable,
  runBench,
  seconds,
} from "./lib/util.mjs";

const env = process.env;
const CONNECTIONS = positiveInt(env.BENCH_CONNECTIONS, 16);
const SECONDS = positiveInt(env.BENCH_SECONDS, 10);
const RUNS = positiveInt(env.BENCH_RUNS, 3);
const TICKETS = positiveInt(env.BENCH_SALES_TICKETS, 15_000);
const WARMUP = 300;
const PGBENCH = env.BENCH_PGBENCH !== "0";
/** Each pgbench concert holds enough tickets for this many purchases per second. */
const PGBENCH_MAX_TPS = positiveInt(env.BENCH_PGBENCH_MAX_TPS, 10_000);
const PROFILE_DIR = env.BENCH_PROFILE ? resolve(env.BENCH_PROFILE) : undefined;
/** Catalog too: its TicketSold consumer works on the same cores as every sale. */
const PROFILED = ["ticketing", "gateway", "catalog"];
const ADMIN_DB_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ADMIN = { email: "bench-admin@example.com", password: "bench-admin-password" };
/** The API's largest batch (`/api/tickets/batch/create`): tickets issued without images. */
const BATCH = 5_000;

const stack = new BenchStack({
  adminDbUrl: ADMIN_DB_URL,
  natsUrl: env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222",
  logLevel: env.BENCH_LOG_LEVEL ?? "warn",
  prefix: "bench_sales",
});
const log = (message) => console.log(`[sales] ${message}`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => stack.cleanup().finally(() => process.exit(130)));
}

await runBench(
  main,
  () => stack.cleanup(),
  () => stack.printLogs(),
);

async function main() {
  log(
    `sales bench ${stack.runId}: ${CONNECTIONS} connections, ${SECONDS} s per run, ` +
      `median of ${RUNS}, ${TICKETS} tickets per run`,
  );
  await stack.createDatabase();
  // Attendance is not started: nothing a sale does waits for it, and it would consume every
  // TicketSold on the same two cores.
  await stack.choosePorts(["identity", "catalog", "ticketing", "gateway"]);
  if (PROFILE_DIR) {
    for (const name of PROFILED) stack.profileDirs.set(name, join(PROFILE_DIR, name));
  }
  let t = Date.now();
  await Promise.all([
    stack.start("identity", {
      ...stack.common,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_ROUNDS: "4",
    }),
    stack.start("catalog"),
    stack.start("ticketing"),
  ]);
  await stack.start("gateway", stack.gatewayEnv());
  log(`stack up in ${seconds(t)} s`);

  // ---- seeding through the API: concerts and their tickets, issued in batches -----------------
  const gateway = stack.url("gateway");
  const ticketing = stack.url("ticketing");
  const adminToken = await login(gateway, ADMIN);
  const buyer = { email: `buyer-${stack.runId}@example.com`, password: "buyer-password" };
  await api(gateway, "POST", "/api/auth/register", null, { ...buyer, full_name: "Bench Buyer" });
  const buyerToken = await login(gateway, buyer);
  const newConcert = async (name, tickets) => {
    const concert = await api(gateway, "POST", "/api/concerts/", adminToken, {
      name: `${name} ${stack.runId}`,
      artist: "The Load Generators",
      venue: "Two Cores Arena",
      starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      capacity: tickets,
      ticket_price: 10,
    });
    const batches = [];
    for (let left = tickets; left > 0; left -= BATCH) batches.push(Math.min(BATCH, left));
    await inParallel(batches, 1, (quantity) =>
      eventually(
        () =>
          api(ticketing, "POST", `/api/tickets/batch/create/${concert.id}`, adminToken, {
            quantity,
          }),
        60_000, // until ticketing has heard of the concert
      ),
    );
    return concert.id;
  };
  // From the database: the API's lists answer every ticket with its image, drawing them all, and
  // the box office sells tickets nobody has read yet.
  const ticketIdsOf = (concertId) =>
    withClient(stack.databaseUrl, async (c) => {
      const { rows } = await c.query(
        "SELECT id FROM ticketing.tickets WHERE concert_id = $1 ORDER BY created_at, ticket_number",
        [concertId],
      );
      return rows.map((row) => row.id);
    });

  t = Date.now();
  const beforeIssue = cpuSnapshot(stack.pids());
  // Box office: one concert, its tickets handed out to the runs by id. Self-service: a fresh hot
  // concert per run (and one for the warm-up), so each run starts from the same state.
  const boxOffice = await newConcert("Box office", WARMUP + TICKETS * RUNS);
  const hot = [];
  for (let i = 0; i <= RUNS; i++)
    hot.push(await newConcert(`Hot ${i}`, i === 0 ? WARMUP : TICKETS));
  const issued = WARMUP * 2 + TICKETS * RUNS * 2;
  log(`issued ${issued} tickets in ${seconds(t)} s`);
  await imagesDrawnAhead(issued, beforeIssue);
  t = Date.now();
  const boxOfficeIds = await ticketIdsOf(boxOffice);
  log(`listed ${boxOfficeIds.length} box-office tickets in ${seconds(t)} s`);
  // Both sides start alike: pgbench's tickets are vacuumed and analyzed once inserted, so these
  // are too (as the gate bench does with its tables); and the issuing's TicketCreated events are
  // relayed before any run, which would otherwise measure the relay draining them too.
  t = Date.now();
  await withClient(stack.databaseUrl, (c) => c.query("VACUUM ANALYZE ticketing.tickets"));
  await outboxRelayed(ticketing);
  log(`vacuumed the tickets and relayed the issuing's events in ${seconds(t)} s`);

  // ---- the measured runs ---------------------------------------------------------------------
  const markSold = [];
  const purchase = [];
  const markSoldRun = (ids, duration) =>
    saleLoad({
      url: ticketing,
      token: adminToken,
      amount: ids.length,
      duration,
      expect: 200,
      request: (i) => ({
        path: `/api/tickets/${ids[i]}/mark-sold`,
        body: JSON.stringify({ buyer_name: "Bench Buyer", buyer_email: buyer.email }),
      }),
    });
  const purchaseRun = (concertId, amount, duration) => {
    const body = JSON.stringify({ concert_id: concertId });
    return saleLoad({
      url: gateway,
      token: buyerToken,
      amount,
      duration,
      expect: 201,
      request: () => ({ path: "/api/tickets/purchase", body }),
    });
  };
  await markSoldRun(boxOfficeIds.splice(0, WARMUP), 30);
  await purchaseRun(hot[0], WARMUP, 30);
  // When each kind of run ran: the profiles are read over these only, not the issuing's drawing.
  const windows = { "mark-sold": profileWindows(), purchase: profileWindows() };
  const timed = (kind, run) => windows[kind].time(run);
  for (let i = 1; i <= RUNS; i++) {
    // Each run starts with the events of the one before relayed.
    await outboxRelayed(ticketing);
    markSold.push(
      await timed("mark-sold", () => markSoldRun(boxOfficeIds.splice(0, TICKETS), SECONDS)),
    );
    report(`mark-sold run ${i}`, markSold.at(-1));
    await outboxRelayed(ticketing);
    purchase.push(await timed("purchase", () => purchaseRun(hot[i], TICKETS, SECONDS)));
    report(`purchase run ${i}`, purchase.at(-1));
  }
  await Promise.all(
    ["gateway", "catalog", "identity", "ticketing"].map((name) => stack.stop(name)),
  );
  if (PROFILE_DIR) {
    printProfile(
      "ticketing, mark-sold runs",
      stack.profileDirs.get("ticketing"),
      windows["mark-sold"].windows,
    );
    for (const name of PROFILED) {
      printProfile(`${name}, purchase runs`, stack.profileDirs.get(name), windows.purchase.windows);
    }
  }

  // ---- pgbench, the purchase's statement, same clients, same duration ------------------------
  const pgbench = [];
  if (PGBENCH) {
    // Imported here: it reads ticketing's build, which a before/after comparison may swap.
    const { preparePurchaseDatabase, runPurchasePgbench } = await import("./pgbench-purchase.mjs");
    t = Date.now();
    const database = `bench_sales_pgbench_${stack.runId}`;
    stack.extraDatabases.push(database);
    const perConcert = PGBENCH_MAX_TPS * SECONDS;
    const prepared = await preparePurchaseDatabase({
      adminUrl: ADMIN_DB_URL,
      database,
      concerts: RUNS,
      perConcert,
    });
    log(`pgbench database: ${RUNS} concerts of ${perConcert} tickets in ${seconds(t)} s`);
    for (let i = 0; i < RUNS; i++) {
      const before = cpuSnapshot();
      const { result, seconds: dbSeconds } = await withDatabaseCpu(ADMIN_DB_URL, database, () =>
        runPurchasePgbench({
          ...prepared,
          concertId: prepared.concertIds[i],
          clients: CONNECTIONS,
          seconds: SECONDS,
          logDir: join(stack.workDir, `pgbench-${i}`),
        }),
      );
      const cpu = cpuDelta(before, cpuSnapshot());
      const row = {
        rate: result.tps,
        p50: result.p50,
        p99: result.p99,
        ok: result.sold,
        bad: result.transactions - result.sold + result.failed,
        duration: SECONDS,
        cpu: describeCpu(cpu, SECONDS),
        perSale: postgresPerSale(cpu.postgres, dbSeconds, result.sold),
      };
      if (result.sold >= perConcert)
        log("warning: pgbench ran out of tickets; raise BENCH_PGBENCH_MAX_TPS");
      report(`pgbench run ${i + 1}`, row);
      pgbench.push(row);
    }
  }

  // ---- the report: the median run of each row -----------------------------------------------
  const rows = [
    ["box-office mark-sold (ticketing direct)", markSold],
    ["self-service purchase (gateway, hot concert)", purchase],
    ...(PGBENCH ? [["pgbench, PURCHASE_NEXT (prepared)", pgbench]] : []),
  ];
  const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
  const mid = (runs) => runs.find((r) => r.rate === median(runs.map((x) => x.rate)));
  printTable([
    [
      "",
      "req/s | tps",
      "p50 ms",
      "p99 ms",
      "sold",
      "refused",
      "s",
      "runs (req/s)",
      "CPU µs per sale (median run)",
      "CPU (median run)",
    ],
    ...rows.map(([name, runs]) => {
      const m = mid(runs);
      return [
        name,
        fmt(m.rate, 0),
        fmt(median(runs.map((r) => r.p50)), 2),
        fmt(median(runs.map((r) => r.p99)), 2),
        String(m.ok),
        String(m.bad),
        fmt(m.duration, 1),
        runs.map((r) => fmt(r.rate, 0)).join(" "),
        m.perSale,
        m.cpu,
      ];
    }),
  ]);
  const markSoldRate = mid(markSold).rate;
  console.log(`\nbox-office mark-sold: ${fmt(markSoldRate, 0)}/s (aim ≥ 1000/s)`);
  if (PGBENCH) {
    const ratio = mid(purchase).rate / mid(pgbench).rate;
    console.log(`ratio purchase/pgbench: ${fmt(ratio, 2)} (aim ≥ 0.50)`);
  }
  console.log(
    `${CONNECTIONS} connections/clients, ${SECONDS} s per run, median of ${RUNS}; p50/p99 are the ` +
      "medians of the runs'. CPU: cores busy per process group (load = this process: autocannon)",
  );
  const early = [
    ...markSold.map((run, i) => ({ run, name: `mark-sold run ${i + 1}` })),
    ...purchase.map((run, i) => ({ run, name: `purchase run ${i + 1}` })),
  ].filter(({ run }) => run.endedEarly);
  if (early.length > 0) {
    // What would have lasted: the fastest run's rate for the whole run, with a margin.
    const fastest = Math.max(...[...markSold, ...purchase].map((run) => run.rate));
    const enough = Math.ceil((fastest * SECONDS * 1.4) / 1000) * 1000;
    console.log(
      `\n${early.length} OF ${RUNS * 2} SALE RUNS RAN OUT OF TICKETS before ${SECONDS} s (their ` +
        `rates are over the time they ran): ${early
          .map(({ run, name }) => `${name} after ${fmt(run.duration, 1)} s`)
          .join(", ")}. BENCH_SALES_TICKETS=${enough} would last.`,
    );
  }
  if (rows.some(([, runs]) => runs.some((r) => r.bad > 0))) {
    console.log("\nSOME SALES FAILED: the numbers above do not measure the happy path.");
    process.exitCode = 1;
  }
}

/**
 * Ticketing draws a batch's QR images after answering it, as a box office's tickets are issued
 * long before they sell: waits until it has (or, with a build that draws nothing ahead, until
 * the count stops moving) and prints what issuing and drawing cost, so the sales' figures do not
 * hide it.
 */
async function imagesDrawnAhead(issued, beforeIssue) {
  const started = Date.now();
  const missing = () =>
    withClient(stack.databaseUrl, async (c) => {
      const { rows } = await c.query(
        "SELECT count(*)::int AS n FROM ticketing.tickets WHERE qr_png IS NULL",
      );
      return rows[0].n;
    });
  let left = await missing();
  let lastChange = Date.now();
  while (left > 0 && Date.now() - lastChange < 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await missing();
    if (now !== left) lastChange = Date.now();
    left = now;
  }
  const cpu = cpuDelta(beforeIssue, cpuSnapshot(stack.pids()));
  log(
    `images drawn ahead: ${issued - left} of ${issued} tickets within ${seconds(started)} s of issuing; ` +
      `ticketing CPU for issuing and drawing ${((cpu.ticketing * 1e6) / issued).toFixed(0)} µs per ticket`,
  );
}

/**
 * Postgres's CPU µs per sale: every Postgres process of the machine, then (db) only the backends
 * of the run's own database, the number to compare on a machine others use too.
 */
function postgresPerSale(allSeconds, dbSeconds, sales) {
  const perSale = (seconds) => ((seconds * 1e6) / Math.max(1, sales)).toFixed(0);
  return `postgres ${perSale(allSeconds)} (db ${perSale(dbSeconds)})`;
}

/** Resolves once the service's outbox has nothing left to publish (its `/readyz` backlog). */
function outboxRelayed(serviceUrl) {
  return eventually(async () => {
    const ready = await (await fetch(`${serviceUrl}/readyz`)).json();
    const left = ready.details?.outbox?.unpublished;
    if (left !== 0) throw new Error(`${serviceUrl}: ${left} outbox rows not relayed yet`);
  }, 600_000);
}

/** One HTTP run: `amount` sales at most, for `duration` s; a sale counts only with `expect`. */
async function saleLoad({ url, token, amount, duration, expect, request }) {
  let next = 0;
  let ok = 0;
  let bad = 0;
  const statuses = {};
  const latencies = [];
  const before = cpuSnapshot(stack.pids());
  const { result: run, seconds: dbSeconds } = await withDatabaseCpu(
    ADMIN_DB_URL,
    stack.database,
    () =>
      load(
        {
          url,
          connections: Math.min(CONNECTIONS, amount),
          amount,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          requests: [
            {
              method: "POST",
              setupRequest: (base) => ({ ...base, ...request(next++) }),
              onResponse: (status, body) => {
                if (status === expect) {
                  ok++;
                } else {
                  bad++;
                  const key = `${status} ${body.slice(0, 120)}`;
                  statuses[key] = (statuses[key] ?? 0) + 1;
                }
              },
            },
          ],
        },
        duration,
        latencies,
      ),
  );
  const cpu = cpuDelta(before, cpuSnapshot(stack.pids()));
  latencies.sort((a, b) => a - b);
  // CPU time per sale of each process that serves it: steadier than req/s on a shared machine.
  const perSale = [
    ...["ticketing", "gateway"]
      .filter((name) => cpu[name] > 0)
      .map((name) => `${name} ${((cpu[name] * 1e6) / Math.max(1, ok)).toFixed(0)}`),
    postgresPerSale(cpu.postgres, dbSeconds, ok),
  ].join(" ");
  // `elapsed`, not autocannon's `duration`: a run that sold its `amount` before the clock ran out
  // would be divided by the next whole second (15,000 sales in 9.2 s read as 1,500/s in "10 s").
  return {
    // Sold all its tickets before the clock ran out: its rate is over a shorter time.
    endedEarly: run.requests.total >= amount && run.elapsed < duration - 0.5,
    rate: run.requests.total / run.elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ok,
    bad: bad + run.errors + run.timeouts,
    duration: Number(run.elapsed.toFixed(2)),
    statuses,
    cpu: describeCpu(cpu, run.elapsed),
    perSale,
  };
}

function report(name, r) {
  log(
    `${name}: ${r.rate.toFixed(0)}/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ` +
      `${r.ok} sold, ${r.bad} refused, ${r.duration} s; CPU ${r.cpu}; CPU µs per sale: ${r.perSale}` +
      (r.statuses && Object.keys(r.statuses).length ? ` ${JSON.stringify(r.statuses)}` : ""),
  );
}
