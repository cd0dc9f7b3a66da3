#!/usr/bin/env node
// `npm run bench:consumer`: what consuming one event costs, alone. This process publishes
// TicketScanned events to JetStream at a fixed rate, as attendance's relay does under the gate's
// load; a consumer process (bench/consumer/consumer-process.mjs) applies them with the kit's
// EventConsumer and a projection shaped as refunds' and transfers' admissions. Printed per run
// and as the median of the runs: the consumer process's CPU per event, its Postgres connections'
// CPU per event, NATS's CPU per event, and the backlog left at the end of the window (0: it kept
// up). With CONSUMER_KIT_DIR, another build of the kit runs in alternating rounds beside this one.
//
//   CONSUMER_RATE      events per second                                        default 800
//   CONSUMER_SECONDS   length of each measured run                              default 10
//   CONSUMER_RUNS      rounds (each build once per round)                       default 3
//   CONSUMER_KIT_DIR   another libs/service-kit, built (`dist/`), to compare against
//   CONSUMER_PROFILE=dir  a V8 CPU profile of this build's consumer, its hot spots printed
//   BENCH_DATABASE_URL Postgres admin URL (a database per run is created and dropped)
//   BENCH_NATS_URL     NATS (a subject prefix per run keeps it apart)
import { fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import { TicketScanned } from "@concert/contracts";
import {
  buildEnvelope,
  connectionStringForSchema,
  connectNats,
  consumerBacklog,
  ensureStreams,
  eventTablesSql,
  waitUntilHandled,
} from "@concert/service-kit";
import { withClient } from "@concert/testing";
import { jetstream } from "@nats-io/jetstream";
import { stopChild } from "../scripts/stop-child.mjs";
import {
  alternateRounds,
  kitBuilds,
  printMedians,
  withScratchDatabase,
} from "./lib/kit-builds.mjs";
import { cpuDelta, cpuSnapshot, printProfile, withDatabaseCpu } from "./lib/measure.mjs";
import { root } from "./lib/stack.mjs";
import { positiveInt, sleep } from "./lib/util.mjs";

const env = process.env;
const RATE = positiveInt(env.CONSUMER_RATE, 800);
const SECONDS = positiveInt(env.CONSUMER_SECONDS, 10);
const RUNS = positiveInt(env.CONSUMER_RUNS, 3);
const WARMUP_SECONDS = 2;
const ADMIN_DB_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_URL = env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
const PROFILE_DIR = env.CONSUMER_PROFILE ? resolve(env.CONSUMER_PROFILE) : undefined;
const SCHEMA = "consumerbench";
/** Publishes awaited together: the relay publishes a batch and awaits it the same way. */
const PUBLISH_BATCH = 8;

const builds = kitBuilds("CONSUMER_KIT_DIR", env.CONSUMER_KIT_DIR);

const runId = randomBytes(4).toString("hex");
console.log(`consumer bench ${runId}: ${RATE} events/s, ${RUNS} rounds of ${SECONDS} s`);
const nc = await connectNats({ servers: NATS_URL, name: "consumer bench publisher" });
let results;
try {
  results = await alternateRounds(builds, RUNS, oneRun, describe);
} finally {
  await nc.close();
}
const failed = [...results.values()].flat().some((r) => r.missing !== 0);
printMedians(builds, results, [
  ["events/s", "rate", 0],
  ["consumer µs/event", "consumerUs", 0],
  ["pg µs/event", "pgUs", 0],
  ["nats µs/event", "natsUs", 0],
  ["backlog at end", "backlog", 0],
]);
console.log(
  `median of ${RUNS} runs. consumer: the consumer process's CPU; pg: its connections' Postgres CPU; nats: the NATS server's CPU (publishing included); backlog: messages not yet handled when the window closed.`,
);
if (PROFILE_DIR) printProfile("consumer", PROFILE_DIR);
if (failed) {
  console.error("some events were not applied");
  process.exitCode = 1;
}

function oneRun(build, round) {
  const database = `bench_consumer_${runId}_${round}_${builds.indexOf(build)}`;
  return withScratchDatabase(ADMIN_DB_URL, database, (url) => runOn(build, round, database, url));
}

async function runOn(build, round, database, url) {
  const prefix = `consumerbench${runId}r${round}b${builds.indexOf(build)}.`;
  const profile = PROFILE_DIR && build === builds[0] && round === 0;
  let child;
  try {
    await withClient(url, async (c) => {
      await c.query(`CREATE SCHEMA ${SCHEMA}`);
      await c.query(eventTablesSql(SCHEMA, { inbox: true }));
      await c.query(`CREATE TABLE ${SCHEMA}.copies (
        ticket_id uuid PRIMARY KEY, concert_id uuid NOT NULL, admitted_at timestamptz)`);
    });
    await ensureStreams(nc, prefix);
    child = fork(join(root, "bench/consumer/consumer-process.mjs"), {
      execArgv: profile ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [],
      env: {
        ...env,
        KIT_DIR: build.dir,
        DATABASE_URL: connectionStringForSchema(url, SCHEMA),
        NATS_URL,
        CONSUMER_PREFIX: prefix,
      },
    });
    await new Promise((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", () => reject(new Error("consumer process exited before it was ready")));
    });
    const publisher = publishAtRate(prefix, WARMUP_SECONDS + SECONDS);
    await sleep(WARMUP_SECONDS * 1000);
    const pids = new Map([[child.pid, "consumer"]]);
    const before = cpuSnapshot(pids);
    const { result: published, byApplication } = await withDatabaseCpu(
      ADMIN_DB_URL,
      database,
      async () => {
        const at = publisher.published;
        await sleep(SECONDS * 1000);
        return publisher.published - at;
      },
    );
    const cpu = cpuDelta(before, cpuSnapshot(pids));
    const backlog = await consumerBacklog(nc, "bench", TicketScanned, prefix);
    const total = await publisher.done;
    await waitUntilHandled(nc, "bench", TicketScanned, prefix, 60_000);
    const applied = await withClient(url, async (c) => {
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.copies`);
      return rows[0].n;
    });
    const perEventUs = (seconds) => ((seconds ?? 0) * 1e6) / published;
    return {
      rate: published / SECONDS,
      consumerUs: perEventUs(cpu.consumer),
      pgUs: perEventUs(byApplication.consumer),
      natsUs: perEventUs(cpu.nats),
      backlog,
      missing: total - applied,
    };
  } finally {
    if (child) await stopChild(child);
  }
}

/**
 * TicketScanned events, each of a ticket of its own, at RATE for `seconds`, in small batches
 * awaited together. `published` counts as they go; `done` resolves with the total.
 */
function publishAtRate(prefix, seconds) {
  const js = jetstream(nc);
  const subject = `${prefix}${TicketScanned.subject}`;
  const concertId = randomUUID();
  const state = { published: 0, done: undefined };
  state.done = (async () => {
    const startedAt = performance.now();
    const total = RATE * seconds;
    for (let n = 0; n < total; n += PUBLISH_BATCH) {
      const due = startedAt + (n * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const batch = Array.from({ length: Math.min(PUBLISH_BATCH, total - n) }, () => {
        const envelope = buildEnvelope(TicketScanned, {
          scan_id: randomUUID(),
          ticket_id: randomUUID(),
          concert_id: concertId,
          scan_type: "entry_check",
          gate: "A",
          scanned_at: new Date().toISOString(),
        });
        return js.publish(subject, JSON.stringify(envelope), { msgID: envelope.id });
      });
      await Promise.all(batch);
      state.published += batch.length;
    }
    return state.published;
  })();
  return state;
}

function describe(r) {
  return `${r.rate.toFixed(0)} events/s, consumer ${r.consumerUs.toFixed(0)} µs/event, pg ${r.pgUs.toFixed(0)} µs, nats ${r.natsUs.toFixed(0)} µs, backlog at end ${r.backlog}${r.missing ? `, ${r.missing} NOT APPLIED` : ""}`;
}
