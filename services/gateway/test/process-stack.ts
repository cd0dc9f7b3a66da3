import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  freePort,
  startNatsServerProcess,
  type TestInfra,
  testEnv,
  withClient,
} from "@concert/testing";
import { ADMIN } from "./stack.js";

const servicesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Started in this order; the gateway last, wired to the others by URL. */
const BACKENDS = [
  "identity",
  "catalog",
  "ticketing",
  "attendance",
  "refunds",
  "transfers",
] as const;
export type ProcessName = (typeof BACKENDS)[number] | "gateway";

/** The last output kept per process, printed when one fails to start. */
const LOG_TAIL = 20_000;

/**
 * Every service as its own OS process from its build (`node dist/main.js`, as `npm start` runs
 * them), on a broker of the stack's own (a private nats-server), so a test can SIGKILL any
 * service, or stop the broker, and start it again on the same port mid-saga.
 */
export async function startProcessStack(infra: TestInfra) {
  const nats = await startNatsServerProcess();
  const ports = {} as Record<ProcessName, number>;
  for (const name of [...BACKENDS, "gateway"] as const) ports[name] = await freePort();
  const base = (name: ProcessName) => `http://127.0.0.1:${ports[name]}`;
  const common = testEnv(infra, { NATS_URL: nats.url });
  const envOf: Record<ProcessName, Record<string, string>> = {
    identity: {
      ...common,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_ROUNDS: "4",
    },
    catalog: common,
    ticketing: common,
    attendance: common,
    refunds: common,
    transfers: common,
    gateway: {
      ...common,
      IDENTITY_URLS: base("identity"),
      CATALOG_URLS: base("catalog"),
      TICKETING_URLS: base("ticketing"),
      ATTENDANCE_URLS: base("attendance"),
      REFUNDS_URLS: base("refunds"),
      TRANSFERS_URLS: base("transfers"),
      UPSTREAM_TIMEOUT_MS: "5000",
    },
  };
  const running = new Map<ProcessName, ChildProcess>();
  const logs = new Map<ProcessName, string>();

  /** Starts the service's process and resolves once its `/readyz` answers 200. */
  async function start(name: ProcessName): Promise<void> {
    if (running.has(name)) throw new Error(`${name} is already running`);
    const child = spawn(process.execPath, ["dist/main.js"], {
      cwd: join(servicesDir, name),
      env: { PATH: process.env.PATH ?? "", ...envOf[name], PORT: String(ports[name]) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.set(name, child);
    const keep = (chunk: Buffer) =>
      logs.set(name, ((logs.get(name) ?? "") + chunk.toString()).slice(-LOG_TAIL));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      try {
        if ((await fetch(`${base(name)}/readyz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${name} did not become ready:\n${logs.get(name) ?? ""}`);
  }

  /** Ends the process with `signal` (SIGKILL: a crash, nothing flushed) and waits for its exit. */
  async function stop(name: ProcessName, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = running.get(name);
    running.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  try {
    await Promise.all(BACKENDS.map(start));
    await start("gateway");
  } catch (error) {
    for (const name of [...running.keys()]) await stop(name);
    await nats.dispose();
    throw error;
  }

  return {
    url: base("gateway"),
    nats,
    /** SIGKILLs the service: in-flight requests, unacked messages and unpublished outbox rows stay as they are. */
    kill: (name: ProcessName) => stop(name, "SIGKILL"),
    start,
    /** Runs SQL on the run's database (every service's schema is in it). */
    query: <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
      withClient(
        infra.databaseUrl,
        async (client) => (await client.query(sql, params)).rows as T[],
      ),
    async close() {
      for (const name of ["gateway", ...BACKENDS] as const) await stop(name, "SIGTERM");
      await nats.dispose();
    },
  };
}

export type ProcessStack = Awaited<ReturnType<typeof startProcessStack>>;
