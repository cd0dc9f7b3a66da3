#!/usr/bin/env node
// `npm run bench:floor`: what stands between the gate (and the sale) and pgbench on this machine,
// with none of our code in the way. Side by side, at the same concurrency, median of 3 runs each:
//   pgbench            the service's statement, prepared, 16 clients: attendance's admission
//                      (bench/pgbench-scan.mjs), ticketing's purchase (bench/pgbench-purchase.mjs)
//   floor direct       a bare node:http + node-postgres server running that statement
//                      (bench/floor/scan-server.mjs, purchase-server.mjs): Node's HTTP and
//                      driver, nothing else
//   floor + one hop    the same behind a bare undici proxy (bench/floor/proxy-server.mjs): what a
//                      second HTTP process costs, as the gateway adds one
// Ratios against pgbench are the best any Node service of this shape can reach here: the stack's
// own rows (`npm run bench`) add Fastify, tokens, the code's signature (or QR code), the relay
// and NATS.
//
//   BENCH_FLOOR        which statements: scan, purchase or both                     default both
//   BENCH_CONNECTIONS  concurrent connections (autocannon) = clients (pgbench)   default 16
//   BENCH_SECONDS      length of each measured run                               default 10
//   BENCH_RUNS         measured runs of each row (the median is reported)        default 3
//   BENCH_MAX_TPS      each row's tickets are sized for this rate                default 16000
//   BENCH_FLOOR_PIPELINING  requests the bare proxy keeps in flight per connection to the server,
//                      as the gateway's UPSTREAM_PIPELINING (16); 1 = one at a time   default 16
//   BENCH_FLOOR_HEADERS=1  every request carries a token-sized Authorization header, and the bare
//                      proxy carries the headers the gateway carries (proxy-server.mjs, HEADERS=1):
//                      the floor of a hop that forwards what the services need
//   BENCH_DATABASE_URL Postgres admin URL (databases per run are created and dropped)
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectionStringForSchema } from "@concert/service-kit";
import { freePort, withClient } from "@concert/testing";
import { stopChild } from "../scripts/stop-child.mjs";
import { cpuDelta, cpuSnapshot, describeCpu, load } from "./lib/measure.mjs";
import { root } from "./lib/stack.mjs";
import { median, positiveInt, printTable, runBench } from "./lib/util.mjs";
import { preparePurchaseDatabase, runPurchasePgbench } from "./pgbench-purchase.mjs";
import { preparePgbenchDatabase, runPgbench } from "./pgbench-scan.mjs";

const env = process.env;
const CONNECTIONS = positiveInt(env.BENCH_CONNECTIONS, 16);
const SECONDS = positiveInt(env.BENCH_SECONDS, 10);
const RUNS = positiveInt(env.BENCH_RUNS, 3);
const MAX_TPS = positiveInt(env.BENCH_MAX_TPS, 16_000);
const ADMIN_DB_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const WARMUP_SECONDS = 3;
const KINDS = (env.BENCH_FLOOR ?? "scan,purchase").split(",");
const FLOOR_HEADERS = env.BENCH_FLOOR_HEADERS === "1";
/** A scanner's RS256 access token is about 650 characters; the floor's servers never read it. */
const LOAD_HEADERS = FLOOR_HEADERS
  ? { authorization: `Bearer ${randomBytes(480).toString("base64url")}` }
  : undefined;
/** Each purchase database's concerts hold tickets for this many purchases per second. */
const PURCHASE_MAX_TPS = 10_000;
/** pgbench numbers client c's tickets c × this + 1, + 2, ... (bench/pgbench-scan.mjs). */
const CLIENT_STRIDE = 1_000_000;

const runId = randomBytes(4).toString("hex");
const databases = [];
const children = [];
const perRun = Math.ceil((MAX_TPS * SECONDS) / CONNECTIONS);
const workDir = mkdtempSync(join(tmpdir(), `concert-floor-${runId}-`));

await runBench(main, async () => {
  for (const child of children) await stopChild(child);
  for (const database of databases) {
    await withClient(ADMIN_DB_URL, (c) =>
      c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
    ).catch((error) => console.error(`could not drop ${database}: ${error.message}`));
  }
  rmSync(workDir, { recursive: true, force: true });
});

async function main() {
  console.log(
    `floor bench ${runId}: ${KINDS.join(" and ")}, ${CONNECTIONS} connections, ${RUNS} runs of ${SECONDS} s`,
  );
  if (KINDS.includes("scan")) report("scan", await scanFloor());
  if (KINDS.includes("purchase")) report("purchase", await purchaseFloor());
}

/** The admission statement: pgbench, the bare server, the bare server behind a bare proxy. */
async function scanFloor() {
  // One database per row, each with a run's tickets for every client, so no row waits on another's
  // dead tuples and every run admits tickets nobody scanned yet.
  const prepare = async (key) => {
    const database = `bench_floor_${key}_${runId}`;
    databases.push(database);
    return preparePgbenchDatabase({
      adminUrl: ADMIN_DB_URL,
      database,
      clients: CONNECTIONS,
      // One more run's worth for the warm-up.
      perClient: perRun * (RUNS + 1),
    });
  };
  const pgbenchDb = await prepare("pgbench");
  const directDb = await prepare("direct");
  const hopDb = await prepare("hop");

  const serverEnv = (db) => ({
    DATABASE_URL: connectionStringForSchema(db.url, "attendance"),
    POOL_SIZE: String(CONNECTIONS),
  });
  const { direct, proxy, rows, pids } = await startFloor(
    "scan-server.mjs",
    [serverEnv(directDb), serverEnv(hopDb)],
    "pgbench, the admission statement",
  );
  // Unmeasured, on tickets after the runs': the servers' JIT and pools warm up first (a cold
  // first run was 10–30% slower).
  await scanLoad(direct.url, directDb.url, RUNS * perRun, WARMUP_SECONDS);
  await scanLoad(proxy.url, hopDb.url, RUNS * perRun, WARMUP_SECONDS);
  for (let i = 0; i < RUNS; i++) {
    const first = i * perRun;
    rows.pgbench.runs.push(
      await measured(pids, async () => {
        const result = await runPgbench({
          ...pgbenchDb,
          clients: CONNECTIONS,
          seconds: SECONDS,
          firstTicket: first,
          logDir: join(workDir, `pgbench-${i}`),
        });
        return {
          rate: result.tps,
          done: result.admitted,
          p99: result.p99,
          answered: result.transactions,
        };
      }),
    );
    rows.direct.runs.push(await measured(pids, () => scanLoad(direct.url, directDb.url, first)));
    rows.hop.runs.push(await measured(pids, () => scanLoad(proxy.url, hopDb.url, first)));
    printRuns(rows, i, "admitted");
  }
  return rows;
}

/** The purchase statement, each run on a hot concert of its own, as the sales bench buys. */
async function purchaseFloor() {
  const prepare = async (key) => {
    const database = `bench_floor_purchase_${key}_${runId}`;
    databases.push(database);
    // One concert per run and one for the warm-up.
    return preparePurchaseDatabase({
      adminUrl: ADMIN_DB_URL,
      database,
      concerts: RUNS + 1,
      perConcert: PURCHASE_MAX_TPS * SECONDS,
    });
  };
  const pgbenchDb = await prepare("pgbench");
  const directDb = await prepare("direct");
  const hopDb = await prepare("hop");
  const serverEnv = (db) => ({
    DATABASE_URL: connectionStringForSchema(db.url, "ticketing"),
    POOL_SIZE: String(CONNECTIONS),
    BUYER_ID: db.buyer.id,
    BUYER_EMAIL: db.buyer.email,
  });
  const { direct, proxy, rows, pids } = await startFloor(
    "purchase-server.mjs",
    [serverEnv(directDb), serverEnv(hopDb)],
    "pgbench, PURCHASE_NEXT",
  );
  await purchaseLoad(direct.url, directDb, RUNS, WARMUP_SECONDS);
  await purchaseLoad(proxy.url, hopDb, RUNS, WARMUP_SECONDS);
  for (let i = 0; i < RUNS; i++) {
    rows.pgbench.runs.push(
      await measured(pids, async () => {
        const result = await runPurchasePgbench({
          ...pgbenchDb,
          concertId: pgbenchDb.concertIds[i],
          clients: CONNECTIONS,
          seconds: SECONDS,
          logDir: join(workDir, `pgbench-purchase-${i}`),
        });
        return {
          rate: result.tps,
          done: result.sold,
          p99: result.p99,
          answered: result.transactions,
        };
      }),
    );
    rows.direct.runs.push(await measured(pids, () => purchaseLoad(direct.url, directDb, i)));
    rows.hop.runs.push(await measured(pids, () => purchaseLoad(proxy.url, hopDb, i)));
    printRuns(rows, i, "sold");
  }
  return rows;
}

/**
 * The bare server `file` twice, on the direct row's database and on the hop row's, the second
 * behind the bare proxy; the three rows (pgbench's named `pgbenchName`) and the CPU groups.
 */
async function startFloor(file, [directEnv, hopEnv], pgbenchName) {
  const direct = await startServer(file, directEnv);
  const hopTarget = await startServer(file, hopEnv);
  const proxy = await startServer("proxy-server.mjs", {
    UPSTREAM: hopTarget.url,
    PIPELINING: String(positiveInt(env.BENCH_FLOOR_PIPELINING, 16)),
    HEADERS: FLOOR_HEADERS ? "1" : "0",
  });
  return {
    direct,
    proxy,
    rows: {
      pgbench: { name: pgbenchName, runs: [] },
      direct: { name: "floor: node:http + pg, direct", runs: [] },
      hop: {
        name: FLOOR_HEADERS
          ? "floor + one hop (bare proxy with the gateway's headers)"
          : "floor + one hop (bare proxy)",
        runs: [],
      },
    },
    pids: new Map([
      [direct.pid, "server"],
      [hopTarget.pid, "server"],
      [proxy.pid, "proxy"],
    ]),
  };
}

function printRuns(rows, i, done) {
  for (const row of Object.values(rows)) {
    const run = row.runs.at(-1);
    console.log(
      `${row.name} #${i + 1}: ${run.rate.toFixed(0)}/s, p99 ${run.p99.toFixed(2)} ms, ` +
        `${run.done} ${done}; CPU µs per request ${run.perRequest}; cores ${run.cores}`,
    );
  }
}

/** The median of each row, and its ratio to pgbench's. */
function report(kind, rows) {
  const base = median(rows.pgbench.runs.map((r) => r.rate));
  const table = [
    [kind, "req/s | tps", "÷ pgbench", "p99 ms", "CPU µs per request (median run)", "runs"],
  ];
  for (const row of Object.values(rows)) {
    const rate = median(row.runs.map((r) => r.rate));
    const mid = [...row.runs].sort((a, b) => a.rate - b.rate)[Math.floor(row.runs.length / 2)];
    table.push([
      row.name,
      rate.toFixed(0),
      `${(rate / base).toFixed(2)}×`,
      median(row.runs.map((r) => r.p99)).toFixed(2),
      mid.perRequest,
      row.runs.map((r) => r.rate.toFixed(0)).join(" "),
    ]);
  }
  console.log("");
  printTable(table);
  console.log(
    `${CONNECTIONS} connections/clients. CPU µs per request: CPU seconds of each group ÷ ` +
      "requests (pg = every Postgres process, load = autocannon or pgbench).",
  );
}

/** Runs `work` between two CPU snapshots; adds the CPU per request of each group. */
async function measured(pids, work) {
  const before = cpuSnapshot(pids, ["server", "proxy"]);
  const result = await work();
  const cpu = cpuDelta(before, cpuSnapshot(pids, ["server", "proxy"]));
  // Idle groups (the servers during pgbench's runs) spend a few µs per request: left out.
  const perRequest = ["server", "proxy", "postgres", "bench", "pgbench"]
    .map((key) => [key === "bench" ? "load" : key, Math.round((cpu[key] * 1e6) / result.answered)])
    .filter(([, us]) => us >= 5)
    .map(([label, us]) => `${label} ${us}`)
    .join(" ");
  return { ...result, perRequest, cores: describeCpu(cpu) };
}

/**
 * autocannon at `url`, each request naming the next ticket of the pgbench-style database in
 * turn (client by client, as pgbench takes them), for SECONDS. Counts admissions in the database.
 */
async function scanLoad(url, databaseUrl, first, seconds = SECONDS) {
  const count = () =>
    withClient(databaseUrl, async (c) => {
      const { rows } = await c.query("SELECT count(*)::int AS n FROM attendance.scans WHERE admit");
      return rows[0].n;
    });
  const before = await count();
  let next = 0;
  const latencies = [];
  const result = await load(
    {
      url,
      connections: CONNECTIONS,
      sampleInt: 100,
      requests: [
        {
          method: "POST",
          path: "/api/scans/",
          ...(LOAD_HEADERS && { headers: LOAD_HEADERS }),
          setupRequest: (request) => {
            const client = next % CONNECTIONS;
            const k = first + Math.floor(next / CONNECTIONS) + 1;
            next++;
            return { ...request, body: `{"n":${client * CLIENT_STRIDE + k}}` };
          },
        },
      ],
    },
    seconds,
    latencies,
  );
  latencies.sort((a, b) => a - b);
  return {
    rate: result.responses / result.elapsed,
    answered: result.responses,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN,
    done: (await count()) - before,
  };
}

/** autocannon buying from concert `index` of a purchase database for SECONDS; counts the sold. */
async function purchaseLoad(url, db, index, seconds = SECONDS) {
  const concertId = db.concertIds[index];
  const count = () =>
    withClient(db.url, async (c) => {
      const { rows } = await c.query(
        "SELECT count(*)::int AS n FROM ticketing.tickets WHERE concert_id = $1 AND status = 'sold'",
        [concertId],
      );
      return rows[0].n;
    });
  const before = await count();
  const latencies = [];
  const result = await load(
    {
      url,
      connections: CONNECTIONS,
      sampleInt: 100,
      requests: [
        {
          method: "POST",
          path: "/api/tickets/purchase",
          ...(LOAD_HEADERS && { headers: LOAD_HEADERS }),
          body: JSON.stringify({ concert_id: concertId }),
        },
      ],
    },
    seconds,
    latencies,
  );
  latencies.sort((a, b) => a - b);
  if (result.non2xx > 0) throw new Error(`${result.non2xx} purchases were refused`);
  return {
    rate: result.responses / result.elapsed,
    answered: result.responses,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN,
    done: (await count()) - before,
  };
}

async function startServer(file, serverEnv) {
  const port = await freePort();
  const child = fork(join(root, "bench", "floor", file), [], {
    env: { PATH: env.PATH, ...serverEnv, PORT: String(port) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.push(child);
  await new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`${file} exited with code ${code}`)));
  });
  return { pid: child.pid, url: `http://127.0.0.1:${port}` };
}
