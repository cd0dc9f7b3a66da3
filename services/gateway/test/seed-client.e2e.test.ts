import { startForFile } from "@concert/testing";
import jsQRModule from "jsqr";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { apiClient } from "./http-client.js";
import { ADMIN, startStack } from "./stack.js";

// jsqr is a CommonJS bundle whose function sits on `default`.
const jsQR = jsQRModule.default;

/**
 * The original FastAPI system's own client, replayed call by call through the gateway: the exact
 * bodies it sends and the fields it reads (see docs/SEED-COMPATIBILITY.md). Every step reads only
 * what that client reads, so a field renamed or a body refused breaks this file.
 */
const { service: stack } = startForFile(startStack);
const { api } = apiClient(() => stack.url);

/** What axios sends for a call without a body: the JSON content type and nothing after it. */
async function axiosWithoutBody(method: string, path: string, token: string) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
  return { status: response.status, body: await response.json() };
}

/** The frontend's `<img src="data:image/png;base64,${qr_code_data}">`, read by a phone camera. */
function scanImage(base64Png: string): string {
  const png = PNG.sync.read(Buffer.from(base64Png, "base64"));
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!decoded) throw new Error("the QR image does not decode");
  return decoded.data;
}

async function loginAs(username: string, password: string) {
  const response = await api("POST", "/api/auth/login", { body: { username, password } });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ token_type: "bearer", user: { username } });
  return response.body.access_token as string;
}

describe("the original frontend, unchanged, against this API", () => {
  it("registers, logs in by username, runs a concert, sells, scans by the QR's JSON and reads the stats", async () => {
    // Health check.
    expect((await api("GET", "/")).body).toHaveProperty("message");

    // The admin logs in with a username, as the original login form does.
    const admin = await loginAs("admin", ADMIN.password);

    // A door person is registered by the admin and logs in.
    const registered = await api("POST", "/api/auth/register", {
      token: admin,
      body: {
        username: "door1",
        email: "door1@example.com",
        password: "door-pass-1",
        role: "scanner",
      },
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({
      username: "door1",
      email: "door1@example.com",
      role: "scanner",
    });
    expect(registered.body).toHaveProperty("id");
    const scanner = await loginAs("door1", "door-pass-1");

    // A fan registers as a viewer.
    const fan = await api("POST", "/api/auth/register", {
      body: { username: "fan1", email: "fan1@example.com", password: "fan-pass-1", role: "viewer" },
    });
    expect(fan.status).toBe(201);

    // Concerts: {name, date, venue, description}; the page reads concert.date. Tonight's: the
    // original scanner names no concert, so the gate admits only while the doors are open.
    const date = new Date(Date.now() + 3_600_000).toISOString();
    const concert = await api("POST", "/api/concerts/", {
      token: admin,
      body: { name: "Seed Night", date, venue: "Old Hall", description: "As it always was" },
    });
    expect(concert.status).toBe(201);
    expect(new Date(concert.body.date).toISOString()).toBe(date);
    const concertId = concert.body.id as string;

    const replaced = await api("PUT", `/api/concerts/${concertId}`, {
      token: admin,
      body: { name: "Seed Night II", date, venue: "New Hall", description: "Moved" },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ name: "Seed Night II", venue: "New Hall" });
    expect(
      (await api("GET", "/api/concerts/", { token: admin })).body.map((c: { id: string }) => c.id),
    ).toContain(concertId);

    const doomed = await api("POST", "/api/concerts/", {
      token: admin,
      body: { name: "Never", date, venue: "Nowhere" },
    });
    const deleted = await axiosWithoutBody("DELETE", `/api/concerts/${doomed.body.id}`, admin);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ concert_id: doomed.body.id });
    expect(deleted.body).toHaveProperty("message");

    // Tickets: one with a price, then a batch; every ticket carries its QR image.
    const created = await api("POST", `/api/tickets/create/${concertId}`, {
      token: admin,
      body: { quantity: 1, price: 49.5 },
    });
    expect(created.status).toBe(201);
    const ticket = (Array.isArray(created.body) ? created.body[0] : created.body) as {
      id: string;
      ticket_number: string;
      qr_code_data: string;
    };
    expect(typeof ticket.qr_code_data).toBe("string");

    const batch = await api("POST", `/api/tickets/batch/create/${concertId}`, {
      token: admin,
      body: { quantity: 3 },
    });
    expect(batch.status).toBe(201);
    expect(batch.body).toMatchObject({ created_count: 3, concert_id: concertId });
    expect(batch.body.ticket_numbers).toHaveLength(3);

    const listed = await api("GET", `/api/tickets/concert/${concertId}`, { token: admin });
    expect(listed.body).toHaveLength(4);
    for (const item of listed.body) expect(typeof item.qr_code_data).toBe("string");

    const qrCode = await api("GET", `/api/tickets/${ticket.id}/qr-code`, { token: admin });
    expect(qrCode.body).toMatchObject({
      ticket_id: ticket.id,
      ticket_number: ticket.ticket_number,
      status: "created",
    });
    expect(typeof qrCode.body.qr_code).toBe("string");

    const download = await fetch(`${stack.url}/api/tickets/${ticket.id}/download-qr`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(download.headers.get("content-type")).toContain("image/png");
    expect(download.headers.get("content-disposition")).toContain(`QR_${ticket.ticket_number}.png`);

    const zip = await fetch(`${stack.url}/api/tickets/concert/${concertId}/qr-codes/download`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(zip.status).toBe(200);
    expect(
      Buffer.from(await zip.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe("PK");

    const spare = batch.body.ticket_numbers[2] as string;
    const spareTicket = listed.body.find(
      (t: { ticket_number: string }) => t.ticket_number === spare,
    );
    const removed = await axiosWithoutBody("DELETE", `/api/tickets/${spareTicket.id}`, admin);
    expect(removed.status).toBe(200);

    // The box office sells the first ticket.
    const sold = await api("POST", `/api/tickets/${ticket.id}/mark-sold`, {
      token: admin,
      body: { buyer_name: "Fan One", buyer_email: "fan1@example.com" },
    });
    expect(sold.status).toBe(200);
    expect(sold.body.status).toBe("sold");

    // The scanner page: camera → JSON.parse(text) → look up by number → scan by ticket_id.
    const text = scanImage(sold.body.qr_code_data);
    const parsed = JSON.parse(text) as {
      ticket_id: string;
      ticket_number: string;
      concert_id: string;
    };
    expect(parsed).toMatchObject({
      ticket_id: ticket.id,
      ticket_number: ticket.ticket_number,
      concert_id: concertId,
    });
    const found = await api("GET", `/api/tickets/number/${parsed.ticket_number}`, {
      token: scanner,
    });
    expect(found.body.id).toBe(ticket.id);
    // A scanner sees what the gate needs, not the buyer nor the code (the admin's view is whole).
    expect(Object.keys(found.body).sort()).toEqual(
      ["admissible", "concert_id", "id", "status", "ticket_number"].sort(),
    );
    const byAdmin = await api("GET", `/api/tickets/number/${parsed.ticket_number}`, {
      token: admin,
    });
    expect(byAdmin.body).toMatchObject({
      id: ticket.id,
      buyer_name: "Fan One",
      buyer_email: "fan1@example.com",
      qr_data: text,
    });

    const scanBody = {
      ticket_id: found.body.id,
      scan_type: "attendance",
      location: "Main door",
      notes: "",
    };
    let first = await api("POST", "/api/scans/", { token: scanner, body: scanBody });
    for (let tries = 0; first.status >= 400 && tries < 100; tries++) {
      // The gate learns of the sale from ticketing's event, within milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 50));
      first = await api("POST", "/api/scans/", { token: scanner, body: scanBody });
    }
    expect(first.status).toBeGreaterThanOrEqual(200);
    expect(first.status).toBeLessThan(300);
    expect(first.body).toMatchObject({
      ticket_id: ticket.id,
      scan_type: "attendance",
      location: "Main door",
      notes: "",
    });
    for (const field of ["id", "scanned_at", "scanner_id"])
      expect(first.body).toHaveProperty(field);

    // The same ticket again: the page must not show a green "scanned" toast.
    const second = await api("POST", "/api/scans/", { token: scanner, body: scanBody });
    expect(second.status).toBeGreaterThanOrEqual(400);
    expect(second.status).toBeLessThan(500);
    expect(typeof second.body.detail).toBe("string");

    const history = await api("GET", `/api/scans/ticket/${ticket.id}`, { token: scanner });
    expect(history.body[0]).toMatchObject({ ticket_id: ticket.id, location: "Main door" });

    const stats = await api("GET", `/api/scans/concert/${concertId}/attendance`, { token: admin });
    expect(stats.body).toMatchObject({
      total_sold: 1,
      total_attended: 1,
      attendance_rate: "100.0%",
    });
  });
});
