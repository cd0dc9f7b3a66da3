import { randomUUID } from "node:crypto";
import { ConcertCreated, type ConcertSnapshot, UserRegistered } from "@concert/contracts";
import { createLogger, type Identity, loadSigningKey, signAccessToken } from "@concert/service-kit";
import { eventually, publishEvent, type TestInfra, testEnv } from "@concert/testing";
import { loadTicketingConfig } from "../src/config.js";
import { startTicketing } from "../src/start.js";

/** Ticketing as `main` starts it, fed by events published to this run's broker. */
export async function startTestTicketing(infra: TestInfra) {
  const config = loadTicketingConfig(testEnv(infra));
  const service = await startTicketing(config, createLogger("ticketing", config.LOG_LEVEL));
  const signing = loadSigningKey({ ...config, ALGORITHM: "RS256" });
  const { prisma, nats } = service.infra;

  return {
    ...service,
    config,
    tokenFor(role: Identity["role"], user: Partial<Identity> = {}) {
      const identity = {
        userId: randomUUID(),
        email: `${role}-${randomUUID()}@example.com`,
        role,
        ...user,
      };
      return signAccessToken(signing, identity, 600);
    },
    /** A concert as catalog would announce it; resolves once ticketing has applied it. */
    async concert(overrides: Partial<ConcertSnapshot> = {}): Promise<ConcertSnapshot> {
      const snapshot: ConcertSnapshot = {
        concert_id: randomUUID(),
        version: 1,
        name: "Test Concert",
        artist: "Artist",
        venue: "Venue",
        starts_at: new Date(Date.now() + 86_400_000).toISOString(),
        capacity: 10,
        ticket_price: 25,
        status: "scheduled",
        ...overrides,
      };
      await publishEvent(nats, infra.subjectPrefix, ConcertCreated, snapshot);
      await eventually(() =>
        prisma.concert.findFirst({ where: { id: snapshot.concert_id, version: snapshot.version } }),
      );
      return snapshot;
    },
    /** A user as identity would announce it; resolves once ticketing knows the account. */
    async registered(email: string): Promise<Identity> {
      const user = { userId: randomUUID(), email, role: "viewer" as const };
      await publishEvent(nats, infra.subjectPrefix, UserRegistered, {
        user_id: user.userId,
        email,
        full_name: "Registered Buyer",
        role: "viewer",
      });
      await eventually(() => prisma.knownUser.findUnique({ where: { id: user.userId } }));
      return user;
    },
    async close() {
      await service.app.close();
      await service.infra.close();
    },
  };
}

export type TestTicketing = Awaited<ReturnType<typeof startTestTicketing>>;
