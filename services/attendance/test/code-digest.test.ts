import { generateKeyPairSync, randomUUID } from "node:crypto";
import {
  TicketCodeDigested,
  TicketScanned,
  type TicketSnapshot,
  TransferAccepted,
} from "@concert/contracts";
import { startTestInfra, type TestInfra } from "@concert/testing";
import { newTicketNumber, signTicketCode, ticketCodeDigest } from "@concert/ticket-codes";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  acceptance,
  otherServices,
  soldTicket,
  startTestAttendance,
  type TestAttendance,
} from "./helper.js";

// The gate admits a code whose digest is the one ticketing published for the ticket's current
// code, without checking its signature; any other code is verified as before. To tell which way a
// scan went, some tickets here are announced with the digest of a code signed by a key the gate
// does not know: the gate admits that code only by its digest, and refuses it once it must verify.

let infra: TestInfra;
let attendance: TestAttendance;
let others: ReturnType<typeof otherServices>;
let scanner: string;

// Each test starts its own gate process: which way a process checks codes depends on the claims
// it has seen (CodeCheckOrder). One claim statement at a time, so that scans sent together are
// claimed in batches too.
beforeAll(async () => {
  infra = await startTestInfra();
});
beforeEach(async () => {
  attendance = await startTestAttendance(infra, { SCAN_CLAIMS_AT_ONCE: "1" });
  others = otherServices(infra, attendance);
  scanner = others.tokenFor("scanner");
});
afterEach(async () => {
  await attendance?.close();
});
afterAll(async () => {
  await infra?.stop();
});

const unknownKey = generateKeyPairSync("ed25519").privateKey;

/** The ticket's code signed with a key the gate does not verify with. */
const codeOfUnknownKey = (ticket: TicketSnapshot) =>
  signTicketCode(unknownKey, {
    ticketId: ticket.ticket_id,
    concertId: ticket.concert_id,
    ticketNumber: ticket.ticket_number,
    codeVersion: ticket.code_version,
  });

/** A ticket whose published digest is of its code under the unknown key, and that code. */
async function publishedUnderUnknownKey(overrides: Partial<TicketSnapshot> = {}) {
  const ticket = soldTicket(overrides);
  const code = codeOfUnknownKey(ticket);
  return {
    ticket: await others.announceTicket({ ...ticket, code_digest: ticketCodeDigest(code) }),
    code,
  };
}

const scan = (qr_data: string, body: Record<string, unknown> = {}) =>
  attendance.app.inject({
    method: "POST",
    url: "/api/scans/",
    payload: { scan_type: "entry_check", gate: "North", qr_data, ...body },
    headers: { authorization: `Bearer ${scanner}` },
  });

const copyOf = (ticketId: string) =>
  attendance.infra.prisma.gateTicket.findUniqueOrThrow({ where: { ticketId } });

describe("a code the gate knows by its digest", () => {
  it("is admitted by its digest alone, its signature unchecked, with its scan row and event", async () => {
    const { ticket, code } = await publishedUnderUnknownKey();

    const answer = await scan(code);
    expect(answer.json()).toMatchObject({
      admit: true,
      result: "admitted",
      ticket_id: ticket.ticket_id,
      ticket_number: ticket.ticket_number,
    });
    expect(await others.announced(TicketScanned, ticket.ticket_id)).toHaveLength(1);
    // Once in, the same code is refused for what it is, not for its signature.
    expect((await scan(code)).json()).toMatchObject({ result: "already_admitted" });
  });

  it("is admitted in a batch too; in the same batch a forged code is refused and codes of tickets without a digest are verified and admitted", async () => {
    const published = await Promise.all(
      Array.from({ length: 12 }, () => publishedUnderUnknownKey()),
    );
    const genuine = await Promise.all(
      Array.from({ length: 4 }, () => others.announceTicket(soldTicket())),
    );
    // A forged code of a genuine ticket: its claims are right, its signature is not the gate's.
    const forged = codeOfUnknownKey(genuine[0] as TicketSnapshot);
    const undigested = await Promise.all(
      Array.from({ length: 4 }, () => others.announceTicket(soldTicket({ code_digest: null }))),
    );

    const answers = await Promise.all([
      ...published.map(({ code }) => scan(code)),
      scan(forged),
      ...genuine.slice(1).map((ticket) => scan(others.codeFor(ticket))),
      ...undigested.map((ticket) => scan(others.codeFor(ticket))),
    ]);
    const results = answers.map((answer) => answer.json().result);
    expect(results).toEqual([
      ...Array(12).fill("admitted"),
      "invalid_code",
      ...Array(7).fill("admitted"),
    ]);
    expect(answers[12]?.json()).toMatchObject({
      admit: false,
      detail: "Ticket code signature is not valid",
      // A refused code names no ticket: its claims were never proven.
      ticket_id: null,
      ticket_number: null,
    });
    expect((await copyOf((genuine[0] as TicketSnapshot).ticket_id)).admittedAt).toBeNull();
    expect((await scan(others.codeFor(genuine[0] as TicketSnapshot))).json()).toMatchObject({
      result: "admitted",
    });
  });

  it("is verified when the published digest is another code's, and admitted when genuine", async () => {
    const ticket = await others.announceTicket(soldTicket({ code_digest: ticketCodeDigest("x") }));
    expect((await scan(others.codeFor(ticket))).json()).toMatchObject({ result: "admitted" });
  });

  it("is verified for a ticket announced without a digest (issued before they were published)", async () => {
    const withNull = await others.announceTicket(soldTicket({ code_digest: null }));
    // Undefined: the field is left out of the event, as in events written before it existed.
    const withoutDigest = await others.announceTicket(soldTicket({ code_digest: undefined }));
    expect(await copyOf(withoutDigest.ticket_id)).toMatchObject({ codeDigest: null });
    for (const ticket of [withNull, withoutDigest]) {
      expect((await scan(others.codeFor(ticket))).json()).toMatchObject({ result: "admitted" });
      expect((await scan(codeOfUnknownKey(ticket))).json()).toMatchObject({
        result: "invalid_code",
      });
    }
  });

  it("keeps its digest through a newer snapshot of the same code that carries none", async () => {
    const { ticket, code } = await publishedUnderUnknownKey();
    await others.announceTicket({
      ...ticket,
      code_digest: undefined,
      revision: ticket.revision + 1,
    });
    expect((await scan(code)).json()).toMatchObject({ result: "admitted" });
  });

  it("is forgotten by a handover: the old code is verified again, and no older snapshot brings it back", async () => {
    const { ticket, code } = await publishedUnderUnknownKey();
    await others.publish(TransferAccepted, acceptance(ticket));
    await others.handledAll(TransferAccepted);
    expect(await copyOf(ticket.ticket_id)).toMatchObject({ codeVersion: 2, codeDigest: null });
    // The code was never signed with the gate's key: verified now, it is refused as not valid.
    expect((await scan(code)).json()).toMatchObject({ result: "invalid_code" });

    // A newer revision of the old epoch, still carrying the old code's digest, changes nothing.
    await others.announceTicket({ ...ticket, revision: ticket.revision + 3 });
    expect(await copyOf(ticket.ticket_id)).toMatchObject({ codeVersion: 2, codeDigest: null });
    expect((await scan(code)).json()).toMatchObject({ result: "invalid_code" });

    // Ticketing's snapshot of the new epoch brings the new code's digest.
    const next = { ...ticket, code_version: 2, ticket_number: newTicketNumber(), revision: 9 };
    const nextCode = codeOfUnknownKey(next);
    await others.announceTicket({ ...next, code_digest: ticketCodeDigest(nextCode) });
    expect((await scan(nextCode)).json()).toMatchObject({ result: "admitted" });
  });

  it("is learnt from TicketCodeDigested for a ticket issued before digests, unless older than the copy", async () => {
    const earlier = await others.announceTicket(soldTicket({ code_digest: null }));
    const code = codeOfUnknownKey(earlier);
    const digested = { ...earlier, code_digest: ticketCodeDigest(code) };
    // One that is not newer than the copy changes nothing: the code is still verified, refused.
    await others.publish(TicketCodeDigested, digested);
    await others.handledAll(TicketCodeDigested);
    expect(await copyOf(earlier.ticket_id)).toMatchObject({ codeDigest: null });
    expect((await scan(code)).json()).toMatchObject({ result: "invalid_code" });

    await others.publish(TicketCodeDigested, { ...digested, revision: earlier.revision + 1 });
    await others.handledAll(TicketCodeDigested);
    expect((await scan(code)).json()).toMatchObject({ result: "admitted" });
  });

  it("does not skip the check of a code for another concert than the scanner expects", async () => {
    const { ticket, code } = await publishedUnderUnknownKey();
    // Verified before anything else, as every such code: refused for its signature.
    expect((await scan(code, { concert_id: randomUUID() })).json()).toMatchObject({
      result: "invalid_code",
    });
    expect((await scan(code, { concert_id: ticket.concert_id })).json()).toMatchObject({
      result: "admitted",
    });
  });
});

describe("a gate process whose recent codes had no digest", () => {
  it("checks signatures first (tickets issued before ticketing published digests), as every code was before", async () => {
    const undigested = await Promise.all(
      Array.from({ length: 40 }, () => others.announceTicket(soldTicket({ code_digest: null }))),
    );
    for (const ticket of undigested) {
      expect((await scan(others.codeFor(ticket))).json()).toMatchObject({ result: "admitted" });
    }
    // Its digest would admit this code; checked by its signature first, it is refused.
    const { code } = await publishedUnderUnknownKey();
    expect((await scan(code)).json()).toMatchObject({ result: "invalid_code" });
  });
});
