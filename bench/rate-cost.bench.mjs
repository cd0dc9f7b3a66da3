#!/usr/bin/env node
// `npm run bench:rate`: what one operation costs this machine when the processes are kept busy,
// against when the same operation comes at a steady rate with gaps between. Nothing of ours runs:
//   pgbench SELECT 1      prepared, 16 clients: Postgres' and pgbench's CPU per transaction
//   node:http answer      a bare node:http server answering a scan-sized JSON body (autocannon,
//                         16 connections): the server's and autocannon's CPU per request
// each flat out and then at each of BENCH_RATES requests per second. Where a process sleeps between
// operations, waking it again costs CPU of its own; the ratio "at a rate ÷ flat out" is how much.
// The gate's goals are set at 16 connections, where the stack's processes wait on each other a
// good part of the time (docs/BENCHMARKS.md, "What an operation costs at a rate").
//
//   BENCH_RATES        steady rates to compare, comma-separated          default 1000,2000
//   BENCH_CONNECTIONS  connections (autocannon) = clients (pgbench)     default 16
//   BENCH_SECONDS      length of each measured run                      default 8
//   BENCH_RUNS         runs of each row (the median is reported)        default 3
//   BENCH_DATABASE_URL Postgres admin URL (pgbench runs in its database)
import { fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@concert/testing";
import { stopChild } from "../scripts/stop-child.mjs";
import { cpuDelta, cpuSnapshot, load } from "./lib/measure.mjs";
import { runPgbenchScript } from "./lib/pgbench.mjs";
import { median, positiveInt, printTable, runBench, sleep } from "./lib/util.mjs";

const env = process.env;
const CONNECTIONS = positiveInt(env.BENCH_CONNECTIONS, 16);
const SECONDS = positiveInt(env.BENCH_SECONDS, 8);
const RUNS = positiveInt(env.BENCH_RUNS, 3);
const RATES = (env.BENCH_RATES ?? "1000,2000").split(",").map((rate) => positiveInt(rate, 1000));
const ADMIN_DB_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const workDir = mkdtempSync(join(tmpdir(), "concert-rate-cost-"));
let server;
const LABEL = { postgres: "Postgres", pgbench: "pgbench", server: "server", bench: "client" };

await runBench(main, async () => {
  if (server) await stopChild(server);
  rmSync(workDir, { recursive: true, force: true });
});

async function main() {
  console.log(
    `rate-cost bench: ${CONNECTIONS} connections, flat out and at ${RATES.join(", ")}/s, ${RUNS} runs of ${SECONDS} s`,
  );
  const script = join(workDir, "select1.sql");
  writeFileSync(script, "SELECT 1;\n");
  const port = await freePort();
  server = fork(new URL("./floor/answer-server.mjs", import.meta.url), [], {
    env: { ...env, PORT: String(port) },
  });
  await new Promise((ready) => server.once("message", ready));
  const servicePids = new Map([[server.pid, "server"]]);
  const url = `http://127.0.0.1:${port}/api/scans/`;
  // Unmeasured: the server's JIT and autocannon warm up first.
  await load(answerLoad(url), 2);

  const rows = [];
  for (const rate of [undefined, ...RATES]) {
    const label = rate ? `at ${rate}/s` : "flat out";
    const pgbench = [];
    const http = [];
    for (let i = 0; i < RUNS; i++) {
      pgbench.push(
        await measured(servicePids, async () => {
          const result = await runPgbenchScript({
            url: ADMIN_DB_URL,
            searchPath: "public",
            script,
            variables: {},
            clients: CONNECTIONS,
            seconds: SECONDS,
            logDir: mkdtempSync(join(workDir, "pgbench-")),
            rate,
          });
          return result.transactions;
        }),
      );
      http.push(
        await measured(servicePids, async () => {
          if (rate) return pacedLoad(url, rate);
          const result = await load(answerLoad(url), SECONDS);
          return result.responses;
        }),
      );
    }
    rows.push(row(`pgbench SELECT 1, ${label}`, pgbench, ["postgres", "pgbench"]));
    rows.push(row(`node:http answer, ${label}`, http, ["server", "bench"]));
    console.log(`${label}: done`);
  }
  console.log();
  printTable([
    ["row", "ops/s", "CPU µs per op (median of runs)", "÷ flat out"],
    ...rows.map(({ name, rate, costs }) => [
      name,
      String(Math.round(rate)),
      costs.map(([group, micros]) => `${LABEL[group]} ${Math.round(micros)}`).join(", "),
      ratioToFlatOut(rows, name, costs),
    ]),
  ]);
  console.log(
    `\nCPU µs per op: CPU seconds of each process group ÷ operations answered (${CONNECTIONS} connections/clients). ` +
      "÷ flat out: the same process group's cost per op against its own flat-out row. " +
      "client: autocannon flat out, a paced node:http client at a rate (not compared).",
  );
}

/** A scan-sized POST, as the gate bench sends. */
function answerLoad(url) {
  return {
    url,
    method: "POST",
    connections: CONNECTIONS,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ qr_data: "x".repeat(180), scan_type: "entry_check", gate: "A" }),
  };
}

/**
 * `rate` requests a second for SECONDS, spread as pgbench's `-R` spreads transactions: each
 * connection waits an exponentially distributed time (mean CONNECTIONS ÷ rate seconds) before
 * each request. autocannon's own rate limit sends each tick's requests in one burst, so the
 * server would wake once per burst instead of once per request. Resolves the answers counted.
 */
async function pacedLoad(url, rate) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const { body, headers, method } = answerLoad(url);
  const post = () =>
    new Promise((resolve, reject) => {
      const request = httpRequest(url, { agent, method, headers }, (response) => {
        response.resume();
        response.once("end", resolve);
      });
      request.once("error", reject);
      request.end(body);
    });
  const until = performance.now() + SECONDS * 1000;
  const meanMs = (CONNECTIONS * 1000) / rate;
  let answered = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (;;) {
        await sleep(-Math.log(1 - Math.random()) * meanMs);
        if (performance.now() >= until) return;
        await post();
        answered++;
      }
    }),
  );
  agent.destroy();
  return answered;
}

/** Runs `work` (which resolves the operations it completed) and the CPU of each group meanwhile. */
async function measured(servicePids, work) {
  const before = cpuSnapshot(servicePids);
  const started = performance.now();
  const ops = await work();
  const seconds = (performance.now() - started) / 1000;
  const delta = cpuDelta(before, cpuSnapshot(servicePids));
  return { ops, seconds, delta };
}

function row(name, runs, groups) {
  return {
    name,
    rate: median(runs.map((run) => run.ops / run.seconds)),
    costs: groups.map((group) => [
      group,
      median(runs.map((run) => (run.delta[group] * 1e6) / Math.max(1, run.ops))),
    ]),
  };
}

function ratioToFlatOut(rows, name, costs) {
  const flat = rows.find((other) => other.name === `${name.split(",")[0]}, flat out`);
  if (!flat || flat.name === name) return "1.00×";
  // The HTTP rows' client is autocannon flat out and the paced client of this file at a rate:
  // not the same program, so only the server is compared.
  return costs
    .filter(([group]) => group !== "bench")
    .map(([group, micros]) => {
      const own = flat.costs.find(([other]) => other === group)[1];
      return `${LABEL[group]} ${(micros / own).toFixed(2)}×`;
    })
    .join(", ");
}
