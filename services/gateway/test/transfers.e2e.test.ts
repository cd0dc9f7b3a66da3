import { randomUUID } from "node:crypto";
import { TransferAccepted } from "@concert/contracts";
import { eventually, outboxEvents, startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { apiClient, eventuallyStatus, type Person } from "./http-client.js";
import { ADMIN, startStack } from "./stack.js";

// Every service the transfer saga crosses, behind the gateway, over real sockets and a real broker.
const { service: stack } = startForFile((infra) => startStack(infra));
let admin: string;
let scanner: string;
const { api, login, person, concertOnSale: concertFor } = apiClient(() => stack.url);
const concertOnSale = (tickets = 1) => concertFor(admin, tickets);

beforeAll(async () => {
  admin = await login(ADMIN.email, ADMIN.password);
  const created = await api("POST", "/api/auth/register", {
    token: admin,
    body: { email: "gate@example.com", password: "gate-pass-1", role: "scanner" },
  });
  expect(created.status).toBe(201);
  scanner = await login("gate@example.com", "gate-pass-1");
});

const scan = (body: Record<string, unknown>) =>
  api("POST", "/api/scans/", {
    token: scanner,
    body: { scan_type: "entry_check", location: "Main door", ...body },
  });

type Ticket = { id: string; qr_data: string; ticket_number: string; status: string };

/** The buyer purchases the concert's next ticket; resolves once the gate knows it is sold. */
async function buy(buyer: Person, concertId: string): Promise<Ticket> {
  const bought = await api("POST", "/api/tickets/purchase", {
    token: buyer.token,
    body: { concert_id: concertId },
  });
  expect(bought.status).toBe(201);
  await eventuallyStatus(async () => {
    const probe = await scan({ qr_data: bought.body.qr_data, scan_type: "sale_confirmation" });
    return probe.body.result === "sale_confirmed" ? probe : { ...probe, status: 0 };
  }, 200);
  return bought.body as Ticket;
}

/** The holder offers the ticket, once transfers has learnt of the sale (404 until then). */
const initiate = (sender: Person, body: Record<string, unknown>) =>
  eventuallyStatus(
    () => api("POST", "/api/transfers/initiate", { token: sender.token, body }),
    201,
  );

/** The transfer once it reached a final state. */
const settled = (viewer: Person, transferId: string) =>
  eventually(async () => {
    const transfer = await api("GET", `/api/transfers/${transferId}`, { token: viewer.token });
    return (
      ["completed", "failed", "rejected", "cancelled"].includes(transfer.body.status) &&
      transfer.body
    );
  });

const mine = async (holder: Person) =>
  (await api("GET", "/api/tickets/mine", { token: holder.token })).body as Ticket[];

describe("a transfer from offer to the new holder", () => {
  it("by email: completes, the old code is replaced, the old number unknown, and the ticket moves to the recipient's tickets with a new code that admits", async () => {
    const concertId = await concertOnSale(1);
    const sender = await person("sender");
    const recipient = await person("recipient");
    const ticket = await buy(sender, concertId);

    const offered = await initiate(sender, {
      ticket_id: ticket.id,
      to_email: recipient.email.toUpperCase(),
      notes: "Enjoy!",
    });
    expect(offered.body).toMatchObject({
      ticket_id: ticket.id,
      from_user_id: sender.id,
      to_user_id: recipient.id,
      status: "pending",
      notes: "Enjoy!",
      completed_at: null,
    });
    for (const who of [sender, recipient]) {
      const pending = await api("GET", "/api/transfers/pending", { token: who.token });
      expect(pending.body.map((t: { id: string }) => t.id)).toEqual([offered.body.id]);
    }

    const accepted = await api("POST", `/api/transfers/${offered.body.id}/accept`, {
      token: recipient.token,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe("accepted");
    const done = await settled(sender, offered.body.id);
    expect(done).toMatchObject({ status: "completed", completed_at: expect.any(String) });

    const oldCode = await scan({ qr_data: ticket.qr_data });
    expect(oldCode.status).toBe(409);
    expect(oldCode.body).toMatchObject({ admit: false, result: "code_replaced" });
    const oldNumber = await scan({ ticket_number: ticket.ticket_number });
    expect(oldNumber.status).toBe(404);
    expect(oldNumber.body.result).toBe("unknown_ticket");

    expect(await mine(sender)).toEqual([]);
    const [theirs] = await mine(recipient);
    expect(theirs).toMatchObject({ id: ticket.id, status: "transferred" });
    expect(theirs?.ticket_number).not.toBe(ticket.ticket_number);
    expect(theirs?.qr_data).not.toBe(ticket.qr_data);
    const newCode = await eventuallyStatus(
      () => scan({ qr_data: theirs?.qr_data, scan_type: "sale_confirmation" }),
      200,
    );
    expect(newCode.body.result).toBe("sale_confirmed");
    const admitted = await scan({ ticket_number: theirs?.ticket_number });
    expect(admitted.status).toBe(200);
    expect(admitted.body).toMatchObject({ admit: true, result: "admitted" });
  });

  it("by user id; an email with no account is 404, to oneself and a second open transfer are 409", async () => {
    const concertId = await concertOnSale(1);
    const sender = await person("giver");
    const recipient = await person("friend");
    const ticket = await buy(sender, concertId);

    const nobody = await eventuallyStatus(
      () =>
        api("POST", "/api/transfers/initiate", {
          token: sender.token,
          body: { ticket_id: ticket.id, to_email: `nobody-${randomUUID()}@example.com` },
        }),
      404,
    );
    expect(nobody.body.detail).toBe("No account with that email");
    const self = await api("POST", "/api/transfers/initiate", {
      token: sender.token,
      body: { ticket_id: ticket.id, to_user_id: sender.id },
    });
    expect(self.status).toBe(409);
    expect(self.body.detail).toMatch(/yourself/);

    const offered = await initiate(sender, { ticket_id: ticket.id, to_user_id: recipient.id });
    const again = await api("POST", "/api/transfers/initiate", {
      token: sender.token,
      body: { ticket_id: ticket.id, to_user_id: recipient.id },
    });
    expect(again.status).toBe(409);
    await api("POST", `/api/transfers/${offered.body.id}/accept`, { token: recipient.token });
    expect((await settled(recipient, offered.body.id)).status).toBe("completed");
    expect((await mine(recipient)).map((t) => t.id)).toEqual([ticket.id]);
  });
});

describe("who may do what", () => {
  it("answers 404 for another's ticket and to a stranger accepting, 403 to the sender accepting, and nothing changes", async () => {
    const concertId = await concertOnSale(1);
    const sender = await person("holder");
    const recipient = await person("taker");
    const stranger = await person("stranger");
    const ticket = await buy(sender, concertId);
    const offered = await initiate(sender, { ticket_id: ticket.id, to_user_id: recipient.id });

    const theirs = await api("POST", "/api/transfers/initiate", {
      token: stranger.token,
      body: { ticket_id: ticket.id, to_user_id: stranger.id },
    });
    expect(theirs.status).toBe(404);
    for (const verb of ["accept", "reject", "cancel"]) {
      const byStranger = await api("POST", `/api/transfers/${offered.body.id}/${verb}`, {
        token: stranger.token,
      });
      expect(byStranger.status).toBe(404);
    }
    expect(
      (await api("GET", `/api/transfers/${offered.body.id}`, { token: stranger.token })).status,
    ).toBe(404);
    const bySender = await api("POST", `/api/transfers/${offered.body.id}/accept`, {
      token: sender.token,
    });
    expect(bySender.status).toBe(403);
    const cancelByRecipient = await api("POST", `/api/transfers/${offered.body.id}/cancel`, {
      token: recipient.token,
    });
    expect(cancelByRecipient.status).toBe(403);

    const after = await api("GET", `/api/transfers/${offered.body.id}`, { token: admin });
    expect(after.body).toMatchObject({ status: "pending", completed_at: null });
    expect((await mine(sender)).map((t) => t.id)).toEqual([ticket.id]);
    expect((await scan({ qr_data: ticket.qr_data })).body.result).toBe("admitted");
  });

  it("lets the sender cancel and the recipient reject a pending transfer", async () => {
    const concertId = await concertOnSale(1);
    const sender = await person("undecided");
    const recipient = await person("declines");
    const ticket = await buy(sender, concertId);
    const first = await initiate(sender, { ticket_id: ticket.id, to_user_id: recipient.id });
    const cancelled = await api("POST", `/api/transfers/${first.body.id}/cancel`, {
      token: sender.token,
    });
    expect(cancelled.body.status).toBe("cancelled");
    const second = await initiate(sender, { ticket_id: ticket.id, to_user_id: recipient.id });
    const rejected = await api("POST", `/api/transfers/${second.body.id}/reject`, {
      token: recipient.token,
    });
    expect(rejected.body.status).toBe("rejected");
    expect((await mine(sender)).map((t) => t.id)).toEqual([ticket.id]);
  });
});

describe("races", () => {
  it("transfer acceptance vs entry scan of the old code, 20 times: never completed and the old code admitted", async () => {
    const concertId = await concertOnSale(20);
    const sender = await person("racer");
    const recipient = await person("catcher");
    const outcomes: { transfer: string; notes: string | null; scan: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const ticket = await buy(sender, concertId);
      const offered = await initiate(sender, { ticket_id: ticket.id, to_user_id: recipient.id });
      const [accepted, entry] = await Promise.all([
        api("POST", `/api/transfers/${offered.body.id}/accept`, { token: recipient.token }),
        new Promise((resolve) => setTimeout(resolve, Math.random() * 30)).then(() =>
          scan({ qr_data: ticket.qr_data }),
        ),
      ]);
      expect(accepted.status).toBe(200);
      const final = await settled(sender, offered.body.id);
      outcomes.push({ transfer: final.status, notes: final.notes, scan: entry.body.result });
    }
    const allowed = (o: (typeof outcomes)[number]) =>
      (o.transfer === "completed" && o.scan === "code_replaced") ||
      (o.transfer === "failed" && /\(admitted\)/.test(o.notes ?? "") && o.scan === "admitted");
    expect(outcomes.filter((o) => !allowed(o))).toEqual([]);
    expect(outcomes.filter((o) => o.transfer === "completed" && o.scan === "admitted")).toEqual([]);
  });

  it("two accepts at once: one 200, one 409, one TransferAccepted", async () => {
    const concertId = await concertOnSale(1);
    const sender = await person("double");
    const recipient = await person("eager");
    const ticket = await buy(sender, concertId);
    const offered = await initiate(sender, { ticket_id: ticket.id, to_user_id: recipient.id });
    const answers = await Promise.all([
      api("POST", `/api/transfers/${offered.body.id}/accept`, { token: recipient.token }),
      api("POST", `/api/transfers/${offered.body.id}/accept`, { token: recipient.token }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const accepted = (
      await outboxEvents(stack.transfers.infra.prisma, TransferAccepted.subject)
    ).filter((row) => row.envelope.payload.transfer_id === offered.body.id);
    expect(accepted).toHaveLength(1);
    expect((await settled(sender, offered.body.id)).status).toBe("completed");
  });

  it("refund approval vs transfer acceptance of one ticket, 20 times: exactly one completes, never both", async () => {
    const concertId = await concertOnSale(20);
    const sender = await person("torn");
    const recipient = await person("hopeful");
    const outcomes: { refund: string; transfer: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const ticket = await buy(sender, concertId);
      const refund = await eventuallyStatus(
        () =>
          api("POST", "/api/refunds/request", {
            token: sender.token,
            body: { ticket_id: ticket.id, reason: "Cannot make it" },
          }),
        201,
      );
      const offered = await initiate(sender, { ticket_id: ticket.id, to_user_id: recipient.id });
      const [approved, accepted] = await Promise.all([
        api("POST", `/api/refunds/${refund.body.id}/approve`, { token: admin }),
        api("POST", `/api/transfers/${offered.body.id}/accept`, { token: recipient.token }),
      ]);
      expect([approved.status, accepted.status]).toEqual([200, 200]);
      const transfer = await settled(sender, offered.body.id);
      const refunded = await eventually(async () => {
        const r = await api("GET", `/api/refunds/${refund.body.id}`, { token: admin });
        return ["completed", "failed"].includes(r.body.status) && r.body;
      });
      outcomes.push({ refund: refunded.status, transfer: transfer.status });
    }
    expect(outcomes.filter((o) => o.refund === "completed" && o.transfer === "completed")).toEqual(
      [],
    );
    expect(
      outcomes.filter((o) => (o.refund === "completed") === (o.transfer === "completed")),
    ).toEqual([]);
  });
});
