import { randomUUID } from "node:crypto";
import { startForFile } from "@concert/testing";
import { DiscardPolicy, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { errors, headers, type NatsConnection } from "@nats-io/transport-node";
import { beforeAll, describe, expect, it } from "vitest";
import { publishAcked } from "../../src/events/acked-publish.js";
import { connectNats, isBrokerUnavailable } from "../../src/events/index.js";

/** Why a publish was refused, as the relay reads it. */
async function refusal(publish: Promise<unknown>): Promise<Error> {
  try {
    await publish;
  } catch (error) {
    return error as Error;
  }
  throw new Error("the publish was not refused");
}

describe("publishAcked: JetStream publishes that wait for the broker's ack", () => {
  const { service: bed, infra } = startForFile(async (run) => {
    const nc = await connectNats({ servers: run.natsUrl, name: "acked-publish-test" });
    const jsm = await jetstreamManager(nc);
    const names = {
      open: `ACKED_${run.subjectPrefix.replace(/\W/g, "")}_OPEN`,
      full: `ACKED_${run.subjectPrefix.replace(/\W/g, "")}_FULL`,
    };
    await jsm.streams.add({ name: names.open, subjects: [`${run.subjectPrefix}acked.open.>`] });
    await jsm.streams.add({
      name: names.full,
      subjects: [`${run.subjectPrefix}acked.full.>`],
      max_msgs: 1,
      discard: DiscardPolicy.New,
    });
    return {
      nc,
      names,
      async close() {
        for (const name of Object.values(names)) await jsm.streams.delete(name).catch(() => {});
        await nc.close();
      },
    };
  });
  let nc: NatsConnection;
  beforeAll(() => {
    ({ nc } = bed);
  });
  const subject = (kind: string) => `${infra.subjectPrefix}acked.${kind}.${randomUUID()}`;

  it("resolves with the stream's ack, each publish with its own, and a repeated id as a duplicate", async () => {
    const to = subject("open");
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const acks = await Promise.all(
      ids.map((id, i) => publishAcked(nc, to, JSON.stringify({ i }), { msgID: id })),
    );
    expect(new Set(acks.map((ack) => ack.stream))).toEqual(new Set([bed.names.open]));
    expect(new Set(acks.map((ack) => ack.seq)).size).toBe(200);
    expect(acks.every((ack) => ack.duplicate === false)).toBe(true);

    // Acks answer their own publish: message i of the stream is the one acked with its seq.
    const jsm = await jetstreamManager(nc);
    for (const i of [0, 57, 199]) {
      const stored = await jsm.streams.getMessage(bed.names.open, { seq: acks[i]?.seq ?? 0 });
      expect(stored?.json()).toEqual({ i });
      expect(stored?.header.get("Nats-Msg-Id")).toBe(ids[i]);
    }

    const again = await publishAcked(nc, to, "{}", { msgID: ids[3] as string });
    expect(again).toMatchObject({ duplicate: true, seq: acks[3]?.seq });
  });

  it("keeps the caller's headers", async () => {
    const to = subject("open");
    const h = headers();
    h.set("Dlq-Error", "boom");
    const ack = await publishAcked(nc, to, "{}", { msgID: randomUUID(), headers: h });
    const stored = await (await jetstreamManager(nc)).streams.getMessage(bed.names.open, {
      seq: ack.seq,
    });
    expect(stored?.header.get("Dlq-Error")).toBe("boom");
  });

  it("refuses a subject no stream takes with no responders, which is not an outage by itself", async () => {
    const error = await refusal(
      publishAcked(nc, subject("nowhere"), "{}", { msgID: randomUUID() }),
    );
    expect(error.cause).toBeInstanceOf(errors.NoRespondersError);
    expect((error.cause as InstanceType<typeof errors.NoRespondersError>).subject).toContain(
      "nowhere",
    );
    expect(isBrokerUnavailable(error)).toBe(false);
  });

  it("refuses a full stream with the broker's API error, which is an outage", async () => {
    const to = subject("full");
    await publishAcked(nc, to, "{}", { msgID: randomUUID() });
    const error = await refusal(publishAcked(nc, to, "{}", { msgID: randomUUID() }));
    expect(error).toBeInstanceOf(JetStreamApiError);
    expect((error as JetStreamApiError).code).toBe(10_077);
    expect(isBrokerUnavailable(error)).toBe(true);
  });

  it("times out when no ack comes, and an ack that comes too late answers nothing else", async () => {
    // Plain subscribers take these subjects instead of a stream: one answers after the timeout,
    // the other never.
    const late = subject("late");
    const silent = subject("silent");
    const subscriptions = [
      nc.subscribe(late, {
        callback: (_error, msg) => {
          setTimeout(() => msg.respond(JSON.stringify({ stream: "LATE", seq: 1 })), 400);
        },
      }),
      nc.subscribe(silent, { callback: () => {} }),
    ];
    try {
      // Waiting already, with a later deadline: the short one below must not wait for it.
      const long = publishAcked(nc, silent, "{}", { msgID: randomUUID(), timeoutMs: 1_500 });
      const settled = long.then(
        () => "resolved",
        (error: unknown) => error,
      );
      const started = performance.now();
      const error = await refusal(
        publishAcked(nc, late, "{}", { msgID: randomUUID(), timeoutMs: 150 }),
      );
      expect(error).toBeInstanceOf(errors.TimeoutError);
      expect(isBrokerUnavailable(error)).toBe(true);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);

      // The late ack has come by now and must not be taken for the publish still waiting.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await Promise.race([settled, Promise.resolve("waiting")])).toBe("waiting");
      expect(await settled).toBeInstanceOf(errors.TimeoutError);

      const ack = await publishAcked(nc, subject("open"), "{}", { msgID: randomUUID() });
      expect(ack.stream).toBe(bed.names.open);
    } finally {
      for (const subscription of subscriptions) subscription.unsubscribe();
    }
  });

  it("refuses what waits when the connection closes, and every publish after, as an outage", async () => {
    const own = await connectNats({ servers: infra.natsUrl, name: "acked-publish-closing" });
    const to = subject("silent");
    // Nobody answers: the publish waits until the connection closes under it.
    own.subscribe(to, { callback: () => {} });
    const waiting = refusal(
      publishAcked(own, to, "{}", { msgID: randomUUID(), timeoutMs: 10_000 }),
    );
    await own.flush();
    await own.close();
    const cut = await waiting;
    expect(isBrokerUnavailable(cut)).toBe(true);
    const after = await refusal(publishAcked(own, to, "{}", { msgID: randomUUID() }));
    expect(after).toBeInstanceOf(errors.ClosedConnectionError);
    expect(isBrokerUnavailable(after)).toBe(true);
  });
});
