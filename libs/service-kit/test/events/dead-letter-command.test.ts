import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EnvelopeOf } from "@concert/contracts";
import { startForFile } from "@concert/testing";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterEach, describe, expect, it } from "vitest";
import {
  deadLetterSubject,
  durableName,
  EventConsumer,
  handlerFor,
  streamNames,
} from "../../src/events/index.js";
import {
  captureLogs,
  countInStream,
  openEventTestBed,
  type PgSqlClient,
  pgTransactionRunner,
  probeEvent,
  waitFor,
} from "./support.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const ProbeReplayed = probeEvent("ProbeReplayed", "replayed");
const ProbeDropped = probeEvent("ProbeDropped", "dropped");
type Probe = ReturnType<typeof probeEvent>;

interface ListedLetter {
  seq: number;
  service: string;
  consumer: string;
  originalSubject: string;
  originalMsgId: string;
  error: string;
  deliveryCount: number;
  time: string;
  body: string;
}

describe("npm run dlq", () => {
  const { service: bed, infra } = startForFile((run) =>
    openEventTestBed(run, { name: "dead-letter-command-test", poolSize: 4 }),
  );
  const consumers: EventConsumer<PgSqlClient>[] = [];
  afterEach(async () => {
    for (const consumer of consumers.splice(0)) await consumer.stop();
  });

  /** The operator's command, as its own process, on this run's broker and prefix. */
  function dlq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(repoRoot, "scripts", "dlq.mjs"), ...args],
        {
          cwd: repoRoot,
          env: {
            ...process.env,
            NATS_URL: infra.natsUrl,
            NATS_SUBJECT_PREFIX: infra.subjectPrefix,
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  async function listed(...args: string[]): Promise<ListedLetter[]> {
    const { code, stdout, stderr } = await dlq("list", "--json", ...args);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    return JSON.parse(stdout) as ListedLetter[];
  }

  /** A consumer whose handler throws (a permanent error) while `broken()` says so. */
  async function consume(service: string, event: Probe, broken: () => boolean) {
    const calls = { count: 0 };
    const consumer = new EventConsumer<PgSqlClient>({
      service,
      nats: bed.nc,
      subjectPrefix: infra.subjectPrefix,
      transaction: pgTransactionRunner(bed.pool),
      handlers: [
        handlerFor(event, async (envelope, tx: PgSqlClient) => {
          calls.count++;
          if (broken()) throw new Error(`${service} cannot apply ${envelope.payload.probe_id}`);
          await tx.$executeRawUnsafe("INSERT INTO effects (event_id) VALUES ($1)", envelope.id);
        }),
      ],
      logger: captureLogs().logger,
      maxAttempts: 2,
      retryBackoff: { baseMs: 50, capMs: 200 },
    });
    await consumer.start();
    consumers.push(consumer);
    return calls;
  }

  /** Publishes as the relay does: the event id is the message id. */
  async function publish(event: Probe): Promise<EnvelopeOf<Probe>> {
    const envelope = {
      id: randomUUID(),
      name: event.name,
      version: event.version,
      occurred_at: new Date().toISOString(),
      payload: { probe_id: randomUUID(), note: "n" },
    };
    await jetstream(bed.nc).publish(
      `${infra.subjectPrefix}${event.subject}`,
      JSON.stringify(envelope),
      { msgID: envelope.id },
    );
    return envelope;
  }

  const deadLettered = (service: string, event: Probe) =>
    waitFor(`a dead letter of ${service}`, async () => {
      const subject = deadLetterSubject(
        infra.subjectPrefix,
        service,
        `${infra.subjectPrefix}${event.subject}`,
      );
      return (
        (await countInStream(bed.nc, streamNames(infra.subjectPrefix).deadLetters, subject)) > 0
      );
    });

  async function settled(service: string, event: Probe): Promise<void> {
    const jsm = await jetstreamManager(bed.nc);
    const durable = durableName(service, event, infra.subjectPrefix);
    await waitFor(`consumer ${durable} to settle`, async () => {
      const info = await jsm.consumers.info(streamNames(infra.subjectPrefix).events, durable);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
  }

  async function effectsOf(eventId: string): Promise<number> {
    const { rows } = await bed.pool.query(
      "SELECT count(*)::int AS n FROM effects WHERE event_id = $1",
      [eventId],
    );
    return rows[0]?.n ?? 0;
  }

  it("lists a poison message, and once its handler is fixed replays it within the broker's duplicate window: applied once by each consumer, gone from the dead-letter stream", async () => {
    let broken = true;
    const steady = await consume("steady", ProbeReplayed, () => false);
    const fragile = await consume("fragile", ProbeReplayed, () => broken);
    const envelope = await publish(ProbeReplayed);
    await deadLettered("fragile", ProbeReplayed);
    await settled("steady", ProbeReplayed);
    expect(await effectsOf(envelope.id)).toBe(1);

    const [letter, ...others] = await listed();
    expect(others).toEqual([]);
    expect(letter).toMatchObject({
      service: "fragile",
      consumer: durableName("fragile", ProbeReplayed, infra.subjectPrefix),
      originalSubject: `${infra.subjectPrefix}${ProbeReplayed.subject}`,
      originalMsgId: envelope.id,
      error: `fragile cannot apply ${envelope.payload.probe_id}`,
      deliveryCount: 2,
    });
    expect(JSON.parse(letter?.body ?? "")).toEqual(envelope);
    expect(Date.now() - Date.parse(letter?.time ?? "")).toBeLessThan(60_000);
    const table = await dlq("list");
    expect(table.stdout).toContain("SEQ");
    expect(table.stdout).toContain(`${letter?.seq}`);
    expect(table.stdout).toContain(`fragile cannot apply ${envelope.payload.probe_id}`);

    broken = false;
    const replayed = await dlq("replay", String(letter?.seq));
    expect(replayed.stderr).toBe("");
    expect(replayed.stdout).toContain(`replayed ${letter?.seq} to ${letter?.originalSubject}`);
    await waitFor("the replay applied", async () => (await effectsOf(envelope.id)) === 2);
    await settled("steady", ProbeReplayed);
    await settled("fragile", ProbeReplayed);
    // steady saw the copy too and skipped it (processed_events); fragile applied it once.
    expect(await effectsOf(envelope.id)).toBe(2);
    expect(steady.count).toBe(1);
    expect(fragile.count).toBe(3);
    expect(await listed()).toEqual([]);
    // Replaying it again: it is gone.
    expect((await dlq("replay", String(letter?.seq))).code).toBe(1);
  });

  it("drops one dead letter for good, and replays every dead letter of one service with --all --service", async () => {
    let otherBroken = true;
    await consume("doomed", ProbeDropped, () => true);
    await consume("other", ProbeDropped, () => otherBroken);
    const envelope = await publish(ProbeDropped);
    await deadLettered("doomed", ProbeDropped);
    await deadLettered("other", ProbeDropped);
    const letters = await listed();
    expect(letters.map((l) => l.service).sort()).toEqual(["doomed", "other"]);
    expect((await listed("--service", "other")).map((l) => l.service)).toEqual(["other"]);

    const doomed = letters.find((l) => l.service === "doomed");
    const dropped = await dlq("drop", String(doomed?.seq));
    expect(dropped.stdout).toContain(`dropped ${doomed?.seq}`);
    expect((await listed()).map((l) => l.service)).toEqual(["other"]);
    expect((await dlq("drop", String(doomed?.seq))).code).toBe(1);

    otherBroken = false;
    const replayed = await dlq("replay", "--all", "--service", "other");
    expect(replayed.code).toBe(0);
    await waitFor("other applied the replay", async () => (await effectsOf(envelope.id)) === 1);
    await settled("other", ProbeDropped);
    await settled("doomed", ProbeDropped);
    // doomed got the replayed copy too and failed it again: a new dead letter, nothing applied.
    await deadLettered("doomed", ProbeDropped);
    expect(await effectsOf(envelope.id)).toBe(1);
    expect((await listed()).map((l) => l.service)).toEqual(["doomed"]);
  });

  it("refuses a replay without a target", async () => {
    const noTarget = await dlq("replay");
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain("needs sequence numbers or --all");
  });
});
