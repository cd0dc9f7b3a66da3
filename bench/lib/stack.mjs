// The stack as a benchmark runs it: every service its own `node dist/main.js` process (as
// `npm start` runs them) on a database and a NATS subject prefix of its own, stopped and dropped
// on failure and on Ctrl-C too. Shared by the benchmarks that start the stack.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, withClient, withDatabase } from "@concert/testing";
import { ALLOCATOR_ENV } from "../../scripts/allocator-env.mjs";
import { stopChild } from "../../scripts/stop-child.mjs";
import { loopProbe } from "./loop-probe.mjs";
import { sleep } from "./util.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export class BenchStack {
  /**
   * @param {{ adminDbUrl: string, natsUrl: string, logLevel?: string, prefix?: string }} options
   */
  constructor({ adminDbUrl, natsUrl, logLevel = "warn", prefix = "bench" }) {
    this.runId = randomBytes(4).toString("hex");
    this.adminDbUrl = adminDbUrl;
    this.workDir = mkdtempSync(join(tmpdir(), `concert-${prefix}-${this.runId}-`));
    this.database = `${prefix}_stack_${this.runId}`;
    this.databaseUrl = withDatabase(adminDbUrl, this.database);
    /** Databases dropped at cleanup besides the stack's (e.g. pgbench's). */
    this.extraDatabases = [];
    this.children = new Map();
    this.ports = {};
    /** name → directory: a service started while named here runs with --cpu-prof. */
    this.profileDirs = new Map();
    const probe = loopProbe();
    /** Node options every service starts with (e.g. `--perf-basic-prof-only-functions`). */
    this.nodeOptions = [...probe.nodeOptions];
    this.common = {
      ENV: "development",
      HOST: "127.0.0.1",
      DATABASE_URL: this.databaseUrl,
      NATS_URL: natsUrl,
      NATS_SUBJECT_PREFIX: `${prefix}${this.runId}.`,
      DEV_KEYS_DIR: join(this.workDir, "keys"),
      LOG_LEVEL: logLevel,
      // As `npm start` runs them, so the idle memory read here is what we ship.
      ...ALLOCATOR_ENV,
      // A setting to try without a rebuild: BENCH_SERVICE_ENV="OUTBOX_PASS_SPACING_MS=20,...".
      ...serviceEnvFrom(process.env.BENCH_SERVICE_ENV),
      ...probe.env,
    };
  }

  async createDatabase() {
    await withClient(this.adminDbUrl, (c) => c.query(`CREATE DATABASE "${this.database}"`));
  }

  /** Ports for every service named, chosen free before any starts. */
  async choosePorts(names) {
    for (const name of names) this.ports[name] = await freePort();
  }

  url(name) {
    return `http://127.0.0.1:${this.ports[name]}`;
  }

  /**
   * The gateway's upstreams: the services of this stack, each with its replicas (named
   * `<service>#2`, `#3`…, see `start`); others point at a closed port.
   */
  gatewayEnv() {
    const upstream = (name) => {
      const replicas = Object.keys(this.ports).filter((key) => serviceOf(key) === name);
      return replicas.length > 0
        ? replicas.map((key) => this.url(key)).join(",")
        : "http://127.0.0.1:9";
    };
    return {
      ...this.common,
      IDENTITY_URLS: upstream("identity"),
      CATALOG_URLS: upstream("catalog"),
      TICKETING_URLS: upstream("ticketing"),
      ATTENDANCE_URLS: upstream("attendance"),
      REFUNDS_URLS: upstream("refunds"),
      TRANSFERS_URLS: upstream("transfers"),
    };
  }

  /** Starts a service; `<service>#2` (#3…) starts another replica of it on a port of its own. */
  async start(name, serviceEnv = this.common) {
    const logFile = join(this.workDir, `${name}.log`);
    const out = createWriteStream(logFile, { flags: "a" });
    const profileDir = this.profileDirs.get(name);
    const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
    const child = spawn(process.execPath, [...this.nodeOptions, ...profile, "dist/main.js"], {
      cwd: join(root, "services", serviceOf(name)),
      env: { PATH: process.env.PATH, ...serviceEnv, PORT: String(this.ports[name]) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    this.children.set(name, { child, logFile });
    const url = `${this.url(name)}/readyz`;
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

  async stop(name) {
    const entry = this.children.get(name);
    if (!entry) return;
    this.children.delete(name);
    await stopChild(entry.child);
  }

  /** pid → service name (replicas under their service's), for the CPU accounting. */
  pids() {
    return new Map([...this.children].map(([name, { child }]) => [child.pid, serviceOf(name)]));
  }

  printLogs() {
    for (const [name, { logFile }] of this.children) {
      try {
        const text = readFileSync(logFile, "utf8").trim();
        if (text)
          console.error(`--- ${name} (last lines) ---\n${text.split("\n").slice(-15).join("\n")}`);
      } catch {
        // no log
      }
    }
  }

  /** Stops every service (the gateway first, as `npm start` does) and drops the databases. */
  cleanup() {
    this.cleaningUp ??= (async () => {
      for (const name of [...this.children.keys()].reverse()) await this.stop(name);
      for (const database of [this.database, ...this.extraDatabases]) {
        await withClient(this.adminDbUrl, (c) =>
          c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
        ).catch((error) => console.error(`could not drop ${database}: ${error.message}`));
      }
      rmSync(this.workDir, { recursive: true, force: true });
    })();
    return this.cleaningUp;
  }
}

/** `NAME=value,NAME=value` → the variables every service of the bench gets. */
export function serviceEnvFrom(text) {
  if (!text) return {};
  return Object.fromEntries(
    text.split(",").map((pair) => {
      const at = pair.indexOf("=");
      if (at <= 0) throw new Error(`BENCH_SERVICE_ENV: "${pair}" is not NAME=value`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    }),
  );
}

/** The service a process name runs: `attendance#2` is a replica of `attendance`. */
export const serviceOf = (name) => name.split("#")[0];
