#!/usr/bin/env node
// The gateway's own cost per proxied request, without a database: the built gateway
// (services/gateway/dist/main.js) in front of a trivial upstream that answers every scan at once,
// autocannon at a fixed rate, and the CPU both processes used (utime + stime from /proc) divided by
// the requests answered. See docs/BENCHMARKS.md ("Gateway hop").
//
//   HOP_RATE        requests per second (autocannon -R)          default 1000
//   HOP_SECONDS     measured seconds                              default 10
//   HOP_CONNECTIONS connections                                   default 16
//   HOP_PROFILE=dir run the gateway with --cpu-prof into dir
//   HOP_STRACE=1    count the gateway's syscalls (strace -c -f) during the measured run
//   HOP_GATEWAY_DIR the gateway package to run (dist/main.js), e.g. an older build to compare
//   BENCH_SERVICE_ENV="NAME=value,..." settings for the gateway, e.g. UPSTREAM_PIPELINING=1
//   HOP_UPSTREAM_DELAY_MS  the upstream answers each request this much later (a service's own
//                   latency: attendance's claim, ticketing's sale)                default 0
//   HOP_BARE=1      run the floor's bare proxy (bench/floor/proxy-server.mjs: node:http in, undici
//                   out, no token, no headers) in the gateway's place, pipelining as the gateway's
//                   UPSTREAM_PIPELINING (16): what any Node proxy costs on this machine
//   HOP_BARE=headers  the same bare proxy carrying the headers the gateway carries (the client's
//                   with the token, a request id and X-Forwarded-For; the upstream's back with
//                   helmet's): the floor of a proxy that forwards what the services need
//   HOP_BARE=h2     the same bare proxy forwarding over cleartext HTTP/2 (proxy-server-h2.mjs, on
//                   HOP_H2_SESSIONS connections, default 1) to an upstream that speaks HTTP/2
//
// Needs NATS on 127.0.0.1:4222 (every service follows access revocations); no Postgres.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { signAccessToken } from "@concert/service-kit";
import { freePort } from "@concert/testing";
import autocannon from "autocannon";
import { serviceEnvFrom } from "./lib/stack.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;
const RATE = Number(env.HOP_RATE ?? 1000);
const SECONDS = Number(env.HOP_SECONDS ?? 10);
const CONNECTIONS = Number(env.HOP_CONNECTIONS ?? 16);
const PROFILE_DIR = env.HOP_PROFILE ? resolve(env.HOP_PROFILE) : undefined;
const H2 = env.HOP_BARE === "h2";
const BARE = env.HOP_BARE === "1" || env.HOP_BARE === "headers" || H2;
const PROXY = H2
  ? "bare proxy over HTTP/2"
  : env.HOP_BARE === "headers"
    ? "bare proxy with the gateway's headers"
    : BARE
      ? "bare proxy"
      : "gateway";
const runId = randomBytes(4).toString("hex");
const workDir = mkdtempSync(join(tmpdir(), `concert-hop-${runId}-`));
const children = [];
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU in 1/100 s

// What attendance answers to an admitted scan, roughly: the upstream's own cost stays negligible.
const UPSTREAM = `
const http = require("node:http");
const body = JSON.stringify({ result: "admitted", ticket_id: "00000000-0000-4000-8000-000000000001",
  scan_id: "00000000-0000-4000-9000-000000000001", scanned_at: "2026-11-28T10:00:00.000Z", gate: "A" });
const delay = Number(process.env.DELAY_MS);
const answer = (res) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
};
http.createServer((req, res) => {
  req.resume();
  req.on("end", () => (delay > 0 ? setTimeout(answer, delay, res) : answer(res)));
}).listen(Number(process.env.PORT), "127.0.0.1");`;

// The same upstream on cleartext HTTP/2, answering each stream as it ends (HOP_BARE=h2).
const UPSTREAM_H2 = `
const http2 = require("node:http2");
const body = JSON.stringify({ result: "admitted", ticket_id: "00000000-0000-4000-8000-000000000001",
  scan_id: "00000000-0000-4000-9000-000000000001", scanned_at: "2026-11-28T10:00:00.000Z", gate: "A" });
const delay = Number(process.env.DELAY_MS);
const answer = (stream) => {
  if (stream.destroyed) return;
  stream.respond({ ":status": 200, "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  stream.end(body);
};
http2.createServer().on("stream", (stream) => {
  stream.resume();
  stream.on("end", () => (delay > 0 ? setTimeout(answer, delay, stream) : answer(stream)));
}).listen(Number(process.env.PORT), "127.0.0.1");`;

try {
  await main();
} finally {
  await Promise.all(
    children.map((child) =>
      child.exitCode === null
        ? new Promise((done) => {
            child.once("exit", done);
            child.kill("SIGTERM");
          })
        : undefined,
    ),
  );
  rmSync(workDir, { recursive: true, force: true });
}

async function main() {
  const upstreamPort = await freePort();
  const gatewayPort = await freePort();
  const upstream = spawn(process.execPath, ["-e", H2 ? UPSTREAM_H2 : UPSTREAM], {
    env: { PORT: String(upstreamPort), DELAY_MS: String(Number(env.HOP_UPSTREAM_DELAY_MS ?? 0)) },
    stdio: "inherit",
  });
  children.push(upstream);
  const keysDir = join(workDir, "keys");
  const profile = PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const gatewayEnv = serviceEnvFrom(env.BENCH_SERVICE_ENV);
  const gateway = BARE
    ? spawn(
        process.execPath,
        [...profile, join(root, "bench", "floor", H2 ? "proxy-server-h2.mjs" : "proxy-server.mjs")],
        {
          env: {
            PATH: env.PATH,
            PORT: String(gatewayPort),
            UPSTREAM: `http://127.0.0.1:${upstreamPort}`,
            PIPELINING: gatewayEnv.UPSTREAM_PIPELINING ?? "16",
            SESSIONS: env.HOP_H2_SESSIONS ?? "1",
            HEADERS: env.HOP_BARE === "headers" ? "1" : "0",
          },
          stdio: "inherit",
        },
      )
    : spawn(process.execPath, [...profile, "dist/main.js"], {
        cwd: env.HOP_GATEWAY_DIR ? resolve(env.HOP_GATEWAY_DIR) : join(root, "services", "gateway"),
        env: {
          PATH: env.PATH,
          ENV: "development",
          LOG_LEVEL: "warn",
          PORT: String(gatewayPort),
          NATS_URL: env.HOP_NATS_URL ?? "nats://127.0.0.1:4222",
          NATS_SUBJECT_PREFIX: `hop${runId}.`,
          DEV_KEYS_DIR: keysDir,
          ATTENDANCE_URLS: `http://127.0.0.1:${upstreamPort}`,
          ...gatewayEnv,
        },
        stdio: "inherit",
      });
  children.push(gateway);
  await waitReady(`http://127.0.0.1:${gatewayPort}/readyz`);

  const { createPrivateKey, generateKeyPairSync } = await import("node:crypto");
  const signing = {
    algorithm: "RS256",
    // The bare proxy checks no token, so it wrote no keys: any key gives a token of the same size.
    key: BARE
      ? generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
      : createPrivateKey(readFileSync(join(keysDir, "rs256.private.pem"))),
  };
  const token = signAccessToken(
    signing,
    {
      userId: "00000000-0000-4000-8000-0000000000aa",
      email: "scanner@example.com",
      role: "scanner",
      accessVersion: 1,
    },
    3600,
  );
  const request = {
    url: `http://127.0.0.1:${gatewayPort}/api/scans/`,
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ qr_data: "x".repeat(180), scan_type: "entry_check", gate: "A" }),
  };
  await run({ ...request, amount: 2_000, connections: CONNECTIONS }); // warm-up

  const strace =
    env.HOP_STRACE === "1"
      ? spawn("strace", ["-c", "-f", "-p", String(gateway.pid)], {
          stdio: ["ignore", "ignore", "pipe"],
        })
      : undefined;
  let straceOut = "";
  strace?.stderr.on("data", (chunk) => {
    straceOut += chunk;
  });
  if (strace) await sleep(500);
  const rssBefore = rssMb(gateway.pid);
  const before = [cpu(gateway.pid), cpu(upstream.pid)];
  const switchesBefore = [contextSwitches(gateway.pid), contextSwitches(upstream.pid)];
  const result = await run({
    ...request,
    duration: SECONDS,
    connections: CONNECTIONS,
    ...(RATE > 0 && { overallRate: RATE }),
  });
  const after = [cpu(gateway.pid), cpu(upstream.pid)];
  const switchesAfter = [contextSwitches(gateway.pid), contextSwitches(upstream.pid)];
  if (strace) {
    strace.kill("SIGINT");
    await new Promise((done) => strace.once("exit", done));
  }
  const answered = result.requests.total;
  const ok = result["2xx"];
  const perRequest = (i) => ((after[i] - before[i]) / TICKS / answered) * 1e6;
  const switchesPerRequest = (i) => ((switchesAfter[i] - switchesBefore[i]) / answered).toFixed(2);
  console.log(
    `${PROXY} hop: ${CONNECTIONS} connections, rate ${RATE || "max"}, ${SECONDS} s: ` +
      `${answered} answered (${ok} 2xx, ${result.non2xx} other, ${result.errors} errors), ` +
      `${(answered / SECONDS).toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
  );
  console.log(
    `CPU per request: ${PROXY} ${perRequest(0).toFixed(0)} µs, upstream ${perRequest(1).toFixed(0)} µs; ` +
      `times each fell asleep (voluntary context switches) per request: ` +
      `${switchesPerRequest(0)}, ${switchesPerRequest(1)}`,
  );
  console.log(
    `${PROXY} RSS: ${rssBefore} MB after the warm-up, ${rssMb(gateway.pid)} MB after the run`,
  );
  if (strace) {
    const calls = [...straceOut.matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/gm)]
      .map(([, count, name]) => [name, Number(count)])
      .sort((a, b) => b[1] - a[1]);
    const total = calls
      .filter(([name]) => name !== "total")
      .reduce((sum, [, count]) => sum + count, 0);
    console.log(
      `syscalls per request: ${(total / answered).toFixed(1)} (` +
        calls
          .filter(([name]) => name !== "total")
          .slice(0, 8)
          .map(([name, count]) => `${name} ${(count / answered).toFixed(2)}`)
          .join(", ") +
        ")",
    );
  }
  if (ok !== answered) process.exitCode = 1;
}

function run(options) {
  return new Promise((done, fail) => {
    autocannon(options, (error, result) => (error ? fail(error) : done(result)));
  });
}

/** How often the process (every thread of it) gave up its core to wait: each is a wake-up later. */
function contextSwitches(pid) {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const status = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
    total += Number(status.match(/^voluntary_ctxt_switches:\s+(\d+)/m)?.[1] ?? 0);
  }
  return total;
}

/** Resident memory: what the optimizing compiler keeps is seen here, not in CPU. */
function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return (Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]) / 1024).toFixed(0);
}

function cpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

async function waitReady(url) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${url} was not ready within 60 s`);
}

function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}
