import { randomBytes, randomUUID } from "node:crypto";
import { UserAccessChanged } from "@concert/contracts";
import { type NatsServerProcess, publishEvent, startNatsServerProcess } from "@concert/testing";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AccessRevocationWatcher } from "../../src/auth/access-revocations.js";
import { ensureStreams } from "../../src/events/index.js";
import { waitFor } from "../events/support.js";

// A private broker: these tests stop it, which the shared one must never be.
let nats: NatsServerProcess;
let nc: NatsConnection;
const watchers: AccessRevocationWatcher[] = [];

beforeAll(async () => {
  nats = await startNatsServerProcess();
  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
});
afterEach(async () => {
  for (const watcher of watchers.splice(0)) await watcher.stop();
});
afterAll(async () => {
  await nc.close();
  await nats.dispose();
});

/**
 * A stream of its own per test: a fresh subject prefix. Calls to the broker retry for a while:
 * right after a test's outage it may not answer JetStream requests yet.
 */
async function freshPrefix(): Promise<string> {
  const prefix = `ar${randomBytes(3).toString("hex")}.`;
  await retrying(() => ensureStreams(nc, prefix));
  return prefix;
}

async function retrying<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

function watcher(prefix: string): AccessRevocationWatcher {
  const started = new AccessRevocationWatcher({
    servers: nats.url,
    subjectPrefix: prefix,
    service: "access-test",
    logger: pino({ level: "silent" }),
    retryDelayMs: 100,
  });
  started.start();
  watchers.push(started);
  return started;
}

function announce(prefix: string, userId: string, version: number, active = true) {
  return retrying(() =>
    publishEvent(nc, prefix, UserAccessChanged, {
      user_id: userId,
      access_version: version,
      role: "viewer",
      is_active: active,
    }),
  );
}

const token = (userId: string, accessVersion: number) => ({ userId, accessVersion });

describe("the access revocation watcher", () => {
  it("reads every change recorded before it started, then refuses older versions and inactive users", async () => {
    const prefix = await freshPrefix();
    const [demoted, deactivated, untouched] = [randomUUID(), randomUUID(), randomUUID()];
    await announce(prefix, demoted, 2);
    await announce(prefix, demoted, 3);
    await announce(prefix, deactivated, 2, false);

    const follower = watcher(prefix);
    expect(await follower.whenCaughtUp(10_000)).toBe(true);
    await expect(follower.readiness()).resolves.toBeUndefined();

    expect(follower.isRevoked(token(demoted, 1))).toBe(true);
    expect(follower.isRevoked(token(demoted, 2))).toBe(true);
    expect(follower.isRevoked(token(demoted, 3))).toBe(false);
    expect(follower.isRevoked(token(deactivated, 2))).toBe(true);
    // Nothing announced about a user: its tokens stand.
    expect(follower.isRevoked(token(untouched, 1))).toBe(false);
  });

  it("gives every follower every change (each replica has its own consumer, none shares one)", async () => {
    const prefix = await freshPrefix();
    const replicas = [watcher(prefix), watcher(prefix), watcher(prefix)];
    for (const replica of replicas) expect(await replica.whenCaughtUp(10_000)).toBe(true);
    const users = Array.from({ length: 5 }, () => randomUUID());
    for (const user of users) await announce(prefix, user, 2);

    await waitFor("every replica to know every change", () =>
      replicas.every((replica) => users.every((user) => replica.isRevoked(token(user, 1)))),
    );
  });

  it("lets the highest version win, whatever order changes arrive in", () => {
    const follower = new AccessRevocationWatcher({
      servers: nats.url,
      subjectPrefix: "unused.",
      service: "access-test",
      logger: pino({ level: "silent" }),
    });
    const user = randomUUID();
    follower.apply({ user_id: user, access_version: 3, role: "viewer", is_active: true });
    follower.apply({ user_id: user, access_version: 2, role: "admin", is_active: false });
    expect(follower.isRevoked(token(user, 3))).toBe(false);
    expect(follower.isRevoked(token(user, 2))).toBe(true);
  });

  it("reports itself degraded while the broker is down, delays nothing, and catches up once it is back", async () => {
    const prefix = await freshPrefix();
    const user = randomUUID();
    await announce(prefix, user, 2);
    await nats.stop();
    try {
      const follower = watcher(prefix);
      expect(await follower.whenCaughtUp(1_500)).toBe(false);
      expect((await follower.readiness())?.degraded).toMatch(/not caught up/);
      expect(follower.isRevoked(token(user, 1))).toBe(false);

      await nats.start();
      expect(await follower.whenCaughtUp(20_000)).toBe(true);
      expect(follower.isRevoked(token(user, 1))).toBe(true);
    } finally {
      await nats.start().catch(() => undefined);
    }
  });

  it("keeps what it knew through a broker outage and resumes after the last change it saw", async () => {
    const prefix = await freshPrefix();
    const [before, after] = [randomUUID(), randomUUID()];
    const follower = watcher(prefix);
    expect(await follower.whenCaughtUp(10_000)).toBe(true);
    await announce(prefix, before, 2, false);
    await waitFor("the first change", () => follower.isRevoked(token(before, 2)));

    await nats.stop();
    // Outage: what it knew still holds, and so does readiness (it did catch up once).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(follower.isRevoked(token(before, 2))).toBe(true);
    await expect(follower.readiness()).resolves.toBeUndefined();

    await nats.start();
    await announce(prefix, after, 2);
    await waitFor(
      "the change made after the outage",
      () => follower.isRevoked(token(after, 1)),
      20_000,
    );
    expect(follower.isRevoked(token(before, 2))).toBe(true);
  });

  it("counts a missing events stream as nothing to know, and follows it once it exists", async () => {
    const prefix = `ar${randomBytes(3).toString("hex")}.`;
    const follower = watcher(prefix);
    expect(await follower.whenCaughtUp(10_000)).toBe(true);

    await ensureStreams(nc, prefix);
    const user = randomUUID();
    await announce(prefix, user, 2);
    await waitFor("the change on the new stream", () => follower.isRevoked(token(user, 1)), 20_000);
  });
});
