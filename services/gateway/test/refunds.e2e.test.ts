import { randomUUID } from "node:crypto";
import { RefundApproved } from "@concert/contracts";
import { eventually, outboxEvents, startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { apiClient, eventuallyStatus } from "./http-client.js";
import { ADMIN, startStack } from "./stack.js";

// Every service the refund saga crosses, behind the gateway, over real sockets and a real broker.
const { service: stack } = startForFile((infra) => startStack(infra));
let admin: string;
let scanner: string;
const { api, login, registerAndLogin, concertOnSale: concertFor } = apiClient(() => stack.url);
const concertOnSale = (tickets = 1) => concertFor(admin, tickets);

beforeAll(async () => {
  admin = await login(ADMIN.email, ADMIN.password);
  const created = await api("POST", "/api/auth/register", {
    token: admin,
    body: { email: "door@example.com", password: "door-pass-1", role: "scanner" },
  });
  expect(created.status).toBe(201);
  scanner = await login("door@example.com", "door-pass-1");
});

const scan = (qrData: string) =>
  api("POST", "/api/scans/", {
    token: scanner,
    body: { qr_data: qrData, scan_type: "entry_check", location: "Main door" },
  });

/** The buyer purchases the concert's next ticket; resolves once the gate knows it is sold. */
async function buy(buyer: string, concertId: string) {
  const bought = await api("POST", "/api/tickets/purchase", {
    token: buyer,
    body: { concert_id: concertId },
  });
  expect(bought.status).toBe(201);
  await eventuallyStatus(async () => {
    const probe = await api("POST", "/api/scans/", {
      token: scanner,
      body: { qr_data: bought.body.qr_data, scan_type: "sale_confirmation" },
    });
    return probe.body.result === "sale_confirmed" ? probe : { ...probe, status: 0 };
  }, 200);
  return bought.body as { id: string; qr_data: string; price: number };
}

/** The holder asks for a refund, once refunds has learnt of the sale (404 until then). */
const requestRefund = (holder: string, ticketId: string) =>
  eventuallyStatus(
    () =>
      api("POST", "/api/refunds/request", {
        token: holder,
        body: { ticket_id: ticketId, reason: "Cannot make it" },
      }),
    201,
  );

/** The refund once it reached a final state. */
const settled = (holder: string, refundId: string) =>
  eventually(async () => {
    const refund = await api("GET", `/api/refunds/${refundId}`, { token: holder });
    return ["completed", "failed", "rejected"].includes(refund.body.status) && refund.body;
  });

describe("a refund from request to money back", () => {
  it("completes with the amount paid, denies the code at the gate, shows in the sales report and puts the seat back on sale", async () => {
    const concertId = await concertOnSale(1);
    const holder = await registerAndLogin(`holder-${randomUUID()}@example.com`);
    const ticket = await buy(holder, concertId);
    const refund = await requestRefund(holder, ticket.id);
    expect(refund.body).toMatchObject({ status: "pending", ticket_id: ticket.id, amount: 20 });

    const approved = await api("POST", `/api/refunds/${refund.body.id}/approve`, { token: admin });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("approved");

    const done = await settled(holder, refund.body.id);
    expect(done).toMatchObject({
      status: "completed",
      amount: 20,
      processed_at: expect.any(String),
    });
    expect(done.notes).toMatch(/price paid/);

    const atTheGate = await scan(ticket.qr_data);
    expect(atTheGate.status).toBe(409);
    expect(atTheGate.body).toMatchObject({ admit: false, result: "refunded" });

    const report = await eventuallyStatus(async () => {
      const sales = await api("GET", `/api/tickets/concert/${concertId}/sales`, { token: admin });
      return sales.body.refunded === 1 ? sales : { ...sales, status: 0 };
    }, 200);
    expect(report.body).toMatchObject({ sold: 0, refunded: 1, refunded_amount: 20, available: 1 });

    const nextFan = await registerAndLogin(`next-${randomUUID()}@example.com`);
    const resold = await api("POST", "/api/tickets/purchase", {
      token: nextFan,
      body: { concert_id: concertId },
    });
    expect(resold.status).toBe(201);
    expect(resold.body.id).not.toBe(ticket.id);
    const listed = await api("GET", "/api/refunds/", { token: holder });
    expect(listed.body.map((r: { id: string }) => r.id)).toEqual([refund.body.id]);
  });
});

describe("who may do what", () => {
  it("answers 404 for another user's ticket and 403 to a viewer approving, and nothing changes", async () => {
    const concertId = await concertOnSale(1);
    const holder = await registerAndLogin(`owner-${randomUUID()}@example.com`);
    const ticket = await buy(holder, concertId);
    const refund = await requestRefund(holder, ticket.id);

    const stranger = await registerAndLogin(`stranger-${randomUUID()}@example.com`);
    const theirs = await api("POST", "/api/refunds/request", {
      token: stranger,
      body: { ticket_id: ticket.id, reason: "Mine now" },
    });
    expect(theirs.status).toBe(404);
    const peek = await api("GET", `/api/refunds/${refund.body.id}`, { token: stranger });
    expect(peek.status).toBe(404);

    const byViewer = await api("POST", `/api/refunds/${refund.body.id}/approve`, { token: holder });
    expect(byViewer.status).toBe(403);
    const byStranger = await api("POST", `/api/refunds/${refund.body.id}/reject`, {
      token: stranger,
    });
    expect(byStranger.status).toBe(403);

    const after = await api("GET", `/api/refunds/${refund.body.id}`, { token: holder });
    expect(after.body).toMatchObject({ status: "pending", processed_at: null });
    expect((await scan(ticket.qr_data)).body.result).toBe("admitted");
  });
});

describe("races", () => {
  it("refund approval vs entry scan, 20 times: the refund completes and the scan is denied, or the refund fails (admitted) and the scan admits; never both", async () => {
    const concertId = await concertOnSale(20);
    const holder = await registerAndLogin(`racer-${randomUUID()}@example.com`);
    const outcomes: { refund: string; reason: string | null; scan: string; status: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const ticket = await buy(holder, concertId);
      const refund = await requestRefund(holder, ticket.id);
      // The scan starts up to 30 ms late: the approval's event then sometimes reaches the gate first.
      const [approval, entry] = await Promise.all([
        api("POST", `/api/refunds/${refund.body.id}/approve`, { token: admin }),
        new Promise((resolve) => setTimeout(resolve, Math.random() * 30)).then(() =>
          scan(ticket.qr_data),
        ),
      ]);
      expect(approval.status).toBe(200);
      const final = await settled(holder, refund.body.id);
      outcomes.push({
        refund: final.status,
        reason: final.status === "failed" ? (final.notes.match(/\((\w+)\)/)?.[1] ?? null) : null,
        scan: entry.body.result,
        status: entry.status,
      });
    }
    const allowed = (o: (typeof outcomes)[number]) =>
      (o.refund === "completed" && o.scan === "refunded" && o.status === 409) ||
      (o.refund === "failed" &&
        o.reason === "admitted" &&
        o.scan === "admitted" &&
        o.status === 200);
    expect(outcomes.filter((o) => !allowed(o))).toEqual([]);
    expect(outcomes.filter((o) => o.refund === "completed" && o.scan === "admitted")).toEqual([]);
  });

  it("two admins approving at once: one 200, one 409, one RefundApproved", async () => {
    const concertId = await concertOnSale(1);
    const holder = await registerAndLogin(`double-${randomUUID()}@example.com`);
    const ticket = await buy(holder, concertId);
    const refund = await requestRefund(holder, ticket.id);
    const answers = await Promise.all([
      api("POST", `/api/refunds/${refund.body.id}/approve`, { token: admin }),
      api("POST", `/api/refunds/${refund.body.id}/approve`, { token: admin }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const approvals = (
      await outboxEvents(stack.refunds.infra.prisma, RefundApproved.subject)
    ).filter((row) => row.envelope.payload.refund_id === refund.body.id);
    expect(approvals).toHaveLength(1);
    expect((await settled(holder, refund.body.id)).status).toBe("completed");
  });
});
