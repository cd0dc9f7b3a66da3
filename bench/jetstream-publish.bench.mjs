#!/usr/bin/env node
// `npm run bench:publish`: the CPU one JetStream publish and its ack cost this process, the kit's
// `publishAcked` (what the outbox relay and the dead letters use) beside nats.js's `js.publish`,
// in alternating rounds on one connection and one stream. Each round publishes PUBLISH_MESSAGES
// event-sized messages with their own Nats-Msg-Id, PUBLISH_BATCH awaited together as a relay pass
// awaits its rows. Prints CPU µs per message for each and their ratio.
//
//   PUBLISH_MESSAGES   messages per round                 default 20000
//   PUBLISH_BATCH      awaited together                   default 10
//   PUBLISH_ROUNDS     rounds (each way once per round)   default 3
//   BENCH_NATS_URL     NATS (a stream of its own per run, deleted after)
import { randomBytes, randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { median, positiveInt, printTable } from "./lib/util.mjs";

const env = process.env;
const MESSAGES = positiveInt(env.PUBLISH_MESSAGES, 20_000);
const BATCH = positiveInt(env.PUBLISH_BATCH, 10);
const ROUNDS = positiveInt(env.PUBLISH_ROUNDS, 3);
const NATS_URL = env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
// The built kit's module: the bench measures what the services run.
const { publishAcked } = await import("../libs/service-kit/dist/events/acked-publish.js");

// As the services connect (libs/service-kit/src/events/nats-connection.ts).
const nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
const jsm = await jetstreamManager(nc);
const stream = `BENCH_PUBLISH_${randomBytes(4).toString("hex")}`;
const subject = `${stream}.evt.attendance.ticket.scanned.v1`;
await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
const envelope = JSON.stringify({
  id: randomUUID(),
  type: "TicketScanned",
  occurred_at: new Date().toISOString(),
  data: { ticket_id: randomUUID(), scan_id: randomUUID(), gate: "A", scanned_at: new Date() },
});
const js = jetstream(nc);
const ways = {
  "js.publish (nats.js)": (id) => js.publish(subject, envelope, { msgID: id, timeout: 5_000 }),
  "publishAcked (the kit)": (id) => publishAcked(nc, subject, envelope, { msgID: id }),
};

try {
  const results = new Map(Object.keys(ways).map((name) => [name, []]));
  await round(Object.values(ways)[0], 2_000); // unmeasured: JIT and the stream warm up
  await round(Object.values(ways)[1], 2_000);
  for (let i = 0; i < ROUNDS; i++) {
    for (const [name, publish] of Object.entries(ways)) {
      const micros = await round(publish, MESSAGES);
      results.get(name).push(micros);
      console.log(`[bench] ${name} #${i + 1}: ${micros.toFixed(1)} µs CPU per message`);
    }
  }
  const [baseline, kit] = [...results.values()].map(median);
  printTable([
    ["way", "CPU µs per message (median)", "÷ js.publish"],
    ...[...results].map(([name, runs]) => [
      name,
      median(runs).toFixed(1),
      `${(median(runs) / baseline).toFixed(2)}×`,
    ]),
  ]);
  console.log(
    `\n${MESSAGES} messages a round, ${BATCH} awaited together, ${ROUNDS} rounds; CPU of this ` +
      `process (user + system) ÷ messages. The kit saves ${(baseline - kit).toFixed(1)} µs a message.`,
  );
} finally {
  await jsm.streams.delete(stream).catch(() => {});
  await nc.close();
}

/** Publishes `count` messages, BATCH at a time; resolves this process's CPU µs per message. */
async function round(publish, count) {
  const before = process.cpuUsage();
  for (let sent = 0; sent < count; sent += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, count - sent) }, () => publish(randomUUID())),
    );
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}
