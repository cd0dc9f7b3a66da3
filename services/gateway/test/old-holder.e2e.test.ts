import { eventually, startForFile } from "@concert/testing";
import { signCompactTicketCode } from "@concert/ticket-codes";
import { beforeAll, describe, expect, it } from "vitest";
import { apiClient, eventuallyStatus, type Person } from "./http-client.js";
import { ADMIN, startStack } from "./stack.js";

// Issue 9, item 6, through the gateway: after a transfer nothing the old holder kept admits, the
// new holder's code and number do, and the ticket gets in once.
const { service: stack } = startForFile((infra) => startStack(infra));
let admin: string;
let scanner: string;
const { api, login, person, concertOnSale } = apiClient(() => stack.url);

beforeAll(async () => {
  admin = await login(ADMIN.email, ADMIN.password);
  const created = await api("POST", "/api/auth/register", {
    token: admin,
    body: { email: "door@example.com", password: "door-pass-1", role: "scanner" },
  });
  expect(created.status).toBe(201);
  scanner = await login("door@example.com", "door-pass-1");
});

type Ticket = { id: string; qr_data: string; ticket_number: string; concert_id: string };

const scan = (body: Record<string, unknown>) =>
  api("POST", "/api/scans/", {
    token: scanner,
    body: { scan_type: "entry_check", location: "Main door", ...body },
  });

/** Retries until the gate knows this code (it learns sales and transfers from events). */
const gateKnows = (qrData: string) =>
  eventuallyStatus(async () => {
    const probe = await scan({ qr_data: qrData, scan_type: "sale_confirmation" });
    return probe.body.result === "sale_confirmed" ? probe : { ...probe, status: 0 };
  }, 200);

/** A ticket bought by `sender` and transferred to `recipient` by email: the old and the new. */
async function boughtAndTransferred(sender: Person, recipient: Person) {
  const concertId = await concertOnSale(admin, 1);
  const bought = await api("POST", "/api/tickets/purchase", {
    token: sender.token,
    body: { concert_id: concertId },
  });
  expect(bought.status).toBe(201);
  const old = bought.body as Ticket;
  await gateKnows(old.qr_data);
  const offered = await eventuallyStatus(
    () =>
      api("POST", "/api/transfers/initiate", {
        token: sender.token,
        body: { ticket_id: old.id, to_email: recipient.email },
      }),
    201,
  );
  const accepted = await api("POST", `/api/transfers/${offered.body.id}/accept`, {
    token: recipient.token,
  });
  expect(accepted.status).toBe(200);
  // The recipient holds it once ticketing applied the gate's handover.
  const current = (await eventually(async () => {
    const mine = await api("GET", "/api/tickets/mine", { token: recipient.token });
    return (mine.body as Ticket[])[0];
  })) as Ticket;
  expect(current.ticket_number).not.toBe(old.ticket_number);
  await gateKnows(current.qr_data);
  return { old, current };
}

/** Each thing the old holder may have kept, as the scan body a device would send for it. */
function keptByOldHolder(old: Ticket) {
  const seedQr = JSON.parse(old.qr_data) as { ticket_id: string; ticket_number: string };
  expect(seedQr.ticket_number).toBe(old.ticket_number);
  return {
    "the old QR (seed JSON form, old number inside)": { qr_data: old.qr_data },
    "the old code printed as CT1": {
      qr_data: signCompactTicketCode(stack.ticketing.keys.ticketCodeSigning, {
        ticketId: old.id,
        concertId: old.concert_id,
        codeVersion: 1,
      }),
    },
    "the printed number, typed": { ticket_number: old.ticket_number },
    "the original scanner's body, ticket id read from the old QR": {
      ticket_id: seedQr.ticket_id,
      scan_type: "attendance",
      location: "Main door",
      notes: "",
    },
    "a bare ticket id": { ticket_id: old.id },
  };
}

describe("after a transfer, at the gate", () => {
  it("admits nothing the old holder kept; the new QR admits exactly once among 10 concurrent scans of it and everything old", async () => {
    const sender = await person("seller");
    const recipient = await person("buyer");
    const { old, current } = await boughtAndTransferred(sender, recipient);
    const kept = keptByOldHolder(old);

    // The original scanner looks the old number up first: ticketing no longer knows it.
    const lookup = await api("GET", `/api/tickets/number/${old.ticket_number}`, { token: scanner });
    expect(lookup.status).toBe(404);

    for (const [what, body] of Object.entries(kept)) {
      const response = await scan(body);
      expect(response.status, what).toBeGreaterThanOrEqual(400);
      expect(response.status, what).toBeLessThan(500);
      expect(response.body.admit, what).toBe(false);
    }

    const all = await Promise.all([
      ...Array.from({ length: 10 }, () => scan({ qr_data: current.qr_data })),
      ...Object.values(kept).map((body) => scan(body)),
    ]);
    const admitted = all.filter((response) => response.body.admit);
    expect(admitted).toHaveLength(1);
    expect(admitted[0]?.body).toMatchObject({ result: "admitted", ticket_id: current.id });
    expect(admitted[0]?.status).toBe(200);
    expect((await scan({ ticket_number: current.ticket_number })).body.result).toBe(
      "already_admitted",
    );
  });

  it("admits the new holder's typed number; a bare ticket id of the transferred ticket answers code_replaced", async () => {
    const { old, current } = await boughtAndTransferred(await person("a"), await person("b"));
    const byId = await scan({ ticket_id: current.id, scan_type: "attendance" });
    expect(byId.status).toBe(409);
    expect(byId.body).toMatchObject({ admit: false, result: "code_replaced" });
    expect(byId.body.detail).toMatch(/scan its current QR code or type its current number/);

    const admitted = await scan({ ticket_number: current.ticket_number.toLowerCase() });
    expect(admitted.status).toBe(200);
    expect(admitted.body).toMatchObject({ admit: true, result: "admitted", ticket_id: old.id });
  });
});
