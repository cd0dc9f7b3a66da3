#!/usr/bin/env node
// Attendance's CPU per scan at a fixed request rate: attendance alone (its build, `dist/main.js`),
// its read model seeded by SQL (no other service runs), entry scans of fresh sold tickets sent
// straight to it by autocannon at `-R` requests per second. CPU is the process' utime + stime
// from /proc over the measured run, so the number does not depend on how busy the machine is
// (as throughput does). See docs/BENCHMARKS.md.
//
//   ATT_RATE         requests per second (autocannon -R)                 default 500
//   ATT_SECONDS      measured seconds                                     default 10
//   ATT_CONNECTIONS  autocannon connections                               default 16
//   ATT_RUNS         measured runs (each with fresh codes), median shown  default 3
//   ATT_STRACE=1     count syscalls of the process during each run (strace -c -f)
//   ATT_PROFILE=dir  run attendance with --cpu-prof into dir and print its hot spots
//   ATT_PERF=file    record the process with `perf record -e cpu-clock -g` during the runs (kernel
//                    stacks: what a socket write costs); read it with `perf report -i file`, with
//                    ATT_NODE_ARGS=--perf-basic-prof so JavaScript frames have names
//   ATT_NO_DIGEST=1  seed the read model without code digests (tickets issued before ticketing
//                    published them): every scan then checks its code's signature
//   ATT_NODE_ARGS    extra node options for attendance (space-separated)
//   ATT_MAIN         the entry point to run instead of services/attendance/dist/main.js: a copy of
//                    another build, to run before and after side by side, at the same time
//   ATT_DATABASE_URL Postgres admin URL (a database per run is created and dropped)
//   ATT_NATS_URL     NATS (a subject prefix per run keeps it apart)
import { spawn } from "node:child_process";
import { createPrivateKey, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { signAccessToken } from "@concert/service-kit";
import { freePort, withClient, withDatabase } from "@concert/testing";
import { newTicketNumber, signTicketCode, ticketCodeDigest } from "@concert/ticket-codes";
import autocannon from "autocannon";
import { printProfile } from "./lib/measure.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;
const RATE = Number(env.ATT_RATE ?? 500);
const SECONDS = Number(env.ATT_SECONDS ?? 10);
const CONNECTIONS = Number(env.ATT_CONNECTIONS ?? 16);
const RUNS = Number(env.ATT_RUNS ?? 3);
const STRACE = env.ATT_STRACE === "1";
const NO_DIGEST = env.ATT_NO_DIGEST === "1";
const PROFILE_DIR = env.ATT_PROFILE ? resolve(env.ATT_PROFILE) : undefined;
const PERF_FILE = env.ATT_PERF ? resolve(env.ATT_PERF) : undefined;
const ADMIN_DB_URL = env.ATT_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_URL = env.ATT_NATS_URL ?? "nats://127.0.0.1:4222";
const WARMUP = 2_000;
const PER_RUN = Math.ceil(RATE * SECONDS * 1.1);
const CLOCK_TICK_US = 10_000; // getconf CLK_TCK = 100

const runId = randomBytes(4).toString("hex");
const workDir = mkdtempSync(join(tmpdir(), `attendance-cpu-${runId}-`));
const database = `bench_attcpu_${runId}`;
const dbUrl = withDatabase(ADMIN_DB_URL, database);
let child;

try {
  await main();
} finally {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
  await withClient(ADMIN_DB_URL, (c) =>
    c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  );
  rmSync(workDir, { recursive: true, force: true });
}

async function main() {
  await withClient(ADMIN_DB_URL, (c) => c.query(`CREATE DATABASE "${database}"`));
  const port = await freePort();
  const keysDir = join(workDir, "keys");
  const args = [
    ...(env.ATT_NODE_ARGS ? env.ATT_NODE_ARGS.split(" ") : []),
    ...(PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : []),
    env.ATT_MAIN ? resolve(env.ATT_MAIN) : join(root, "services/attendance/dist/main.js"),
  ];
  child = spawn(process.execPath, args, {
    env: {
      ...env,
      ENV: "development",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: dbUrl,
      NATS_URL,
      NATS_SUBJECT_PREFIX: `attcpu${runId}.`,
      DEV_KEYS_DIR: keysDir,
      LOG_LEVEL: env.ATT_LOG_LEVEL ?? "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${base}/healthz`)).ok, 60_000);

  // The read model as ticketing's snapshots would leave it: one concert with open doors.
  const concertId = randomUUID();
  const total = WARMUP + PER_RUN * RUNS;
  const tickets = Array.from({ length: total }, () => ({
    ticketId: randomUUID(),
    concertId,
    ticketNumber: newTicketNumber(),
    codeVersion: 1,
  }));
  const codeKey = createPrivateKey(readFileSync(join(keysDir, "ticket-code-ed25519.private.pem")));
  const codes = tickets.map((t) => signTicketCode(codeKey, t));
  // As ticketing publishes them (TicketSnapshot.code_digest), unless told to leave them out.
  const digests = codes.map((code) => (NO_DIGEST ? null : ticketCodeDigest(code)));
  await withClient(dbUrl, async (c) => {
    await c.query(
      `INSERT INTO attendance.gate_concerts (concert_id, name, starts_at, status, version)
       VALUES ($1, 'CPU bench', now() + interval '1 hour', 'scheduled', 1)`,
      [concertId],
    );
    await c.query(
      `INSERT INTO attendance.gate_tickets
              (ticket_id, concert_id, ticket_number, status, code_version, code_digest, revision)
       SELECT t.id, $2, t.no, 'sold', 1, t.digest, 1
         FROM unnest($1::uuid[], $3::text[], $4::text[]) AS t(id, no, digest)`,
      [tickets.map((t) => t.ticketId), concertId, tickets.map((t) => t.ticketNumber), digests],
    );
    await c.query("VACUUM ANALYZE attendance.gate_tickets");
  });
  const token = signAccessToken(
    { algorithm: "RS256", key: createPrivateKey(readFileSync(join(keysDir, "rs256.private.pem"))) },
    { userId: randomUUID(), email: "scanner@example.com", role: "scanner", accessVersion: 1 },
    3_600,
  );

  const warm = await scanLoad(base, token, codes.splice(0, WARMUP), { rate: 0, seconds: 30 });
  log(`warm-up: ${warm.admitted} admitted, ${warm.bad} not`);
  const results = [];
  for (let run = 1; run <= RUNS; run++) {
    const strace = STRACE ? startStrace(child.pid, join(workDir, `strace-${run}.txt`)) : undefined;
    const perf = PERF_FILE
      ? spawn(
          "perf",
          ["record", "-e", "cpu-clock", "-g", "-p", String(child.pid), "-o", `${PERF_FILE}.${run}`],
          { stdio: "ignore" },
        )
      : undefined;
    if (strace || perf) await sleep(500);
    const before = cpuTicks(child.pid);
    const result = await scanLoad(base, token, codes.splice(0, PER_RUN), {
      rate: RATE,
      seconds: SECONDS,
    });
    const ticks = cpuTicks(child.pid) - before;
    const syscalls = strace ? await stopStrace(strace) : undefined;
    if (perf) {
      perf.kill("SIGINT");
      await new Promise((r) => perf.once("exit", r));
    }
    const requests = result.admitted + result.bad;
    const row = {
      requests,
      rate: requests / result.duration,
      cpuUs: (ticks * CLOCK_TICK_US) / requests,
      p50: result.p50,
      p99: result.p99,
      bad: result.bad,
      syscalls,
    };
    results.push(row);
    log(
      `run ${run}: ${requests} scans (${row.rate.toFixed(0)}/s), ${row.bad} not admitted, ` +
        `CPU ${row.cpuUs.toFixed(0)} µs/scan, p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms` +
        (syscalls ? `\n  syscalls per scan: ${describeSyscalls(syscalls, requests)}` : ""),
    );
  }
  const median = (key) => results.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  console.log(
    `\nattendance at ${RATE} req/s, ${CONNECTIONS} connections, ${SECONDS} s × ${RUNS}: ` +
      `median CPU ${median("cpuUs").toFixed(0)} µs per scan, p50 ${median("p50").toFixed(2)} ms, ` +
      `p99 ${median("p99").toFixed(2)} ms`,
  );
  if (results.some((r) => r.bad > 0)) {
    console.log("SOME SCANS WERE NOT ADMITTED");
    process.exitCode = 1;
  }
  if (PROFILE_DIR) {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    printProfile("attendance", PROFILE_DIR);
  }
}

function scanLoad(url, token, codes, { rate, seconds }) {
  let next = 0;
  let admitted = 0;
  let bad = 0;
  const latencies = [];
  const statuses = {};
  return new Promise((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        amount: codes.length,
        duration: seconds,
        ...(rate > 0 && { overallRate: rate }),
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        requests: [
          {
            method: "POST",
            path: "/api/scans/",
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({ qr_data: codes[next++], scan_type: "entry_check", gate: "A" }),
            }),
            onResponse: (status, body) => {
              if (status === 200 && body.includes('"result":"admitted"')) admitted++;
              else {
                bad++;
                const key = `${status} ${body.slice(0, 120)}`;
                statuses[key] = (statuses[key] ?? 0) + 1;
              }
            },
          },
        ],
      },
      (error, run) => {
        if (error) return reject(error);
        if (bad > 0) log(`not admitted: ${JSON.stringify(statuses)}`);
        latencies.sort((a, b) => a - b);
        const pct = (p) =>
          latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
        resolvePromise({ admitted, bad, duration: run.duration, p50: pct(0.5), p99: pct(0.99) });
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTime) =>
      latencies.push(responseTime),
    );
  });
}

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

function startStrace(pid, file) {
  const proc = spawn("strace", ["-c", "-f", "-p", String(pid), "-o", file], { stdio: "ignore" });
  return { proc, file };
}

async function stopStrace({ proc, file }) {
  proc.kill("SIGINT");
  await new Promise((r) => proc.once("exit", r));
  const counts = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/.exec(line);
    if (m && m[2] !== "total") counts[m[2]] = Number(m[1]);
  }
  return counts;
}

function describeSyscalls(counts, requests) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const top = Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, n]) => `${name} ${(n / requests).toFixed(2)}`);
  return `${(total / requests).toFixed(1)} total; ${top.join(", ")}`;
}

async function until(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {}
    if (Date.now() > deadline) throw new Error("attendance did not start");
    await sleep(200);
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function log(message) {
  console.log(`[attendance-cpu] ${message}`);
}
