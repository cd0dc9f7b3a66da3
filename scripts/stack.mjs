#!/usr/bin/env node
// Starts the whole stack on this machine: checks Postgres and NATS, then every service and the
// gateway, each as its own process. `--dev` runs sources with reload instead of the builds.
// Ctrl-C stops them all, each finishing its in-flight work first.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVICE_DIRECTORY } from "@concert/contracts";
import pg from "pg";
import { ALLOCATOR_ENV } from "./allocator-env.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dev = process.argv.includes("--dev");

/** Every service of SERVICE_DIRECTORY that exists, the gateway last (it needs the others' docs). */
const SERVICES = Object.entries(SERVICE_DIRECTORY)
  .map(([name, { port }]) => ({ name, port }))
  .sort((a, b) => Number(a.name === "gateway") - Number(b.name === "gateway"))
  .filter((service) => existsSync(join(root, "services", service.name, "src", "main.ts")));

const env = {
  ENV: "development",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/concert_tickets",
  NATS_URL: "nats://127.0.0.1:4222",
  // A first admin so a fresh machine can create concerts at once; set your own in production.
  ADMIN_EMAIL: "admin@example.com",
  ADMIN_PASSWORD: "change-me-admin",
  ...ALLOCATOR_ENV,
  ...process.env,
};

await checkPostgres(env.DATABASE_URL);
await checkNats(env.NATS_URL);

const children = [];
let stopping = false;
for (const service of SERVICES) {
  const child = startService(service);
  children.push(child);
  await waitUntilReady(service, child);
}
console.log(`
Concert Tickets is up.
  API      http://127.0.0.1:${SERVICE_DIRECTORY.gateway.port}/api
  Docs     http://127.0.0.1:${SERVICE_DIRECTORY.gateway.port}/docs
  Admin    ${env.ADMIN_EMAIL} / ${process.env.ADMIN_PASSWORD ? "(from ADMIN_PASSWORD)" : env.ADMIN_PASSWORD}
Ctrl-C stops everything.`);

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stopAll(0));

function startService(service) {
  const cwd = join(root, "services", service.name);
  const [command, args] = dev
    ? [join(root, "node_modules", ".bin", "tsx"), ["watch", "src/main.ts"]]
    : [process.execPath, ["dist/main.js"]];
  const child = spawn(command, args, {
    cwd,
    env: { ...env, PORT: String(service.port) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  child.on("exit", (code) => {
    if (!stopping) {
      console.error(`${service.name} exited (code ${code}); stopping the stack.`);
      stopAll(1);
    }
  });
  return child;
}

async function waitUntilReady(service, child) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`http://127.0.0.1:${service.port}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (child.exitCode === null) {
    console.error(`${service.name} did not become ready within 60 s.`);
    stopAll(1);
  }
}

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((child) => child.exitCode === null);
  // The gateway first, so no new request reaches a service that is stopping.
  for (const child of alive.reverse()) child.kill("SIGTERM");
  Promise.all(alive.map((child) => new Promise((resolve) => child.once("exit", resolve)))).then(
    () => process.exit(code),
  );
}

async function checkPostgres(databaseUrl) {
  const url = new URL(databaseUrl);
  const database = url.pathname.slice(1);
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await client.connect();
  } catch (error) {
    fail(
      `Postgres does not answer at ${url.host} (${error.message}). Start it, e.g.:\n` +
        "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n" +
        "or point DATABASE_URL at a running server.",
    );
  }
  const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
  if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, "")}"`);
  await client.end();
}

async function checkNats(natsUrl) {
  const url = new URL(natsUrl.split(",")[0]);
  const reachable = await new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 4222) });
    socket.once("connect", () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
  if (!reachable) {
    fail(
      `NATS does not answer at ${url.host}. Start it with JetStream, e.g.:\n` +
        "  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- " +
        "-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log\n" +
        "or point NATS_URL at a running server.",
    );
  }
}

function fail(message) {
  console.error(message);
  process.exit(1);
}
