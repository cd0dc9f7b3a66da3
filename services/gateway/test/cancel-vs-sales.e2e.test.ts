import { ConcertCancelled, type PayloadOf, TicketRefunded } from "@concert/contracts";
import { eventually, outboxEvents, startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { type ApiResponse, apiClient, type Person } from "./http-client.js";
import { ADMIN, startStack } from "./stack.js";

// Catalog cancels while buyers keep buying through the gateway: every service, real sockets and broker.
const { service: stack } = startForFile((infra) => startStack(infra));
const { api, login, person, concertOnSale } = apiClient(() => stack.url);
let admin: string;
let scanner: string;
let buyers: Person[];

const ROUNDS = 10;
const BUYERS = 4;
const TICKETS = 400;

beforeAll(async () => {
  admin = await login(ADMIN.email, ADMIN.password);
  const created = await api("POST", "/api/auth/register", {
    token: admin,
    body: { email: "door@example.com", password: "door-pass-1", role: "scanner" },
  });
  expect(created.status).toBe(201);
  scanner = await login("door@example.com", "door-pass-1");
  buyers = await Promise.all(Array.from({ length: BUYERS }, (_, i) => person(`fan${i}`)));
});

interface Attempt {
  startedAt: number;
  answer: ApiResponse;
}

/** One buyer buying again and again until ticketing refuses (the cancellation reached it). */
async function keepBuying(buyer: Person, concertId: string, attempts: Attempt[]) {
  for (;;) {
    const startedAt = Date.now();
    const answer = await api("POST", "/api/tickets/purchase", {
      token: buyer.token,
      body: { concert_id: concertId },
    });
    attempts.push({ startedAt, answer });
    if (answer.status !== 201) return;
  }
}

/**
 * The gate's answer once it knows the ticket was sold: it learns of issuing, sales, refunds and
 * the cancellation from separate events, in any order, so until the sale's reaches it the ticket
 * is unknown or "not_sold". Every ticket asked about here was bought.
 */
const gateAnswer = (concertId: string, qrData: string) =>
  eventually(async () => {
    const scan = await api("POST", "/api/scans/", {
      token: scanner,
      body: { qr_data: qrData, scan_type: "entry_check", concert_id: concertId },
    });
    return !["unknown_ticket", "not_sold"].includes(scan.body.result) && scan.body;
  });

describe("a concert cancelled while it sells", () => {
  it(`keeps no ticket sold after the cancel committed: ${BUYERS} buyers buying in a loop race the cancel, ${ROUNDS} times`, async () => {
    let startedAfterCancel = 0;
    let voided = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const concertId = await concertOnSale(admin, TICKETS);
      const attempts: Attempt[] = [];
      const buying = Promise.all(buyers.map((buyer) => keepBuying(buyer, concertId, attempts)));
      await eventually(async () => attempts.length >= BUYERS);
      const cancel = await api("POST", `/api/concerts/${concertId}/cancel`, { token: admin });
      const cancelAnsweredAt = Date.now();
      expect(cancel.status).toBe(200);
      await buying;

      // Every buyer stopped on ticketing's refusal: the cancellation (and its voids) committed there.
      for (const { answer } of attempts.filter((a) => a.answer.status !== 201)) {
        expect(answer).toMatchObject({ status: 409, body: { detail: "Concert is cancelled" } });
      }
      const [cancelled] = (await outboxEvents(stack.catalog.infra.prisma, ConcertCancelled.subject))
        .map(
          (row) =>
            row.envelope as unknown as { occurred_at: string; payload: { concert_id: string } },
        )
        .filter((envelope) => envelope.payload.concert_id === concertId);
      const cancelledAt = new Date(cancelled?.occurred_at as string);

      const bought = attempts.filter((a) => a.answer.status === 201);
      const tickets = await stack.ticketing.infra.prisma.ticket.findMany({
        where: { concertId, soldAt: { not: null } },
      });
      expect(tickets).toHaveLength(bought.length);
      const late = tickets.filter((ticket) => (ticket.soldAt as Date) >= cancelledAt);
      for (const ticket of tickets) {
        expect({ ticket: ticket.id, status: ticket.status }).toEqual({
          ticket: ticket.id,
          status: late.includes(ticket) ? "refunded" : "sold",
        });
      }
      // A purchase begun after the cancel's answer came back is certainly after its commit.
      const boughtAfterCancel = bought.filter((a) => a.startedAt > cancelAnsweredAt);
      for (const { answer } of boughtAfterCancel) {
        expect(late.map((ticket) => ticket.id)).toContain(answer.body.id);
      }
      startedAfterCancel += boughtAfterCancel.length;
      voided += late.length;
      console.info(
        `round ${round}: ${bought.length} sold, ${late.length} voided, ${boughtAfterCancel.length} begun after the answer`,
      );

      // One TicketRefunded (concert_cancelled, the price paid) per voided sale, no other.
      const refunds = (await outboxEvents(stack.ticketing.infra.prisma, TicketRefunded.subject))
        .map((row) => row.envelope.payload as PayloadOf<typeof TicketRefunded>)
        .filter((payload) => payload.concert_id === concertId);
      expect(refunds.map((r) => r.ticket_id).sort()).toEqual(late.map((t) => t.id).sort());
      for (const refund of refunds)
        expect(refund).toMatchObject({ reason: "concert_cancelled", amount: 20 });

      // The gate admits none of them (every voided one, and a few kept ones: cancelled).
      const kept = bought.filter((a) => !late.some((t) => t.id === a.answer.body.id));
      for (const { answer } of [...bought.filter((a) => !kept.includes(a)), ...kept.slice(0, 3)]) {
        const scan = await gateAnswer(concertId, answer.body.qr_data);
        expect(scan.admit).toBe(false);
        expect(["concert_cancelled", "refunded"]).toContain(scan.result);
      }
      // The counts agree everywhere: ticketing's report, and catalog's sold tickets once it heard.
      const report = await api("GET", `/api/tickets/concert/${concertId}/sales`, { token: admin });
      expect(report.body).toMatchObject({
        created: TICKETS,
        sold: tickets.length - late.length,
        refunded: late.length,
        refunded_amount: late.length * 20,
      });
      await eventually(async () => {
        const rows = await stack.catalog.infra.prisma.soldTicket.findMany({ where: { concertId } });
        return (
          rows.length === tickets.length &&
          rows.filter((row) => row.refundedAt === null).length === tickets.length - late.length
        );
      });
    }
    // The race really happened: sales went through after the cancel, and were undone.
    console.info(
      `cancel vs sales: ${voided} sales voided, ${startedAfterCancel} begun after the cancel's answer`,
    );
    expect(voided).toBeGreaterThan(0);
  }, 300_000);
});
