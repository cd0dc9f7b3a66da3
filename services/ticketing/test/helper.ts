import { randomUUID } from "node:crypto";
import { ConcertCreated, type ConcertSnapshot, UserRegistered } from "@concert/contracts";
import type { Identity } from "@concert/service-kit";
import { startTestService } from "@concert/service-kit/testing";
import { eventually, publishEvent, type TestInfra, testEnv } from "@concert/testing";
import { ticketingService } from "../src/service.js";

/** Ticketing as `main` starts it, fed by events published to this run's broker. */
export async function startTestTicketing(infra: TestInfra, env: Record<string, string> = {}) {
  const service = await startTestService(ticketingService, testEnv(infra, env));
  const { prisma, nats } = service.infra;

  return {
    ...service,
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
    /** A concert with exactly `quantity` tickets issued (its capacity), for sales tests. */
    async concertWithTickets(quantity: number): Promise<string> {
      const concert = await this.concert({ capacity: quantity });
      const created = await service.call(
        "POST",
        `/api/tickets/create/${concert.concert_id}`,
        service.tokenFor("admin"),
        { quantity },
      );
      if (created.statusCode !== 201) {
        throw new Error(
          `issuing ${quantity} tickets answered ${created.statusCode}: ${created.body}`,
        );
      }
      return concert.concert_id;
    },
    /** A user as identity would announce it; resolves once ticketing knows the account. */
    async registered(email: string): Promise<Identity> {
      const user = { userId: randomUUID(), email, role: "viewer" as const, accessVersion: 1 };
      await publishEvent(nats, infra.subjectPrefix, UserRegistered, {
        user_id: user.userId,
        email,
        full_name: "Registered Buyer",
        role: "viewer",
      });
      await eventually(() => prisma.knownUser.findUnique({ where: { id: user.userId } }));
      return user;
    },
  };
}

export type TestTicketing = Awaited<ReturnType<typeof startTestTicketing>>;
