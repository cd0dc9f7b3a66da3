import { generateKeyPairSync } from "node:crypto";
import { loadTicketCodeSigningKey, loadTicketCodeVerifyKey } from "@concert/service-kit";
import { startForFile } from "@concert/testing";
import { checkTicketCode, signingKeyId, signTicketCode } from "@concert/ticket-codes";
import { beforeAll, describe, expect, it } from "vitest";
import { startTestTicketing } from "./helper.js";

const { service: ticketing } = startForFile(startTestTicketing);
let admin: string;

beforeAll(() => {
  admin = ticketing.tokenFor("admin");
});

interface TicketBody {
  id: string;
  concert_id: string;
  ticket_number: string;
  qr_data: string;
  qr_code_data: string;
}

/** One ticket, issued alone: its creation answer stores its code and image with the signing key. */
async function storedTicket(): Promise<TicketBody> {
  const concert = await ticketing.concert({ capacity: 1 });
  const created = await ticketing.call("POST", `/api/tickets/create/${concert.concert_id}`, admin, {
    quantity: 1,
  });
  expect(created.statusCode).toBe(201);
  const [ticket] = created.json() as TicketBody[];
  if (!ticket) throw new Error("no ticket issued");
  return ticket;
}

const read = async (id: string) => {
  const response = await ticketing.call("GET", `/api/tickets/${id}`, admin);
  expect(response.statusCode).toBe(200);
  return response.json() as TicketBody;
};

const row = (id: string) => ticketing.infra.prisma.ticket.findUniqueOrThrow({ where: { id } });

describe("a ticket's stored QR code", () => {
  it("is answered as stored while it names the ticket's current code under the current key, without signing it again", async () => {
    const ticket = await storedTicket();
    const stored = await row(ticket.id);
    expect(stored.qrPngText).toBe(ticket.qr_data);
    expect(stored.qrPngKey).toBe(signingKeyId(loadTicketCodeSigningKey(ticketing.config)));
    // The stored copy is marked by a signature no key wrote: only an answer that did not sign the
    // code again can carry it.
    const marked = `${ticket.qr_data.slice(0, -88)}${"A".repeat(86)}"}`;
    await ticketing.infra.prisma.ticket.update({
      where: { id: ticket.id },
      data: { qrPngText: marked },
    });
    const again = await read(ticket.id);
    expect(again.qr_data).toBe(marked);
    expect(again.qr_code_data).toBe(ticket.qr_code_data);
  });

  it("is signed and drawn again once the key has changed, and stored with the new key", async () => {
    const ticket = await storedTicket();
    const earlier = generateKeyPairSync("ed25519").privateKey;
    const claims = {
      ticketId: ticket.id,
      concertId: ticket.concert_id,
      ticketNumber: ticket.ticket_number,
      codeVersion: 1,
    };
    await ticketing.infra.prisma.ticket.update({
      where: { id: ticket.id },
      data: { qrPngText: signTicketCode(earlier, claims), qrPngKey: signingKeyId(earlier) },
    });
    const answered = await read(ticket.id);
    expect(answered.qr_data).toBe(ticket.qr_data);
    expect(
      await checkTicketCode(loadTicketCodeVerifyKey(ticketing.config), answered.qr_data),
    ).toEqual({
      valid: true,
      claims,
    });
    const stored = await row(ticket.id);
    expect(stored.qrPngText).toBe(ticket.qr_data);
    expect(stored.qrPngKey).toBe(signingKeyId(loadTicketCodeSigningKey(ticketing.config)));
  });

  it("drawn before its key was stored with it keeps its image and gains the key on its next read", async () => {
    const ticket = await storedTicket();
    await ticketing.infra.prisma.ticket.update({
      where: { id: ticket.id },
      data: { qrPngKey: null },
    });
    const answered = await read(ticket.id);
    expect(answered.qr_data).toBe(ticket.qr_data);
    expect(answered.qr_code_data).toBe(ticket.qr_code_data);
    const stored = await row(ticket.id);
    expect(stored.qrPngKey).toBe(signingKeyId(loadTicketCodeSigningKey(ticketing.config)));
    expect(Buffer.from(stored.qrPng as Uint8Array).toString("base64")).toBe(ticket.qr_code_data);
  });
});
