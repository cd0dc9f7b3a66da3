import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConcertCreated, defineEvent, UserRegistered } from "../src/index.js";

describe("event definitions", () => {
  it("derive a versioned subject from producer, aggregate and verb", () => {
    expect(ConcertCreated.subject).toBe("evt.catalog.concert.created.v1");
    expect(UserRegistered.subject).toBe("evt.identity.user.registered.v1");
    const TicketSold = defineEvent({
      name: "TicketSold",
      version: 2,
      producer: "ticketing",
      aggregate: "ticket",
      verb: "sold",
      payload: z.object({ ticket_id: z.uuid() }),
    });
    expect(TicketSold.subject).toBe("evt.ticketing.ticket.sold.v2");
  });

  it("accept a well-formed envelope and refuse a wrong name, version or payload", () => {
    const envelope = {
      id: randomUUID(),
      name: "UserRegistered",
      version: 1,
      occurred_at: new Date().toISOString(),
      payload: { user_id: randomUUID(), email: "a@example.com", full_name: "A", role: "viewer" },
    };
    expect(UserRegistered.envelope.safeParse(envelope).success).toBe(true);
    expect(UserRegistered.envelope.safeParse({ ...envelope, name: "UserDeleted" }).success).toBe(
      false,
    );
    expect(UserRegistered.envelope.safeParse({ ...envelope, version: 2 }).success).toBe(false);
    expect(
      UserRegistered.envelope.safeParse({
        ...envelope,
        payload: { ...envelope.payload, role: "root" },
      }).success,
    ).toBe(false);
  });
});
