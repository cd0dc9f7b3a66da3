import { randomUUID } from "node:crypto";
import {
  type EventDefinition,
  type PayloadOf,
  RefundApproved,
  RefundCompleted,
  RefundFailed,
  RefundRejected,
  TicketRefunded,
  TicketRevocationRefused,
  TicketScanned,
  type TicketSnapshot,
  TicketSold,
  TicketTransferred,
} from "@concert/contracts";
import { waitUntilHandled } from "@concert/service-kit";
import { startTestService } from "@concert/service-kit/testing";
import {
  eventually,
  outboxEvents,
  publishEvent,
  startForFile,
  type TestInfra,
  testEnv,
} from "@concert/testing";
import { describe, expect, it } from "vitest";
import { refundsService } from "../src/service.js";

const { service: refunds, infra } = startForFile((infra: TestInfra) =>
  startTestService(refundsService, testEnv(infra)),
);

const publish = <E extends EventDefinition>(event: E, payload: PayloadOf<E>) =>
  publishEvent(refunds.infra.nats, infra.subjectPrefix, event, payload, {
    messageId: randomUUID(),
  });

/** A ticket ticketing sold to a fresh holder at 40, once refunds' copy has it. */
async function soldTicket(overrides: Partial<TicketSnapshot> = {}, buyerEmail = "fan@example.com") {
  const holder = randomUUID();
  const ticket: TicketSnapshot = {
    ticket_id: randomUUID(),
    concert_id: randomUUID(),
    ticket_number: "K7M2-9QXA",
    status: "sold",
    code_version: 1,
    revision: 2,
    owner_id: holder,
    ...overrides,
  };
  await publish(TicketSold, {
    ...ticket,
    price: 40,
    buyer_email: buyerEmail,
    sold_at: new Date().toISOString(),
  });
  await eventually(() =>
    refunds.infra.prisma.refundTicket.findFirst({
      where: { ticketId: ticket.ticket_id, revision: ticket.revision },
    }),
  );
  return { ticket, token: refunds.tokenFor("viewer", { userId: ticket.owner_id ?? holder }) };
}

const admin = () => refunds.tokenFor("admin");

const ask = (token: string, ticketId: string, extra: object = {}) =>
  refunds.call("POST", "/api/refunds/request", token, {
    ticket_id: ticketId,
    reason: "Cannot come",
    ...extra,
  });

async function pendingRefund() {
  const sold = await soldTicket();
  const response = await ask(sold.token, sold.ticket.ticket_id);
  expect(response.statusCode).toBe(201);
  return { ...sold, refund: response.json() };
}

async function announced(event: EventDefinition, refundId: string) {
  const rows = await outboxEvents(refunds.infra.prisma, event.subject);
  return rows.filter((row) => row.envelope.payload.refund_id === refundId);
}

describe("asking for a refund", () => {
  it("lets the holder ask for a sold ticket and answers the original's fields, pending", async () => {
    const { ticket, token } = await soldTicket();
    const response = await ask(token, ticket.ticket_id, { notes: "Flight cancelled" });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      id: expect.any(String),
      ticket_id: ticket.ticket_id,
      user_id: ticket.owner_id,
      reason: "Cannot come",
      amount: 40,
      status: "pending",
      notes: "Flight cancelled",
      requested_at: expect.any(String),
      processed_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  it("answers 404 for someone else's ticket and for an unknown one", async () => {
    const { ticket } = await soldTicket();
    const stranger = refunds.tokenFor("viewer");
    expect((await ask(stranger, ticket.ticket_id)).statusCode).toBe(404);
    expect((await ask(stranger, randomUUID())).statusCode).toBe(404);
    expect(await refunds.infra.prisma.refund.count({ where: { ticketId: ticket.ticket_id } })).toBe(
      0,
    );
  });

  it("lets an admin ask on the holder's behalf: the refund is the holder's", async () => {
    const { ticket } = await soldTicket();
    const response = await ask(admin(), ticket.ticket_id);
    expect(response.statusCode).toBe(201);
    expect(response.json().user_id).toBe(ticket.owner_id);
  });

  it("treats the account of the buyer email as the holder of a box-office ticket no account owns yet", async () => {
    const email = `walk-in-${randomUUID()}@example.com`;
    const { ticket } = await soldTicket({ owner_id: null }, email.toUpperCase());
    expect((await ask(admin(), ticket.ticket_id)).statusCode).toBe(409);
    expect((await ask(refunds.tokenFor("viewer"), ticket.ticket_id)).statusCode).toBe(404);
    const buyer = randomUUID();
    const response = await ask(
      refunds.tokenFor("viewer", { userId: buyer, email }),
      ticket.ticket_id,
    );
    expect(response.statusCode).toBe(201);
    expect(response.json().user_id).toBe(buyer);
  });

  it("refuses a ticket that got in at the gate, and one not sold, with 409 and a detail", async () => {
    const { ticket, token } = await soldTicket();
    await publish(TicketScanned, {
      scan_id: randomUUID(),
      ticket_id: ticket.ticket_id,
      concert_id: ticket.concert_id,
      scan_type: "entry_check",
      gate: "North",
      scanned_at: new Date().toISOString(),
    });
    await eventually(async () => {
      const copy = await refunds.infra.prisma.refundTicket.findUnique({
        where: { ticketId: ticket.ticket_id },
      });
      return copy?.admittedAt;
    });
    const used = await ask(token, ticket.ticket_id);
    expect(used.statusCode).toBe(409);
    expect(used.json().detail).toMatch(/used at the gate/);

    const refunded = await soldTicket({ status: "refunded", revision: 3 });
    const again = await ask(refunded.token, refunded.ticket.ticket_id);
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toMatch(/refunded/);
  });

  it("lets a sale confirmation scan leave the ticket refundable, and keeps the first entry's time", async () => {
    const { ticket, token } = await soldTicket();
    const scanned = (scan_type: "sale_confirmation" | "entry_check", at: string) =>
      publish(TicketScanned, {
        scan_id: randomUUID(),
        ticket_id: ticket.ticket_id,
        concert_id: ticket.concert_id,
        scan_type,
        gate: "North",
        scanned_at: at,
      });
    await scanned("sale_confirmation", "2026-06-01T18:00:00.000Z");
    await waitUntilHandled(refunds.infra.nats, "refunds", TicketScanned, infra.subjectPrefix);
    const copy = () =>
      refunds.infra.prisma.refundTicket.findUniqueOrThrow({
        where: { ticketId: ticket.ticket_id },
      });
    expect((await copy()).admittedAt).toBeNull();

    await scanned("entry_check", "2026-06-01T18:05:00.000Z");
    await waitUntilHandled(refunds.infra.nats, "refunds", TicketScanned, infra.subjectPrefix);
    await scanned("entry_check", "2026-06-01T18:09:00.000Z");
    await waitUntilHandled(refunds.infra.nats, "refunds", TicketScanned, infra.subjectPrefix);
    expect((await copy()).admittedAt?.toISOString()).toBe("2026-06-01T18:05:00.000Z");
    expect((await ask(token, ticket.ticket_id)).statusCode).toBe(409);
  });

  it("follows a transfer: the old holder can no longer ask (404), the new one can, for the new epoch", async () => {
    const { ticket, token: oldHolder } = await soldTicket();
    const newHolder = randomUUID();
    await publish(TicketTransferred, {
      ...ticket,
      status: "transferred",
      owner_id: newHolder,
      ticket_number: "P3Q4-R5S6",
      code_version: 2,
      revision: ticket.revision + 1,
      transfer_id: randomUUID(),
      from_user_id: ticket.owner_id,
    });
    await eventually(() =>
      refunds.infra.prisma.refundTicket.findFirst({
        where: { ticketId: ticket.ticket_id, ownerId: newHolder, codeVersion: 2 },
      }),
    );
    expect((await ask(oldHolder, ticket.ticket_id)).statusCode).toBe(404);
    const asked = await ask(refunds.tokenFor("viewer", { userId: newHolder }), ticket.ticket_id);
    expect(asked.statusCode).toBe(201);
    expect(asked.json()).toMatchObject({ user_id: newHolder, status: "pending" });
    await refunds.call("POST", `/api/refunds/${asked.json().id}/approve`, admin());
    expect(
      (await announced(RefundApproved, asked.json().id)).map(
        (r) => r.envelope.payload.code_version,
      ),
    ).toEqual([2]);
  });

  it("keeps one open request per ticket: a second answers 409", async () => {
    const { ticket, token } = await pendingRefund();
    const second = await ask(token, ticket.ticket_id);
    expect(second.statusCode).toBe(409);
    expect(second.json().detail).toMatch(/already pending or approved/);
  });

  it("allows a new request once the last one was rejected", async () => {
    const { ticket, token, refund } = await pendingRefund();
    expect(
      (await refunds.call("POST", `/api/refunds/${refund.id}/reject`, admin())).statusCode,
    ).toBe(200);
    expect((await ask(token, ticket.ticket_id)).statusCode).toBe(201);
  });
});

describe("reading refunds", () => {
  it("shows the holder their own refunds only, and an admin every one, filtered by status", async () => {
    const mine = await pendingRefund();
    const theirs = await pendingRefund();
    const own = await refunds.call("GET", "/api/refunds/", mine.token);
    expect(own.json().map((r: { id: string }) => r.id)).toEqual([mine.refund.id]);
    expect(
      (await refunds.call("GET", `/api/refunds/${theirs.refund.id}`, mine.token)).statusCode,
    ).toBe(404);
    expect(
      (await refunds.call("GET", `/api/refunds/${mine.refund.id}`, mine.token)).json().id,
    ).toBe(mine.refund.id);

    await refunds.call("POST", `/api/refunds/${theirs.refund.id}/reject`, admin());
    const rejected = await refunds.call("GET", "/api/refunds/?status=rejected&limit=500", admin());
    const ids = rejected.json().map((r: { id: string }) => r.id);
    expect(ids).toContain(theirs.refund.id);
    expect(ids).not.toContain(mine.refund.id);
    const page = await refunds.call("GET", "/api/refunds/?limit=1&offset=0", admin());
    expect(page.json()).toHaveLength(1);
  });
});

describe("deciding a refund", () => {
  it("approves a pending refund once, announcing RefundApproved; anything else answers 409", async () => {
    const { ticket, refund } = await pendingRefund();
    const approved = await refunds.call("POST", `/api/refunds/${refund.id}/approve`, admin(), {
      notes: "OK by the box office",
    });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: "approved", notes: "OK by the box office" });
    expect((await announced(RefundApproved, refund.id)).map((r) => r.envelope.payload)).toEqual([
      {
        refund_id: refund.id,
        ticket_id: ticket.ticket_id,
        concert_id: ticket.concert_id,
        code_version: ticket.code_version,
      },
    ]);
    expect(
      (await refunds.call("POST", `/api/refunds/${refund.id}/approve`, admin())).statusCode,
    ).toBe(409);
    expect(
      (await refunds.call("POST", `/api/refunds/${refund.id}/reject`, admin())).statusCode,
    ).toBe(409);
    expect(await announced(RefundRejected, refund.id)).toEqual([]);
  });

  it("refuses a viewer deciding (403), even the holder, and changes nothing", async () => {
    const { token, refund } = await pendingRefund();
    expect(
      (await refunds.call("POST", `/api/refunds/${refund.id}/approve`, token)).statusCode,
    ).toBe(403);
    expect((await refunds.call("POST", `/api/refunds/${refund.id}/reject`, token)).statusCode).toBe(
      403,
    );
    expect((await refunds.call("GET", `/api/refunds/${refund.id}`, token)).json().status).toBe(
      "pending",
    );
    expect(await announced(RefundApproved, refund.id)).toEqual([]);
  });

  it("answers 404 for a refund that does not exist", async () => {
    const response = await refunds.call("POST", `/api/refunds/${randomUUID()}/approve`, admin());
    expect(response.statusCode).toBe(404);
  });
});

describe("the saga's answers", () => {
  async function approvedRefund() {
    const pending = await pendingRefund();
    await refunds.call("POST", `/api/refunds/${pending.refund.id}/approve`, admin());
    return pending;
  }

  it("completes when ticketing refunded the ticket: the price paid is paid out once, even when told twice", async () => {
    const { ticket, token, refund } = await approvedRefund();
    const refunded = {
      ...ticket,
      status: "refunded" as const,
      revision: ticket.revision + 1,
      refund_id: refund.id,
      amount: 40,
    };
    await publish(TicketRefunded, refunded);
    await publish(TicketRefunded, refunded);
    const done = await eventually(async () => {
      const answer = (await refunds.call("GET", `/api/refunds/${refund.id}`, token)).json();
      return answer.status === "completed" && answer;
    });
    expect(done).toMatchObject({ amount: 40, processed_at: expect.any(String) });
    expect(done.notes).toMatch(/Refunded 40.00, the price paid/);
    await eventually(async () => (await announced(RefundCompleted, refund.id)).length > 0);
    expect(await announced(RefundCompleted, refund.id)).toHaveLength(1);
    expect(await refunds.infra.prisma.payout.findMany({ where: { refundId: refund.id } })).toEqual([
      expect.objectContaining({ userId: ticket.owner_id, provider: "recorded" }),
    ]);
  });

  it("fails with the reason when the gate refused (the ticket got in first)", async () => {
    const { ticket, token, refund } = await approvedRefund();
    await publish(TicketRevocationRefused, {
      ticket_id: ticket.ticket_id,
      refund_id: refund.id,
      reason: "admitted",
    });
    const failed = await eventually(async () => {
      const answer = (await refunds.call("GET", `/api/refunds/${refund.id}`, token)).json();
      return answer.status === "failed" && answer;
    });
    expect(failed.notes).toMatch(/Refund failed \(admitted\)/);
    expect((await announced(RefundFailed, refund.id)).map((r) => r.envelope.payload)).toEqual([
      {
        refund_id: refund.id,
        ticket_id: ticket.ticket_id,
        concert_id: ticket.concert_id,
        reason: "admitted",
      },
    ]);
    expect(await refunds.infra.prisma.payout.count({ where: { refundId: refund.id } })).toBe(0);
  });
});
