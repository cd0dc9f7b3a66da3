#!/usr/bin/env node
// Idle memory of every service, as `npm start` runs them (`node dist/main.js`): each is started on
// a fresh database, left alone MEASURE_SETTLE_SECONDS after /readyz, then its RSS is read from
// /proc and its own process.memoryUsage() (after a full GC) is asked for over an IPC channel.
// Run `npx turbo run build` first. See docs/BENCHMARKS.md, "Idle memory".
//
//   MEASURE_SETTLE_SECONDS  wait after /readyz before reading                        default 5
//   MEASURE_NODE_FLAGS      extra node flags for every service, e.g. "--max-semi-space-size=2"
//   MEASURE_SERVICES        comma-separated subset, e.g. "attendance,gateway"
//   MEASURE_DATABASE_URL    Postgres admin URL (a database per run is created and dropped)
//   MEASURE_SMAPS=n         also print each service's n largest mappings by RSS (/proc/<pid>/smaps)
//
// The services start one after the other, so each reading is the service alone on the CPU.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, withClient, withDatabase } from "@concert/testing";
import { stopChild } from "./stop-child.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;
const SETTLE_MS = Number(env.MEASURE_SETTLE_SECONDS ?? 5) * 1000;
const NODE_FLAGS = (env.MEASURE_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
const ADMIN_DB_URL = env.MEASURE_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SMAPS = Number(env.MEASURE_SMAPS ?? 0);
const ALL = ["identity", "catalog", "ticketing", "attendance", "refunds", "transfers", "gateway"];
const SERVICES = (env.MEASURE_SERVICES?.split(",") ?? ALL).filter((name) =>
  existsSync(join(root, "services", name, "dist", "main.js")),
);
/** Loaded into every service before its main: answers "memory" with process.memoryUsage(). */
const PROBE = `data:text/javascript,${encodeURIComponent(`
  import v8 from "node:v8";
  process.channel?.unref();
  process.on("message", (m) => {
    if (m !== "memory") return;
    // Twice: V8 shrinks the young generation only at the GC after the one that emptied it.
    globalThis.gc?.();
    globalThis.gc?.();
    process.send({ usage: process.memoryUsage(), code: v8.getHeapCodeStatistics() });
  });
`)}`;

const runId = randomBytes(4).toString("hex");
const workDir = mkdtempSync(join(tmpdir(), `concert-memory-${runId}-`));
const database = `memory_${runId}`;
const ports = Object.fromEntries(await Promise.all(ALL.map(async (n) => [n, await freePort()])));
const common = {
  PATH: env.PATH,
  // glibc's allocator tuning, passed through to compare (e.g. MALLOC_ARENA_MAX=2).
  ...Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith("MALLOC_"))),
  ENV: "development",
  HOST: "127.0.0.1",
  DATABASE_URL: withDatabase(ADMIN_DB_URL, database),
  NATS_URL: env.MEASURE_NATS_URL ?? "nats://127.0.0.1:4222",
  NATS_SUBJECT_PREFIX: `memory${runId}.`,
  DEV_KEYS_DIR: join(workDir, "keys"),
  LOG_LEVEL: "warn",
  ADMIN_EMAIL: "memory-admin@example.com",
  ADMIN_PASSWORD: "memory-admin-password",
  ...Object.fromEntries(
    ALL.filter((n) => n !== "gateway").map((n) => [
      `${n.toUpperCase()}_URLS`,
      `http://127.0.0.1:${ports[n]}`,
    ]),
  ),
};

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const rows = [];
const children = [];
try {
  await withClient(ADMIN_DB_URL, (c) => c.query(`CREATE DATABASE "${database}"`));
  for (const name of SERVICES) rows.push(await measure(name));
} finally {
  for (const child of children.reverse()) await stopChild(child);
  await withClient(ADMIN_DB_URL, (c) =>
    c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  ).catch((error) => console.error(`could not drop ${database}: ${error.message}`));
  rmSync(workDir, { recursive: true, force: true });
}

console.log(
  `\nidle memory ${SETTLE_MS / 1000} s after /readyz${NODE_FLAGS.length ? ` (${NODE_FLAGS.join(" ")})` : ""}, MB`,
);
console.log(
  "| service | RSS | RssAnon | RssFile | RSS after GC | heap used (after GC) | heap total | external | arrayBuffers | code+metadata |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${mb(r.rss)} | ${mb(r.rssAnon)} | ${mb(r.rssFile)} | ${mb(r.usage.rss)} | ${mb(r.usage.heapUsed)} | ${mb(r.usage.heapTotal)} | ${mb(r.usage.external)} | ${mb(r.usage.arrayBuffers)} | ${mb(r.code.code_and_metadata_size + r.code.bytecode_and_metadata_size)} |`,
  );
}

async function measure(name) {
  const out = createWriteStream(join(workDir, `${name}.log`));
  const child = spawn(
    process.execPath,
    ["--expose-gc", "--import", PROBE, ...NODE_FLAGS, "dist/main.js"],
    {
      cwd: join(root, "services", name),
      env: { ...common, PORT: String(ports[name]) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    },
  );
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  children.push(child);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `${name} exited (${child.exitCode}):\n${readFileSync(join(workDir, `${name}.log`), "utf8")}`,
      );
    }
    if (Date.now() > deadline) throw new Error(`${name} was not ready within 120 s`);
    try {
      if ((await fetch(`http://127.0.0.1:${ports[name]}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await sleep(SETTLE_MS);
  // Read before asking for a GC: the RSS is what the service holds when left alone.
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const kb = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+)`, "m"))?.[1]) * 1024;
  const answer = new Promise((resolve) => child.once("message", resolve));
  child.send("memory");
  const { usage, code } = await answer;
  const row = {
    name,
    rss: kb("VmRSS"),
    rssAnon: kb("RssAnon"),
    rssFile: kb("RssFile"),
    usage,
    code,
  };
  console.log(`${name}: RSS ${mb(row.rss)} MB`);
  if (SMAPS) printLargestMappings(child.pid, SMAPS);
  return row;
}

function printLargestMappings(pid, count) {
  const mappings = [];
  let current;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const header = line.match(/^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/);
    if (header) {
      current = { perms: header[1], path: header[2] || "[anon]", rss: 0, size: 0 };
      mappings.push(current);
    } else if (line.startsWith("Rss:")) current.rss = Number(line.split(/\s+/)[1]) * 1024;
    else if (line.startsWith("Size:")) current.size = Number(line.split(/\s+/)[1]) * 1024;
  }
  mappings.sort((a, b) => b.rss - a.rss);
  for (const m of mappings.slice(0, count)) {
    console.log(
      `  ${mb(m.rss).padStart(7)} MB rss of ${mb(m.size).padStart(8)} MB  ${m.perms} ${m.path}`,
    );
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
