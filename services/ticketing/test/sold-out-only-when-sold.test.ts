import { setTimeout as sleep } from "node:timers/promises";
import { eventually, startForFile, withClient } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { startTestTicketing } from "./helper.js";

// A purchase skips tickets other purchases hold, so simultaneous buyers never wait on each other.
// But other work holds unsold tickets for a moment too: drawing a new batch's QR images stores
// them on the ticket rows right after `batch/create` answers. A buyer who came then was told
// "Sold out" for a concert with its last ticket unsold (CI, old-holder.e2e: a 1-ticket concert
// bought at once after issuing). "Sold out" must mean no unsold ticket is left.
const { service: ticketing, infra } = startForFile(startTestTicketing);

const concertWithTickets = (quantity: number) => ticketing.concertWithTickets(quantity);

const purchase = (concertId: string) =>
  ticketing.call("POST", "/api/tickets/purchase", ticketing.tokenFor("viewer"), {
    concert_id: concertId,
  });

/**
 * Holds the concert's unsold tickets as other work does (storing QR images, a sale), until
 * `release` resolves (default: 300 ms), then commits; `locked` runs once they are held.
 */
function ticketsHeld(
  concertId: string,
  locked: () => void,
  release: Promise<unknown> = sleep(300),
) {
  return withClient(infra.databaseUrl, async (client) => {
    await client.query("BEGIN");
    await client.query(
      `SELECT id FROM ticketing.tickets WHERE concert_id = $1 AND status = 'created' FOR UPDATE`,
      [concertId],
    );
    locked();
    await release;
    await client.query("COMMIT");
  });
}

/** `held` resolves once `start` holds the tickets, `done` once it let them go. */
function whileHeld(start: (locked: () => void) => Promise<void>) {
  let holding!: () => void;
  const held = new Promise<void>((resolve) => {
    holding = resolve;
  });
  const done = start(holding);
  return { held, done };
}

describe("a purchase while unsold tickets are held by other work", () => {
  it("waits for them and sells, instead of answering Sold out", async () => {
    const concertId = await concertWithTickets(1);
    const storing = whileHeld((locked) => ticketsHeld(concertId, locked));
    await storing.held;
    const bought = await purchase(concertId);
    await storing.done;
    expect(bought.json()).toMatchObject({ concert_id: concertId, status: "sold" });
    expect(bought.statusCode).toBe(201);
  });

  it("still answers Sold out once the last ticket went to a simultaneous buyer: 10 buyers, 3 tickets", async () => {
    const concertId = await concertWithTickets(3);
    const answers = await Promise.all(Array.from({ length: 10 }, () => purchase(concertId)));
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(3);
    const refused = answers.filter((a) => a.statusCode !== 201);
    expect(refused.map((a) => a.statusCode)).toEqual(Array(7).fill(409));
    for (const answer of refused) expect(answer.json().detail).toMatch(/Sold out/);
  });

  it("is never waited for by a read that stores QR images: the list answers while they are held", async () => {
    const concertId = await concertWithTickets(3);
    // Images to store on the next read: drawn ahead after issuing, then forgotten.
    await eventually(async () => {
      const drawn = await ticketing.infra.prisma.ticket.count({
        where: { concertId, qrPngText: { not: null } },
      });
      return drawn === 3 || undefined;
    });
    await ticketing.infra.prisma.ticket.updateMany({
      where: { concertId },
      data: { qrPng: null, qrPngText: null },
    });
    let answered!: () => void;
    const listed = new Promise<string>((resolve) => {
      answered = () => resolve("the list answered");
    });
    // Released by the list's answer; if the list waited for the tickets, by the clock instead.
    const released = Promise.race([listed, sleep(5_000, "5 s passed")]);
    const sale = whileHeld((locked) => ticketsHeld(concertId, locked, released));
    await sale.held;
    const list = await ticketing.call(
      "GET",
      `/api/tickets/concert/${concertId}`,
      ticketing.tokenFor("admin"),
    );
    answered();
    await sale.done;
    expect(await released).toBe("the list answered");
    expect(list.statusCode).toBe(200);
    expect(list.json()).toHaveLength(3);
  });
});
