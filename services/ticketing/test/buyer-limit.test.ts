import { randomUUID } from "node:crypto";
import { startForFile } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { startTestTicketing } from "./helper.js";

// Ticketing run with a limit of 2 tickets per buyer and concert.
const { service: ticketing } = startForFile((infra) =>
  startTestTicketing(infra, { MAX_TICKETS_PER_BUYER: "2" }),
);

const concertWithTickets = (quantity: number) => ticketing.concertWithTickets(quantity);

const purchase = (token: string, concertId: string) =>
  ticketing.call("POST", "/api/tickets/purchase", token, { concert_id: concertId });

const heldBy = (userId: string, concertId: string) =>
  ticketing.infra.prisma.ticket.count({ where: { concertId, ownerId: userId, status: "sold" } });

describe("the per-buyer limit (MAX_TICKETS_PER_BUYER)", () => {
  it("holds under 10 simultaneous purchases of one buyer, 5 times: exactly 2 sold, the rest 409", async () => {
    for (let round = 0; round < 5; round++) {
      const concertId = await concertWithTickets(20);
      const userId = randomUUID();
      const buyer = ticketing.tokenFor("viewer", { userId });
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => purchase(buyer, concertId)),
      );
      expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(2);
      const refused = answers.filter((a) => a.statusCode !== 201);
      expect(refused).toHaveLength(8);
      for (const answer of refused) {
        expect(answer.statusCode).toBe(409);
        expect(answer.json().detail).toMatch(/at most 2 ticket\(s\) of this concert/);
      }
      expect(await heldBy(userId, concertId)).toBe(2);
    }
  });

  it("limits each buyer and each concert separately, and not the box office", async () => {
    const concertId = await concertWithTickets(6);
    const other = await concertWithTickets(2);
    const buyer = ticketing.tokenFor("viewer");
    for (let i = 0; i < 2; i++) expect((await purchase(buyer, concertId)).statusCode).toBe(201);
    expect((await purchase(buyer, concertId)).statusCode).toBe(409);
    expect((await purchase(buyer, other)).statusCode).toBe(201);
    expect((await purchase(ticketing.tokenFor("viewer"), concertId)).statusCode).toBe(201);

    const left = await ticketing.infra.prisma.ticket.findMany({
      where: { concertId, status: "created" },
    });
    for (const ticket of left) {
      const sold = await ticketing.call(
        "POST",
        `/api/tickets/${ticket.id}/mark-sold`,
        ticketing.tokenFor("admin"),
        { buyer_name: "Group", buyer_email: "group@example.com" },
      );
      expect(sold.statusCode).toBe(200);
    }
  });
});
