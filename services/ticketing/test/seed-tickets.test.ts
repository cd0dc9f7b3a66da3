import { TicketDeleted } from "@concert/contracts";
import { eventually, outboxEvents, startForFile } from "@concert/testing";
import jsQRModule from "jsqr";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { startTestTicketing } from "./helper.js";

// jsqr is a CommonJS bundle whose function sits on `default`.
const jsQR = jsQRModule.default;

// The original FastAPI system's ticket endpoints, called with its client's exact bodies.
const { service: ticketing } = startForFile(startTestTicketing);
let admin: string;

beforeAll(() => {
  admin = ticketing.tokenFor("admin");
});

interface TicketBody {
  id: string;
  ticket_number: string;
  status: string;
  price: number | null;
  qr_data: string;
  qr_code_data: string;
}

const call: typeof ticketing.call = (...args) => ticketing.call(...args);

/** What a phone camera reads off the PNG. */
function scanPng(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

const scanBase64 = (base64: string) => scanPng(Buffer.from(base64, "base64"));

async function create(concertId: string, body: object): Promise<TicketBody[]> {
  const response = await call("POST", `/api/tickets/create/${concertId}`, admin, body);
  expect(response.statusCode).toBe(201);
  return response.json();
}

function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, archive) => {
      if (error) return reject(error);
      const files = new Map<string, Buffer>();
      archive.on("entry", (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("end", () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            archive.readEntry();
          });
        });
      });
      archive.on("end", () => resolve(files));
      archive.on("error", reject);
      archive.readEntry();
    });
  });
}

describe("creating tickets as the original client does", () => {
  it("answers every created ticket with qr_code_data, a PNG of its qr_data, at the price asked", async () => {
    const concert = await ticketing.concert({ ticket_price: 25 });
    const tickets = await create(concert.concert_id, { quantity: 2, price: 12.5 });
    expect(tickets).toHaveLength(2);
    for (const ticket of tickets) {
      expect(ticket.price).toBe(12.5);
      expect(scanBase64(ticket.qr_code_data)).toBe(ticket.qr_data);
    }
  });

  it("prices a ticket created without a price at the concert's ticket price, and sells it at that", async () => {
    const concert = await ticketing.concert({ ticket_price: 25 });
    const [ticket] = await create(concert.concert_id, { quantity: 1 });
    expect(ticket?.price).toBe(25);
    const sold = await call("POST", `/api/tickets/${ticket?.id}/mark-sold`, admin, {
      buyer_name: "Buyer",
      buyer_email: "buyer@example.com",
    });
    expect(sold.json()).toMatchObject({ status: "sold", price: 25 });
    expect(scanBase64(sold.json().qr_code_data)).toBe(ticket?.qr_data);
  });

  it("batch-creates tickets answering created_count and ticket_numbers, and refuses past capacity with 409", async () => {
    const concert = await ticketing.concert({ capacity: 5 });
    const url = `/api/tickets/batch/create/${concert.concert_id}`;
    const batch = await call("POST", url, admin, { quantity: 3 });
    expect(batch.statusCode).toBe(201);
    const body = batch.json();
    expect(body).toMatchObject({ created_count: 3, concert_id: concert.concert_id });
    expect(new Set(body.ticket_numbers).size).toBe(3);
    const listed = await call("GET", `/api/tickets/concert/${concert.concert_id}`, admin);
    expect(
      listed
        .json()
        .map((t: TicketBody) => t.ticket_number)
        .sort(),
    ).toEqual([...body.ticket_numbers].sort());
    const tooMany = await call("POST", url, admin, { quantity: 3 });
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.json().detail).toMatch(/Capacity exceeded/);
    expect((await call("POST", url, admin, { quantity: 5001 })).statusCode).toBe(422);
    expect(
      (await call("POST", url, ticketing.tokenFor("viewer"), { quantity: 1 })).statusCode,
    ).toBe(403);
  });

  it("issues as many tickets as asked for a concert without capacity", async () => {
    const concert = await ticketing.concert({ capacity: 1 });
    await ticketing.infra.prisma.concert.update({
      where: { id: concert.concert_id },
      data: { capacity: null },
    });
    const batch = await call("POST", `/api/tickets/batch/create/${concert.concert_id}`, admin, {
      quantity: 50,
    });
    expect(batch.statusCode).toBe(201);
    expect(batch.json().created_count).toBe(50);
  });
  it("draws a batch's QR images once it has answered, so the box office's sale answers a stored image of its code", async () => {
    const concert = await ticketing.concert({ capacity: 40 });
    const { prisma } = ticketing.infra;
    const batch = await call("POST", `/api/tickets/batch/create/${concert.concert_id}`, admin, {
      quantity: 40,
    });
    expect(batch.statusCode).toBe(201);
    const where = { concertId: concert.concert_id };
    await eventually(
      async () => (await prisma.ticket.count({ where: { ...where, qrPng: { not: null } } })) === 40,
      60_000,
    );
    const stored = await prisma.ticket.findFirstOrThrow({ where });
    const sold = await call("POST", `/api/tickets/${stored.id}/mark-sold`, admin, {
      buyer_name: "Buyer",
      buyer_email: "batch-buyer@example.com",
    });
    expect(sold.statusCode).toBe(200);
    const body = sold.json() as TicketBody;
    expect(body.qr_data).toBe(stored.qrPngText);
    expect(body.qr_code_data).toBe(Buffer.from(stored.qrPng as Uint8Array).toString("base64"));
    expect(scanBase64(body.qr_code_data)).toBe(body.qr_data);
  });
});

describe("QR codes as the original serves them", () => {
  it("answers qr-code with ticket_id, ticket_number, status and a base64 PNG the gate can read, to the owner only", async () => {
    const concert = await ticketing.concert();
    const [ticket] = await create(concert.concert_id, { quantity: 1 });
    const response = await call("GET", `/api/tickets/${ticket?.id}/qr-code`, admin);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      ticket_id: ticket?.id,
      ticket_number: ticket?.ticket_number,
      status: "created",
    });
    expect(scanBase64(body.qr_code)).toBe(ticket?.qr_data);
    const stranger = await call(
      "GET",
      `/api/tickets/${ticket?.id}/qr-code`,
      ticketing.tokenFor("viewer"),
    );
    expect(stranger.statusCode).toBe(404);
  });

  it("downloads the QR code as QR_<number>.png", async () => {
    const concert = await ticketing.concert();
    const [ticket] = await create(concert.concert_id, { quantity: 1 });
    const response = await call("GET", `/api/tickets/${ticket?.id}/download-qr`, admin);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("image/png");
    expect(response.headers["content-disposition"]).toBe(
      `attachment; filename=QR_${ticket?.ticket_number}.png`,
    );
    expect(scanPng(response.rawPayload)).toBe(ticket?.qr_data);
    const stranger = await call(
      "GET",
      `/api/tickets/${ticket?.id}/download-qr`,
      ticketing.tokenFor("viewer"),
    );
    expect(stranger.statusCode).toBe(404);
  });

  it("downloads every ticket's QR code of a concert as one ZIP of QR_<number>.png files (admin)", async () => {
    const concert = await ticketing.concert({ capacity: 1200 });
    const tickets = await create(concert.concert_id, { quantity: 1200 });
    const url = `/api/tickets/concert/${concert.concert_id}/qr-codes/download`;
    const response = await call("GET", url, admin);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/zip");
    const files = await unzip(response.rawPayload);
    expect([...files.keys()].sort()).toEqual(
      tickets.map((t) => `QR_${t.ticket_number}.png`).sort(),
    );
    const last = tickets.at(-1) as TicketBody;
    expect(scanPng(files.get(`QR_${last.ticket_number}.png`) as Buffer)).toBe(last.qr_data);
    expect((await call("GET", url, ticketing.tokenFor("scanner"))).statusCode).toBe(403);
    expect(
      (
        await call(
          "GET",
          "/api/tickets/concert/00000000-0000-4000-8000-000000000000/qr-codes/download",
          admin,
        )
      ).statusCode,
    ).toBe(404);
  });

  it("draws a new image when the ticket's code changes, so the image never shows an old code", async () => {
    const concert = await ticketing.concert();
    const [ticket] = await create(concert.concert_id, { quantity: 1 });
    await ticketing.infra.prisma.ticket.update({
      where: { id: ticket?.id },
      data: { codeVersion: 2 },
    });
    const after = (await call("GET", `/api/tickets/${ticket?.id}`, admin)).json() as TicketBody;
    expect(after.qr_data).not.toBe(ticket?.qr_data);
    expect(scanBase64(after.qr_code_data)).toBe(after.qr_data);
  });

  it("answers a list of 1,000 tickets with 1,000 images, each its own ticket's code", async () => {
    const concert = await ticketing.concert({ capacity: 1000 });
    const owner = ticketing.tokenFor("viewer", { email: "thousand@example.com" });
    await create(concert.concert_id, { quantity: 1000 });
    // The box office sold them all to one email (set directly: 1,000 sales are not the point here).
    await ticketing.infra.prisma.ticket.updateMany({
      where: { concertId: concert.concert_id },
      data: { ownerEmail: "thousand@example.com" },
    });
    const mine = (await call("GET", "/api/tickets/mine", owner)).json() as TicketBody[];
    expect(mine).toHaveLength(1000);
    expect(mine.every((t) => t.qr_code_data.length > 0)).toBe(true);
    expect(new Set(mine.map((t) => t.qr_code_data)).size).toBe(1000);
    for (const ticket of [mine[0], mine[499], mine[999]] as TicketBody[]) {
      expect(scanBase64(ticket.qr_code_data)).toBe(ticket.qr_data);
    }
  });
});

describe("deleting tickets", () => {
  it("deletes an unsold ticket, announces TicketDeleted and gives its place back to the capacity", async () => {
    const concert = await ticketing.concert({ capacity: 1 });
    const [ticket] = await create(concert.concert_id, { quantity: 1 });
    const response = await call("DELETE", `/api/tickets/${ticket?.id}`, admin);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: expect.any(String), ticket_id: ticket?.id });
    expect((await call("GET", `/api/tickets/${ticket?.id}`, admin)).statusCode).toBe(404);
    const events = await outboxEvents(ticketing.infra.prisma, TicketDeleted.subject);
    expect(events.map((e) => e.envelope.payload)).toContainEqual({
      ticket_id: ticket?.id,
      concert_id: concert.concert_id,
      revision: 2,
    });
    await create(concert.concert_id, { quantity: 1 });
  });

  it("refuses to delete a sold ticket with 409, and lets no one but an admin delete", async () => {
    const concert = await ticketing.concert();
    const [ticket] = await create(concert.concert_id, { quantity: 2 });
    expect(
      (await call("DELETE", `/api/tickets/${ticket?.id}`, ticketing.tokenFor("viewer"))).statusCode,
    ).toBe(403);
    await call("POST", `/api/tickets/${ticket?.id}/mark-sold`, admin, {
      buyer_name: "Buyer",
      buyer_email: "buyer@example.com",
    });
    const refused = await call("DELETE", `/api/tickets/${ticket?.id}`, admin);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toMatch(/only an unsold \(created\) ticket/);
    expect((await call("GET", `/api/tickets/${ticket?.id}`, admin)).json().status).toBe("sold");
    expect(
      (await call("DELETE", "/api/tickets/00000000-0000-4000-8000-000000000000", admin)).statusCode,
    ).toBe(404);
  });
});
