// The dead-letter stream, for an operator:
//   npm run dlq -- list [--service <s>] [--json]      what is parked there and why
//   npm run dlq -- replay <seq>... | --all [--service <s>]
//                                                     publish each again to its original subject
//                                                     (same bytes, same event id), then delete it
//   npm run dlq -- drop <seq>... | --all [--service <s>]
//                                                     delete for good
// Reads NATS_URL and NATS_SUBJECT_PREFIX as the services do. Replaying an event some consumer
// already applied is harmless: consumers skip event ids they have in processed_events.
// Needs the kit built (`npm run build`).
import { parseArgs } from "node:util";

const USAGE = `usage: npm run dlq -- list [--service <s>] [--json]
       npm run dlq -- replay <seq>... | --all [--service <s>]
       npm run dlq -- drop <seq>... | --all [--service <s>]`;

function fail(message) {
  console.error(`dlq: ${message}`);
  process.exit(2);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        service: { type: "string" },
        all: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    fail(`${error.message}\n${USAGE}`);
  }
})();
const [command, ...rest] = positionals;
if (!["list", "replay", "drop"].includes(command)) fail(USAGE);
const seqs = rest.map((arg) => {
  const seq = Number(arg);
  if (!Number.isSafeInteger(seq) || seq <= 0) fail(`not a sequence number: ${arg}\n${USAGE}`);
  return seq;
});
if (command !== "list" && seqs.length === 0 && !values.all)
  fail(`${command} needs sequence numbers or --all\n${USAGE}`);
if (command !== "list" && seqs.length > 0 && values.all)
  fail(`give sequence numbers or --all, not both\n${USAGE}`);

const kit = await import("@concert/service-kit").catch((error) =>
  fail(`cannot load @concert/service-kit (run \`npm run build\` first): ${error.message}`),
);
const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const prefix = process.env.NATS_SUBJECT_PREFIX ?? "";
const nc = await kit
  .connectNats({ servers: natsUrl, name: "dlq-cli" })
  .catch((error) => fail(`cannot reach NATS at ${natsUrl}: ${error.message}`));

let exitCode = 0;
try {
  const targets = values.all
    ? (await kit.listDeadLetters(nc, prefix, { service: values.service })).map((l) => l.seq)
    : seqs;
  if (command === "list") {
    const letters = await kit.listDeadLetters(nc, prefix, { service: values.service });
    if (values.json) {
      const rows = letters.map(({ data, ...letter }) => ({
        ...letter,
        body: new TextDecoder().decode(data),
      }));
      console.log(JSON.stringify(rows, null, 2));
    } else printTable(letters);
  } else {
    for (const seq of targets) {
      try {
        if (command === "replay") {
          const result = await kit.replayDeadLetter(nc, prefix, seq);
          console.log(
            `replayed ${seq} to ${result.originalSubject} (event stream seq ${result.replayedAs}${result.duplicate ? ", already there" : ""})`,
          );
        } else if (await kit.dropDeadLetter(nc, prefix, seq)) console.log(`dropped ${seq}`);
        else {
          console.error(`dlq: no dead letter with sequence ${seq}`);
          exitCode = 1;
        }
      } catch (error) {
        console.error(`dlq: ${seq}: ${error.message}`);
        exitCode = 1;
      }
    }
    if (targets.length === 0) console.log("nothing to do: the dead-letter stream is empty");
  }
} catch (error) {
  const hint =
    error.name === "StreamNotFoundError"
      ? ` (no dead-letter stream ${kit.streamNames(prefix).deadLetters}: is NATS_SUBJECT_PREFIX="${prefix}" the services' prefix?)`
      : "";
  console.error(`dlq: ${error.message}${hint}`);
  exitCode = 1;
} finally {
  await nc.close();
}
process.exit(exitCode);

function printTable(letters) {
  if (letters.length === 0) {
    console.log("no dead letters");
    return;
  }
  const rows = letters.map((l) => [
    String(l.seq),
    l.service,
    l.consumer,
    l.originalSubject.slice(prefix.length),
    String(l.deliveryCount),
    l.time.toISOString(),
    l.error,
  ]);
  const head = ["SEQ", "SERVICE", "CONSUMER", "SUBJECT", "DELIVERIES", "DEAD-LETTERED AT", "ERROR"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [head, ...rows])
    console.log(
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  "),
    );
}
