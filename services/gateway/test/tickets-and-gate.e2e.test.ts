import { generateKeyPairSync, randomUUID } from "node:crypto";
import { startForFile } from "@concert/testing";
import { signTicketCode } from "@concert/ticket-codes";
import jsQRModule from "jsqr";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { apiClient, eventuallyStatus } from "./http-client.js";
import { ADMIN, startStack } from "./stack.js";

// jsqr is a CommonJS bundle whose function sits on `default`.
const jsQR = jsQRModule.default;

// Two gate scanners behind the gateway, as a venue with several entrances runs them.
const { service: stack } = startForFile((infra) => startStack(infra, { attendanceReplicas: 2 }));
let admin: string;
let scanner: string;
const { api, login, registerAndLogin } = apiClient(() => stack.url);

beforeAll(async () => {
  admin = await login(ADMIN.email, ADMIN.password);
  const scannerUser = await api("POST", "/api/auth/register", {
    token: admin,
    body: {
      email: "gate@example.com",
      password: "gate-pass-1",
      full_name: "Gate A",
      role: "scanner",
    },
  });
  expect(scannerUser.status).toBe(201);
  scanner = await login("gate@example.com", "gate-pass-1");
});

/** A concert through catalog, known to ticketing (via catalog's events) once tickets can be made. */
async function concertWithTickets(capacity: number, tickets: number) {
  const concert = await api("POST", "/api/concerts/", {
    token: admin,
    body: {
      name: `Show ${randomUUID().slice(0, 6)}`,
      artist: "Band",
      venue: "Arena",
      // Tonight: the gate's doors are open, so scans that name no concert admit.
      starts_at: new Date(Date.now() + 3_600_000).toISOString(),
      capacity,
      ticket_price: 20,
    },
  });
  expect(concert.status).toBe(201);
  const created = await eventuallyStatus(
    () =>
      api("POST", `/api/tickets/create/${concert.body.id}`, {
        token: admin,
        body: { quantity: tickets },
      }),
    201,
  );
  return {
    concertId: concert.body.id as string,
    tickets: created.body as { id: string; ticket_number: string }[],
  };
}

/** A ticket bought by a new user, once the gate has learnt of the sale (sale confirmation). */
async function ticketTheGateKnows(email: string) {
  const { concertId } = await concertWithTickets(5, 1);
  const buyer = await registerAndLogin(email);
  const bought = await api("POST", "/api/tickets/purchase", {
    token: buyer,
    body: { concert_id: concertId },
  });
  expect(bought.status).toBe(201);
  await eventuallyStatus(async () => {
    const probe = await scan({ qr_data: bought.body.qr_data, scan_type: "sale_confirmation" });
    return probe.body.result === "sale_confirmed" ? probe : { ...probe, status: 0 };
  }, 200);
  return { buyer, bought };
}

function scan(body: Record<string, unknown>, token = scanner) {
  return api("POST", "/api/scans/", {
    token,
    body: { scan_type: "entry_check", gate: "A", ...body },
  });
}

describe("a ticket's life, from sale to the gate", () => {
  it("sells a ticket, lets its owner fetch and decode the QR, admits it once and counts it", async () => {
    const { concertId, tickets } = await concertWithTickets(100, 3);
    const ticket = tickets[0] as { id: string };
    const owner = await registerAndLogin("fan@example.com");

    const sold = await api("POST", `/api/tickets/${ticket.id}/mark-sold`, {
      token: admin,
      body: { buyer_name: "Fan", buyer_email: "fan@example.com" },
    });
    expect(sold.status).toBe(200);

    const image = await fetch(`${stack.url}/api/tickets/${ticket.id}/qr`, {
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    const png = PNG.sync.read(Buffer.from(await image.arrayBuffer()));
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(sold.body.qr_data);

    const first = await eventuallyStatus(async () => {
      const response = await scan({ qr_data: decoded?.data, concert_id: concertId });
      // The gate learns of the sale from ticketing's event; until then it says not sold.
      return response.body.result === "not_sold" ? { ...response, status: 0 } : response;
    }, 200);
    expect(first.body).toMatchObject({ admit: true, result: "admitted", ticket_id: ticket.id });

    const second = await scan({ qr_data: decoded?.data, gate: "B" });
    expect(second.body).toMatchObject({
      admit: false,
      result: "already_admitted",
      first_admitted_gate: "A",
    });

    const report = await api("GET", `/api/scans/concert/${concertId}/attendance`, { token: admin });
    expect(report.body).toMatchObject({
      sold: 1,
      entered: 1,
      not_yet_arrived: 0,
      attendance_rate: "100.0%",
      attendance_ratio: 1,
    });

    const fromTicketing = await eventuallyStatus(async () => {
      const response = await api("GET", `/api/tickets/${ticket.id}`, { token: owner });
      return response.body.status === "scanned_entry" ? response : { ...response, status: 0 };
    }, 200);
    expect(fromTicketing.body.status).toBe("scanned_entry");
  });
});

describe("under load", () => {
  it("sells exactly 50 of 50 tickets to 200 simultaneous buyers, the rest 409, never a 5xx", async () => {
    const { concertId } = await concertWithTickets(50, 50);
    const buyers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => registerAndLogin(`buyer${i}@example.com`)),
    );
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        api("POST", "/api/tickets/purchase", {
          token: buyers[i % buyers.length],
          body: { concert_id: concertId },
        }),
      ),
    );
    const count = (status: number) => responses.filter((r) => r.status === status).length;
    expect(count(201)).toBe(50);
    expect(count(409)).toBe(150);
    expect(responses.filter((r) => r.status >= 500)).toEqual([]);
    expect(new Set(responses.filter((r) => r.status === 201).map((r) => r.body.id)).size).toBe(50);
    const sales = await api("GET", `/api/tickets/concert/${concertId}/sales`, { token: admin });
    expect(sales.body).toMatchObject({ sold: 50, available: 0, revenue: 1000 });
  });

  it("admits one of 50 simultaneous entry scans of a ticket spread over two gate replicas", async () => {
    const { bought } = await ticketTheGateKnows("rush@example.com");

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        scan({ qr_data: bought.body.qr_data, gate: `G${i % 5}` }),
      ),
    );
    // A denial is a 4xx a status-only client cannot mistake for success: 400 for already admitted.
    expect(results.map((r) => r.status).sort()).toEqual([200, ...Array(49).fill(400)]);
    expect(results.filter((r) => r.body.result === "admitted")).toHaveLength(1);
    expect(results.filter((r) => r.body.result === "already_admitted")).toHaveLength(49);
  });
});

describe("the gate refuses what it must", () => {
  it("denies a forged code, a code signed with another key and an unknown ticket number", async () => {
    const forged = await scan({ qr_data: "CT1.AAAA.BBBB" });
    expect(forged.body).toMatchObject({ admit: false, result: "invalid_code" });
    const otherKey = await scan({
      qr_data: signTicketCode(generateKeyPairSync("ed25519").privateKey, {
        ticketId: randomUUID(),
        concertId: randomUUID(),
        ticketNumber: "ZZZZ-ZZZZ",
        codeVersion: 1,
      }),
    });
    expect(otherKey.body).toMatchObject({ admit: false, result: "invalid_code" });
    const unknown = await scan({ ticket_number: "ZZZZ-ZZZZ" });
    expect(unknown.body).toMatchObject({ admit: false, result: "unknown_ticket" });
  });

  it("denies a ticket of another concert when the gate names its concert", async () => {
    const { tickets } = await concertWithTickets(5, 1);
    const ticket = tickets[0] as { id: string };
    const sold = await api("POST", `/api/tickets/${ticket.id}/mark-sold`, {
      token: admin,
      body: { buyer_name: "X", buyer_email: "x@example.com" },
    });
    const response = await scan({ qr_data: sold.body.qr_data, concert_id: randomUUID() });
    expect(response.body).toMatchObject({ admit: false, result: "wrong_concert" });
  });

  it("refuses a viewer at the scan endpoint with 403", async () => {
    const viewer = await registerAndLogin("nosy@example.com");
    const response = await scan({ ticket_number: "ZZZZ-ZZZZ" }, viewer);
    expect(response.status).toBe(403);
  });
});

describe("when ticketing is down", () => {
  it("still admits a sold ticket at the gate", async () => {
    const { buyer, bought } = await ticketTheGateKnows("resilient@example.com");

    await stack.stopService(stack.ticketing);
    expect((await api("GET", "/api/tickets/mine", { token: buyer })).status).toBe(503);

    const admitted = await scan({ qr_data: bought.body.qr_data });
    expect(admitted.body).toMatchObject({ admit: true, result: "admitted" });
  });
});
