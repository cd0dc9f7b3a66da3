import { randomUUID } from "node:crypto";
import {
  type EventDefinition,
  RefundApproved,
  TicketRefunded,
  TicketRevocationRefused,
  TicketRevoked,
  type TicketSnapshot,
} from "@concert/contracts";
import { namedStatement } from "@concert/service-kit";
import { outboxEvents, startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { decideRevocation, REVOKE_TICKET, type RevokeParams } from "../src/domain/revoke-ticket.js";
import { otherServices, soldTicket, startTestAttendance } from "./helper.js";

const { service: attendance, infra } = startForFile(startTestAttendance);
let others: ReturnType<typeof otherServices>;
let scanner: string;

beforeAll(() => {
  others = otherServices(infra, attendance);
  scanner = others.tokenFor("scanner");
});

const handledAll = (event: EventDefinition) => others.handledAll(event);

const entryScan = (ticket: TicketSnapshot) =>
  attendance.app.inject({
    method: "POST",
    url: "/api/scans/",
    payload: { qr_data: others.codeFor(ticket), scan_type: "entry_check", gate: "North" },
    headers: { authorization: `Bearer ${scanner}` },
  });

const announced = (event: EventDefinition, ticketId: string) => others.announced(event, ticketId);

const approval = (ticket: TicketSnapshot) => ({
  refund_id: randomUUID(),
  ticket_id: ticket.ticket_id,
  concert_id: ticket.concert_id,
});

describe("the gate as the arbiter of refunds", () => {
  it("revokes a sold ticket nobody got in with, and its code is then denied as refunded (409)", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const refund = approval(ticket);
    await others.publish(RefundApproved, refund);
    await handledAll(RefundApproved);

    expect(
      (await announced(TicketRevoked, ticket.ticket_id)).map((r) => r.envelope.payload),
    ).toEqual([
      { ticket_id: ticket.ticket_id, concert_id: ticket.concert_id, refund_id: refund.refund_id },
    ]);
    const scan = await entryScan(ticket);
    expect(scan.statusCode).toBe(409);
    expect(scan.json()).toMatchObject({ admit: false, result: "refunded" });
  });

  it("refuses with the reason admitted when the ticket got in first", async () => {
    const ticket = await others.announceTicket(soldTicket());
    expect((await entryScan(ticket)).statusCode).toBe(200);
    const refund = approval(ticket);
    await others.publish(RefundApproved, refund);
    await handledAll(RefundApproved);

    expect(await announced(TicketRevoked, ticket.ticket_id)).toEqual([]);
    expect(
      (await announced(TicketRevocationRefused, ticket.ticket_id)).map((r) => r.envelope.payload),
    ).toEqual([{ ticket_id: ticket.ticket_id, refund_id: refund.refund_id, reason: "admitted" }]);
  });

  it("refuses a second refund of a revoked ticket (revoked) and one of a ticket it never heard of", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const first = approval(ticket);
    const second = approval(ticket);
    const stranger = approval(soldTicket());
    for (const refund of [first, second, stranger]) await others.publish(RefundApproved, refund);
    await handledAll(RefundApproved);

    // Consumers run several messages at once: either approval may reach the arbiter first.
    const refusals = (await outboxEvents(attendance.infra.prisma, TicketRevocationRefused.subject))
      .map((row) => row.envelope.payload)
      .filter((p) => [first, second, stranger].some((refund) => refund.refund_id === p.refund_id));
    const revoked = await announced(TicketRevoked, ticket.ticket_id);
    expect(revoked).toHaveLength(1);
    const loser = revoked[0]?.envelope.payload.refund_id === first.refund_id ? second : first;
    expect(refusals).toHaveLength(2);
    expect(refusals).toEqual(
      expect.arrayContaining([
        { ticket_id: ticket.ticket_id, refund_id: loser.refund_id, reason: "revoked" },
        { ticket_id: stranger.ticket_id, refund_id: stranger.refund_id, reason: "unknown_ticket" },
      ]),
    );
  });

  it("announces nothing new when a RefundApproved is delivered again, even under a new event id", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const refund = approval(ticket);
    const first = await others.publish(RefundApproved, refund);
    await others.publish(RefundApproved, refund, first.id); // the same event, past the broker's dedupe
    await others.publish(RefundApproved, refund); // the same approval recorded again
    await handledAll(RefundApproved);

    expect(await announced(TicketRevoked, ticket.ticket_id)).toHaveLength(1);
    expect(await announced(TicketRevocationRefused, ticket.ticket_id)).toEqual([]);
  });

  it("keeps a revoked ticket out whatever snapshot arrives later", async () => {
    const ticket = await others.announceTicket(soldTicket());
    await others.publish(RefundApproved, approval(ticket));
    await handledAll(RefundApproved);
    // A newer snapshot saying "sold" (e.g. a reordered or stray one) must not readmit it.
    await others.announceTicket({ ...ticket, revision: ticket.revision + 5 });
    const scan = await entryScan(ticket);
    expect(scan.json()).toMatchObject({ admit: false, result: "refunded" });
  });

  it("applies ticketing's TicketRefunded snapshot to its copy", async () => {
    const ticket = await others.announceTicket(soldTicket());
    await others.publish(TicketRefunded, {
      ...ticket,
      status: "refunded",
      revision: ticket.revision + 1,
      refund_id: randomUUID(),
      amount: 50,
    });
    await handledAll(TicketRefunded);
    const copy = await attendance.infra.prisma.gateTicket.findUniqueOrThrow({
      where: { ticketId: ticket.ticket_id },
    });
    expect(copy).toMatchObject({ status: "refunded", revision: ticket.revision + 1 });
  });
});

/**
 * A deliberately broken arbiter: revokes whatever the ticket's state. Only the negative control
 * uses it, to show the race below can catch a forbidden outcome.
 */
const UNCONDITIONAL_REVOKE = namedStatement<RevokeParams>(`
UPDATE gate_tickets t SET revoked_at = now(), revoked_for = :refund_id::uuid
 WHERE t.ticket_id = :ticket_id::uuid
RETURNING t.concert_id`);

interface RaceOutcome {
  revoked: boolean;
  admitted: boolean;
}

/** Allowed: exactly one of the two won. Forbidden: both (money back and the holder inside). */
const forbidden = (outcomes: RaceOutcome[]) => outcomes.filter((o) => o.revoked && o.admitted);
const neither = (outcomes: RaceOutcome[]) => outcomes.filter((o) => !o.revoked && !o.admitted);

const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 4));

/** One fresh ticket, its approval decided with `revoke` while an entry scan runs at the same moment. */
async function race(revoke: typeof REVOKE_TICKET): Promise<RaceOutcome> {
  const ticket = await others.announceTicket(soldTicket());
  const [decision, scan] = await Promise.all([
    jitter().then(() =>
      attendance.infra.prisma.$transaction((tx) => decideRevocation(tx, approval(ticket), revoke)),
    ),
    jitter().then(() => entryScan(ticket)),
  ]);
  return { revoked: decision === "revoked", admitted: scan.json().result === "admitted" };
}

describe("refund approval racing an entry scan", () => {
  it("never both revokes the ticket and admits it (20 races, fresh ticket each)", async () => {
    const outcomes: RaceOutcome[] = [];
    for (let i = 0; i < 20; i++) outcomes.push(await race(REVOKE_TICKET));
    expect(forbidden(outcomes)).toEqual([]);
    expect(neither(outcomes)).toEqual([]);
  });

  it("negative control: with an unconditional revoke the same race shows the forbidden outcome", async () => {
    const outcomes: RaceOutcome[] = [];
    for (let i = 0; i < 20 && forbidden(outcomes).length === 0; i++) {
      outcomes.push(await race(UNCONDITIONAL_REVOKE));
    }
    expect(forbidden(outcomes).length).toBeGreaterThan(0);
  });
});
