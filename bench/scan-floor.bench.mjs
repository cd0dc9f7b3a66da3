#!/usr/bin/env node
// `npm run bench:floor`: what stands between the gate and pgbench on this machine, with none of
// our code in the way. Side by side, at the same concurrency, on pgbench-style databases
// (bench/pgbench-scan.mjs), median of 3 runs each:
//   pgbench            attendance's admission statement, prepared, 16 clients
//   floor direct       a bare node:http + node-postgres server running that statement
//                      (bench/floor/scan-server.mjs): Node's HTTP and driver, nothing else
//   floor + one hop    the same behind a bare undici proxy (bench/floor/proxy-server.mjs): what a
//                      second HTTP process costs, as the gateway adds one
// Ratios against pgbench are the best any Node service of this shape can reach here: the stack's
// own rows (`npm run bench`) add Fastify, tokens, the code's signature, the relay and NATS.
//
//   BENCH_CONNECTIONS  concurrent connections (autocannon) = clients (pgbench)   default 16
//   BENCH_SECONDS      length of each measured run                               default 10
//   BENCH_RUNS         measured runs of each row (the median is reported)        default 3
//   BENCH_MAX_TPS      each row's tickets are sized for this rate                default 16000
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
import { median, positiveInt, printTable } from "./lib/util.mjs";
import { preparePgbenchDatabase, runPgbench } from "./pgbench-scan.mjs";

const env = process.env;
const CONNECTIONS = positiveInt(env.BENCH_CONNECTIONS, 16);
const SECONDS = positiveInt(env.BENCH_SECONDS, 10);
const RUNS = positiveInt(env.BENCH_RUNS, 3);
const MAX_TPS = positiveInt(env.BENCH_MAX_TPS, 16_000);
const ADMIN_DB_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const WARMUP_SECONDS = 3;
/** pgbench numbers client c's tickets c × this + 1, + 2, ... (bench/pgbench-scan.mjs). */
const CLIENT_STRIDE = 1_000_000;

const runId = randomBytes(4).toString("hex");
const databases = [];
const children = [];
const perRun = Math.ceil((MAX_TPS * SECONDS) / CONNECTIONS);
const workDir = mkdtempSync(join(tmpdir(), `concert-floor-${runId}-`));

try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  for (const child of children) await stopChild(child);
  for (const database of databases) {
    await withClient(ADMIN_DB_URL, (c) =>
      c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
    ).catch((error) => console.error(`could not drop ${database}: ${error.message}`));
  }
  rmSync(workDir, { recursive: true, force: true });
}

async function main() {
  console.log(
    `scan-floor bench ${runId}: ${CONNECTIONS} connections, ${RUNS} runs of ${SECONDS} s`,
  );
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

  const direct = await startServer("scan-server.mjs", {
    DATABASE_URL: connectionStringForSchema(directDb.url, "attendance"),
    POOL_SIZE: String(CONNECTIONS),
  });
  const hopTarget = await startServer("scan-server.mjs", {
    DATABASE_URL: connectionStringForSchema(hopDb.url, "attendance"),
    POOL_SIZE: String(CONNECTIONS),
  });
  const proxy = await startServer("proxy-server.mjs", { UPSTREAM: hopTarget.url });

  const rows = {
    pgbench: { name: "pgbench, the admission statement", runs: [] },
    direct: { name: "floor: node:http + pg, direct", runs: [] },
    hop: { name: "floor + one hop (bare proxy)", runs: [] },
  };
  const pids = new Map([
    [direct.pid, "server"],
    [hopTarget.pid, "server"],
    [proxy.pid, "proxy"],
  ]);
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
          admitted: result.admitted,
          p99: result.p99,
          answered: result.transactions,
        };
      }),
    );
    rows.direct.runs.push(await measured(pids, () => scanLoad(direct.url, directDb.url, first)));
    rows.hop.runs.push(await measured(pids, () => scanLoad(proxy.url, hopDb.url, first)));
    for (const row of Object.values(rows)) {
      const run = row.runs.at(-1);
      console.log(
        `${row.name} #${i + 1}: ${run.rate.toFixed(0)}/s, p99 ${run.p99.toFixed(2)} ms, ` +
          `${run.admitted} admitted; CPU µs/scan ${run.perScan}; cores ${run.cores}`,
      );
    }
  }
  const base = median(rows.pgbench.runs.map((r) => r.rate));
  const table = [["", "req/s | tps", "÷ pgbench", "p99 ms", "CPU µs/scan (median run)", "runs"]];
  for (const row of Object.values(rows)) {
    const rate = median(row.runs.map((r) => r.rate));
    const mid = [...row.runs].sort((a, b) => a.rate - b.rate)[Math.floor(row.runs.length / 2)];
    table.push([
      row.name,
      rate.toFixed(0),
      `${(rate / base).toFixed(2)}×`,
      median(row.runs.map((r) => r.p99)).toFixed(2),
      mid.perScan,
      row.runs.map((r) => r.rate.toFixed(0)).join(" "),
    ]);
  }
  printTable(table);
  console.log(
    `\n${CONNECTIONS} connections/clients. CPU µs/scan: CPU seconds of each group ÷ scans ` +
      "(pg = every Postgres process, load = autocannon or pgbench).",
  );
}

/** Runs `work` between two CPU snapshots; adds the CPU per scan of each group. */
async function measured(pids, work) {
  const before = cpuSnapshot(pids, ["server", "proxy"]);
  const result = await work();
  const cpu = cpuDelta(before, cpuSnapshot(pids, ["server", "proxy"]));
  const scans = result.answered;
  const perScan = ["server", "proxy", "postgres", "bench", "pgbench"]
    .filter((key) => cpu[key] > 0)
    .map((key) => `${key === "bench" ? "load" : key} ${Math.round((cpu[key] * 1e6) / scans)}`)
    .join(" ");
  return { ...result, perScan, cores: describeCpu(cpu) };
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
    admitted: (await count()) - before,
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
