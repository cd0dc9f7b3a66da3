// One run of bench/outbox-relay.bench.mjs, in a process of its own so that its CPU is the writer's
// and the relay's alone. It loads the service kit from KIT_DIR (this tree's build, or another
// one to compare), records events at a fixed rate on the kit's autocommit pool (each statement its
// own transaction, woken as a service's are), lets the kit's OutboxRelay publish them, and
// listens on the subject to time each event from its commit to its arrival on NATS.
//
// Messages to the parent: { ready }, { measuring }, then { done, ... } with the measured window's
// figures.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { defineEvent } from "@concert/contracts";
import pg from "pg";
import { pino } from "pino";
import { z } from "zod";

const env = process.env;
const kit = await import(pathToFileURL(join(env.KIT_DIR, "dist/index.js")).href);
const RATE = Number(env.RELAY_RATE);
const CONNECTIONS = Number(env.RELAY_CONNECTIONS);
const WARMUP_MS = Number(env.RELAY_WARMUP_SECONDS) * 1000;
const MEASURE_MS = Number(env.RELAY_SECONDS) * 1000;
const PREFIX = env.RELAY_PREFIX;

const Probe = defineEvent({
  name: "RelayBenchProbe",
  version: 1,
  producer: "bench",
  aggregate: "probe",
  verb: "recorded",
  payload: z.object({ probe_id: z.uuid(), seq: z.number().int() }),
});

const nc = await kit.connectNats({ servers: env.NATS_URL, name: "relay bench" });
await kit.ensureStreams(nc, PREFIX);
const relay = new kit.OutboxRelay({
  databaseUrl: env.DATABASE_URL,
  nats: () => nc,
  subjectPrefix: PREFIX,
  logger: pino({ level: "warn" }),
  applicationName: "relay",
  ...(env.RELAY_PASS_SPACING_MS && { passSpacingMs: Number(env.RELAY_PASS_SPACING_MS) }),
});
const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: CONNECTIONS,
  application_name: "writer",
});
const sql = kit.wakeOnRecord(new kit.SqlPool(pool), (eventIds) => relay.wake(eventIds));

/** event id → when its statement returned (performance.now()), for the measured window only */
const committedAt = new Map();
const lags = [];
/**
 * Heard before its writer saw the statement return: a commit is visible to the relay's claim a
 * moment before its answer reaches the writer. Its lag counts as 0.
 */
const heardFirst = new Set();
let measuring = false;
const subscription = nc.subscribe(`${PREFIX}${Probe.subject}`);
(async () => {
  for await (const msg of subscription) {
    const id = msg.headers?.get("Nats-Msg-Id");
    const at = committedAt.get(id);
    if (at !== undefined) {
      lags.push(performance.now() - at);
      committedAt.delete(id);
    } else if (measuring) heardFirst.add(id);
  }
})();

await relay.start();
process.send({ ready: true });

let seq = 0;
let written = 0;
const startedAt = performance.now();
const endAt = startedAt + WARMUP_MS + MEASURE_MS;
let cpuAtStart;
let writtenAtStart = 0;
let measureStartedAt = 0;

// CONNECTIONS writers share one schedule: event n is due at startedAt + n / RATE.
async function writer() {
  for (;;) {
    const n = seq++;
    const due = startedAt + (n * 1000) / RATE;
    if (due >= endAt) return;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = randomUUID();
    await kit.recordEvent(sql, Probe, { probe_id: randomUUID(), seq: n }, { id });
    if (heardFirst.delete(id)) lags.push(0);
    else if (measuring) committedAt.set(id, performance.now());
    written++;
  }
}

setTimeout(() => {
  measuring = true;
  measureStartedAt = performance.now();
  cpuAtStart = process.cpuUsage();
  writtenAtStart = written;
  process.send({ measuring: true });
}, WARMUP_MS);

await Promise.all(Array.from({ length: CONNECTIONS }, writer));
const cpu = process.cpuUsage(cpuAtStart);
const wall = (performance.now() - measureStartedAt) / 1000;
const measured = written - writtenAtStart;
process.send({ writtenDone: true });

// Every event of the window published (or 10 s): its lag is known.
const deadline = Date.now() + 10_000;
while (committedAt.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
const unheard = committedAt.size;
// The relay marks what it published a little later (its mark timer): give the marks a second.
const unpublishedNow = async () =>
  (
    await sql.$queryRawUnsafe(
      "SELECT count(*)::int AS unpublished FROM outbox_events WHERE published_at IS NULL",
    )
  )[0].unpublished;
let unpublished = await unpublishedNow();
for (const markedBy = Date.now() + 1_000; unpublished > 0 && Date.now() < markedBy; ) {
  await new Promise((r) => setTimeout(r, 20));
  unpublished = await unpublishedNow();
}

await relay.stop();
await pool.end();
await subscription.drain();
await nc.close();
lags.sort((a, b) => a - b);
const at = (q) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))];
process.send({
  done: true,
  written,
  measured,
  wall,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  lagP50: at(0.5),
  lagP99: at(0.99),
  unpublished,
  unheard,
});
