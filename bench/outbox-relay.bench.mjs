#!/usr/bin/env node
// `npm run bench:relay`: what the outbox relay costs per event, alone. A process records events
// at a fixed rate on the kit's autocommit pool, each statement its own transaction as the gate's
// claim is, and the kit's OutboxRelay publishes them to JetStream, woken in-process as in a
// service (bench/relay/relay-process.mjs). Printed per run and as the median of the runs: the
// process's CPU per event (writer and relay), the Postgres CPU per event of the writer's and of
// the relay's connections apart, and the lag from a statement's return to the event's arrival on
// NATS. With RELAY_KIT_DIR, another build of the kit runs in alternating rounds beside this one.
//
//   RELAY_RATE         events per second                                        default 800
//   RELAY_CONNECTIONS  writers (and the writer pool's connections)              default 16
//   RELAY_SECONDS      length of each measured run                              default 10
//   RELAY_RUNS         rounds (each build once per round)                       default 3
//   RELAY_KIT_DIR      another libs/service-kit, built (`dist/`), to compare against
//   BENCH_DATABASE_URL Postgres admin URL (a database per run is created and dropped)
//   BENCH_NATS_URL     NATS (a subject prefix per run keeps it apart)
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { connectionStringForSchema, eventTablesSql } from "@concert/service-kit";
import { withClient } from "@concert/testing";
import { stopChild } from "../scripts/stop-child.mjs";
import {
  alternateRounds,
  kitBuilds,
  printMedians,
  withScratchDatabase,
} from "./lib/kit-builds.mjs";
import { withDatabaseCpu } from "./lib/measure.mjs";
import { root } from "./lib/stack.mjs";
import { positiveInt } from "./lib/util.mjs";

const env = process.env;
const RATE = positiveInt(env.RELAY_RATE, 800);
const CONNECTIONS = positiveInt(env.RELAY_CONNECTIONS, 16);
const SECONDS = positiveInt(env.RELAY_SECONDS, 10);
const RUNS = positiveInt(env.RELAY_RUNS, 3);
const WARMUP_SECONDS = 2;
const ADMIN_DB_URL = env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_URL = env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
const SCHEMA = "relaybench";

const builds = kitBuilds("RELAY_KIT_DIR", env.RELAY_KIT_DIR);

const runId = randomBytes(4).toString("hex");
console.log(
  `relay bench ${runId}: ${RATE} events/s, ${CONNECTIONS} writers, ${RUNS} rounds of ${SECONDS} s`,
);
const results = await alternateRounds(builds, RUNS, oneRun, describe);
const failed = [...results.values()].flat().some((r) => r.unpublished > 0 || r.unheard > 0);
printMedians(builds, results, [
  ["events/s", "rate", 0],
  ["process µs/event", "processUs", 0],
  ["pg writer µs", "writerUs", 0],
  ["pg relay µs", "relayUs", 0],
  ["lag p50 ms", "lagP50", 1],
  ["p99 ms", "lagP99", 1],
]);
console.log(
  `median of ${RUNS} runs. process: the writer's and the relay's Node CPU together; pg writer / relay: Postgres CPU of each one's connections; lag: statement returned → the event arrived on NATS.`,
);
if (failed) {
  console.error("some events were not published, or not heard on NATS, within 10 s");
  process.exitCode = 1;
}

function oneRun(build, round) {
  const database = `bench_relay_${runId}_${round}_${builds.indexOf(build)}`;
  return withScratchDatabase(ADMIN_DB_URL, database, (url) => runOn(build, round, database, url));
}

async function runOn(build, round, database, url) {
  let child;
  try {
    await withClient(url, async (c) => {
      await c.query(`CREATE SCHEMA ${SCHEMA}`);
      await c.query(eventTablesSql(SCHEMA, { inbox: false }));
    });
    child = fork(join(root, "bench/relay/relay-process.mjs"), {
      env: {
        ...env,
        KIT_DIR: build.dir,
        DATABASE_URL: connectionStringForSchema(url, SCHEMA),
        NATS_URL,
        RELAY_PREFIX: `relaybench${runId}r${round}b${builds.indexOf(build)}.`,
        RELAY_RATE: String(RATE),
        RELAY_CONNECTIONS: String(CONNECTIONS),
        RELAY_SECONDS: String(SECONDS),
        RELAY_WARMUP_SECONDS: String(WARMUP_SECONDS),
      },
    });
    const messages = inbox(child);
    await messages.next("ready");
    await messages.next("measuring");
    const { byApplication } = await withDatabaseCpu(ADMIN_DB_URL, database, () =>
      messages.next("writtenDone"),
    );
    const done = await messages.next("done");
    const perEventUs = (seconds) => ((seconds ?? 0) * 1e6) / done.measured;
    return {
      rate: done.measured / done.wall,
      processUs: perEventUs(done.cpuSeconds),
      writerUs: perEventUs(byApplication.writer),
      relayUs: perEventUs(byApplication.relay),
      lagP50: done.lagP50,
      lagP99: done.lagP99,
      unpublished: done.unpublished,
      unheard: done.unheard,
    };
  } finally {
    if (child) await stopChild(child);
  }
}

/** The child's messages in order; `next(kind)` resolves with the next one that has `kind` set. */
function inbox(child) {
  const queue = [];
  const waiters = [];
  let exited = false;
  child.on("message", (message) => {
    queue.push(message);
    flush();
  });
  child.on("exit", () => {
    exited = true;
    flush();
  });
  const flush = () => {
    while (waiters.length > 0) {
      const waiter = waiters[0];
      const index = queue.findIndex((message) => message[waiter.kind]);
      if (index >= 0) {
        waiters.shift();
        waiter.resolve(queue.splice(index, 1)[0]);
      } else if (exited) {
        waiters.shift();
        waiter.reject(new Error(`relay process exited before "${waiter.kind}"`));
      } else return;
    }
  };
  return {
    next: (kind) =>
      new Promise((resolve, reject) => {
        waiters.push({ kind, resolve, reject });
        flush();
      }),
  };
}

function describe(r) {
  return `${r.rate.toFixed(0)} events/s, process ${r.processUs.toFixed(0)} µs/event, pg writer ${r.writerUs.toFixed(0)} µs, relay ${r.relayUs.toFixed(0)} µs, lag p50 ${r.lagP50?.toFixed(1)} ms p99 ${r.lagP99?.toFixed(1)} ms${r.unpublished ? `, ${r.unpublished} NOT PUBLISHED` : ""}${r.unheard ? `, ${r.unheard} of the window not heard on NATS` : ""}`;
}
