import {
  RefundCompleted,
  TicketHandedOver,
  TicketRefunded,
  TicketRevoked,
  TicketTransferred,
  TransferCompleted,
} from "@concert/contracts";
import { eventually, startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { apiClient, eventuallyStatus, type Person } from "./http-client.js";
import { startProcessStack } from "./process-stack.js";
import { ADMIN } from "./stack.js";

// Every service as its own process on a broker of its own: a test SIGKILLs one (or stops the
// broker) in the middle of a saga, starts it again, and the saga ends once, with one effect.
const { service: stack } = startForFile((infra) => startProcessStack(infra));
let admin: string;
let scanner: string;
const { api, login, person, concertOnSale: concertFor } = apiClient(() => stack.url);
const concertOnSale = (tickets = 1) => concertFor(admin, tickets);
/** A harness limit: a redelivery after a crash mid-message waits out the 10 s ack wait. */
const FAULT_TIMEOUT = 90_000;
/** How long a saga may take to finish after the fault is over (same reason). */
const SETTLE_MS = 60_000;

beforeAll(async () => {
  admin = await login(ADMIN.email, ADMIN.password);
  const created = await api("POST", "/api/auth/register", {
    token: admin,
    body: { email: "faults-door@example.com", password: "door-pass-1", role: "scanner" },
  });
  expect(created.status).toBe(201);
  scanner = await login("faults-door@example.com", "door-pass-1");
});

const scan = (body: Record<string, unknown>) =>
  api("POST", "/api/scans/", {
    token: scanner,
    body: { scan_type: "entry_check", location: "Main door", ...body },
  });

/** The buyer purchases the concert's ticket; resolves once the gate knows it is sold. */
async function buy(buyer: Person, concertId: string) {
  const bought = await api("POST", "/api/tickets/purchase", {
    token: buyer.token,
    body: { concert_id: concertId },
  });
  expect(bought.status).toBe(201);
  await eventuallyStatus(async () => {
    const probe = await scan({ qr_data: bought.body.qr_data, scan_type: "sale_confirmation" });
    return probe.body.result === "sale_confirmed" ? probe : { ...probe, status: 0 };
  }, 200);
  return bought.body as { id: string; qr_data: string };
}

/** A sold ticket and its holder's pending refund request for it. */
async function pendingRefund() {
  const concertId = await concertOnSale();
  const holder = await person("holder");
  const ticket = await buy(holder, concertId);
  const refund = await eventuallyStatus(
    () =>
      api("POST", "/api/refunds/request", {
        token: holder.token,
        body: { ticket_id: ticket.id, reason: "Cannot make it" },
      }),
    201,
  );
  return { concertId, holder, ticket, refundId: refund.body.id as string };
}

/** A sold ticket offered by its holder to another account, pending. */
async function pendingTransfer() {
  const concertId = await concertOnSale();
  const sender = await person("sender");
  const recipient = await person("recipient");
  const ticket = await buy(sender, concertId);
  const offered = await eventuallyStatus(
    () =>
      api("POST", "/api/transfers/initiate", {
        token: sender.token,
        body: { ticket_id: ticket.id, to_user_id: recipient.id },
      }),
    201,
  );
  return { sender, recipient, ticket, transferId: offered.body.id as string };
}

const approve = async (refundId: string) => {
  const approved = await api("POST", `/api/refunds/${refundId}/approve`, { token: admin });
  expect(approved.status).toBe(200);
  expect(approved.body.status).toBe("approved");
};

const accept = async (recipient: Person, transferId: string) => {
  const accepted = await api("POST", `/api/transfers/${transferId}/accept`, {
    token: recipient.token,
  });
  expect(accepted.status).toBe(200);
  expect(accepted.body.status).toBe("accepted");
};

/** Rows of `schema`'s outbox announcing `subject` whose payload's `key` is `id`. */
async function announced(schema: string, subject: string, key: string, id: string) {
  const [row] = await stack.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${schema}.outbox_events
      WHERE subject = $1 AND envelope->'payload'->>'${key}' = $2`,
    [subject, id],
  );
  return Number(row?.n);
}

/** The refund completed, and every step of it happened exactly once. */
async function expectRefundedOnce(refund: Awaited<ReturnType<typeof pendingRefund>>) {
  const { refundId, ticket, concertId, holder } = refund;
  const done = await eventually(async () => {
    const answer = await api("GET", `/api/refunds/${refundId}`, { token: holder.token });
    return ["completed", "failed", "rejected"].includes(answer.body.status) && answer.body;
  }, SETTLE_MS);
  expect(done).toMatchObject({ status: "completed", amount: 20 });
  const payouts = await stack.query("SELECT amount FROM refunds.payouts WHERE refund_id = $1", [
    refundId,
  ]);
  expect(payouts).toEqual([{ amount: "20.00" }]);
  expect(await announced("attendance", TicketRevoked.subject, "refund_id", refundId)).toBe(1);
  expect(await announced("ticketing", TicketRefunded.subject, "refund_id", refundId)).toBe(1);
  expect(await announced("refunds", RefundCompleted.subject, "refund_id", refundId)).toBe(1);
  // The refunded ticket and exactly one replacement put on sale.
  const tickets = await stack.query<{ id: string; status: string }>(
    "SELECT id, status::text AS status FROM ticketing.tickets WHERE concert_id = $1",
    [concertId],
  );
  expect(tickets.map((t) => (t.id === ticket.id ? t.status : `new ${t.status}`)).sort()).toEqual([
    "new created",
    "refunded",
  ]);
  const atTheGate = await scan({ qr_data: ticket.qr_data });
  expect(atTheGate.body.result).toBe("refunded");
}

/** The transfer completed, and the ticket changed hands exactly once. */
async function expectTransferredOnce(transfer: Awaited<ReturnType<typeof pendingTransfer>>) {
  const { transferId, ticket, sender, recipient } = transfer;
  const done = await eventually(async () => {
    const answer = await api("GET", `/api/transfers/${transferId}`, { token: sender.token });
    return (
      ["completed", "failed", "rejected", "cancelled"].includes(answer.body.status) && answer.body
    );
  }, SETTLE_MS);
  expect(done.status).toBe("completed");
  const [row] = await stack.query(
    "SELECT owner_id, code_version, status::text AS status FROM ticketing.tickets WHERE id = $1",
    [ticket.id],
  );
  expect(row).toEqual({ owner_id: recipient.id, code_version: 2, status: "transferred" });
  const [gate] = await stack.query(
    "SELECT code_version FROM attendance.gate_tickets WHERE ticket_id = $1",
    [ticket.id],
  );
  expect(gate).toEqual({ code_version: 2 });
  for (const [schema, subject] of [
    ["attendance", TicketHandedOver.subject],
    ["ticketing", TicketTransferred.subject],
    ["transfers", TransferCompleted.subject],
  ] as const) {
    expect(await announced(schema, subject, "transfer_id", transferId), subject).toBe(1);
  }
  const oldCode = await scan({ qr_data: ticket.qr_data });
  expect(oldCode.body.result).toBe("code_replaced");
}

/** Gives the stack time to (wrongly) move on while a service is down. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a refund interrupted by a crash finishes once after the restart", () => {
  it(
    "approved while attendance (the arbiter) is down: stays approved, completes once it is back",
    async () => {
      const refund = await pendingRefund();
      await stack.kill("attendance");
      await approve(refund.refundId);
      await pause(500);
      const waiting = await api("GET", `/api/refunds/${refund.refundId}`, {
        token: refund.holder.token,
      });
      expect(waiting.body.status).toBe("approved");
      await stack.start("attendance");
      await expectRefundedOnce(refund);
    },
    FAULT_TIMEOUT,
  );

  it(
    "ticketing killed right after the approval is answered: completes once after its restart",
    async () => {
      const refund = await pendingRefund();
      await approve(refund.refundId);
      await stack.kill("ticketing");
      await pause(300);
      await stack.start("ticketing");
      await expectRefundedOnce(refund);
    },
    FAULT_TIMEOUT,
  );

  it(
    "refunds killed right after answering the approval (its event maybe unpublished): completes once after its restart",
    async () => {
      const refund = await pendingRefund();
      await approve(refund.refundId);
      await stack.kill("refunds");
      await pause(300);
      await stack.start("refunds");
      await expectRefundedOnce(refund);
    },
    FAULT_TIMEOUT,
  );

  it(
    "NATS down when the refund is approved: the approval is answered from the outbox, and the refund completes once when NATS is back",
    async () => {
      const refund = await pendingRefund();
      await stack.nats.stop();
      await approve(refund.refundId);
      await pause(500);
      await stack.nats.start();
      await expectRefundedOnce(refund);
    },
    FAULT_TIMEOUT,
  );
});

describe("a transfer interrupted by a crash finishes once after the restart", () => {
  it(
    "accepted while attendance (the arbiter) is down: completes once it is back, the old code replaced",
    async () => {
      const transfer = await pendingTransfer();
      await stack.kill("attendance");
      await accept(transfer.recipient, transfer.transferId);
      await pause(500);
      await stack.start("attendance");
      await expectTransferredOnce(transfer);
    },
    FAULT_TIMEOUT,
  );

  it(
    "transfers killed right after answering the acceptance: completes once after its restart",
    async () => {
      const transfer = await pendingTransfer();
      await accept(transfer.recipient, transfer.transferId);
      await stack.kill("transfers");
      await pause(300);
      await stack.start("transfers");
      await expectTransferredOnce(transfer);
    },
    FAULT_TIMEOUT,
  );

  it(
    "NATS down when the transfer is accepted: the acceptance is answered, and the transfer completes once when NATS is back",
    async () => {
      const transfer = await pendingTransfer();
      await stack.nats.stop();
      await accept(transfer.recipient, transfer.transferId);
      await pause(500);
      await stack.nats.start();
      await expectTransferredOnce(transfer);
    },
    FAULT_TIMEOUT,
  );
});
