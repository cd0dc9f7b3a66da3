import { createHash, generateKeyPairSync, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  checkTicketCode,
  isCodeOf,
  readTicketCode,
  signCompactTicketCode,
  signingKeyId,
  signTicketCode,
  ticketCodeDigest,
} from "../src/index.js";

const keys = generateKeyPairSync("ed25519");
const ticket = {
  ticketId: randomUUID(),
  concertId: randomUUID(),
  ticketNumber: "K7M2-9QXA",
  codeVersion: 3,
};
const BAD_SIGNATURE = { valid: false, reason: "bad_signature" };
const MALFORMED = { valid: false, reason: "malformed" };

/** The JSON code with one field replaced, the signature kept. */
function edited(field: string, value: unknown): string {
  const code = JSON.parse(signTicketCode(keys.privateKey, ticket));
  return JSON.stringify({ ...code, [field]: value });
}

describe("ticket codes as the original scanner reads them (JSON)", () => {
  it("are JSON with ticket_id, ticket_number, concert_id, v and sig, in that order", () => {
    const code = signTicketCode(keys.privateKey, ticket);
    const parsed = JSON.parse(code);
    expect(Object.keys(parsed)).toEqual(["ticket_id", "ticket_number", "concert_id", "v", "sig"]);
    expect(parsed).toMatchObject({
      ticket_id: ticket.ticketId,
      ticket_number: "K7M2-9QXA",
      concert_id: ticket.concertId,
      v: 3,
    });
    expect(parsed.sig).toMatch(/^[\w-]{86}$/);
  });

  it("are verified with the public key alone and give back every claim", async () => {
    const code = signTicketCode(keys.privateKey, ticket);
    expect(await checkTicketCode(keys.publicKey, code)).toEqual({ valid: true, claims: ticket });
    expect(await checkTicketCode(keys.publicKey, ` ${code}\n`)).toEqual({
      valid: true,
      claims: ticket,
    });
  });

  it("sign exactly CT2|ticket_id|concert_id|ticket_number|v", async () => {
    const { verify } = await import("node:crypto");
    const { sig } = JSON.parse(signTicketCode(keys.privateKey, ticket));
    const message = `CT2|${ticket.ticketId}|${ticket.concertId}|K7M2-9QXA|3`;
    expect(verify(null, Buffer.from(message), keys.publicKey, Buffer.from(sig, "base64url"))).toBe(
      true,
    );
  });

  it("refuse a code signed with another key", async () => {
    const other = generateKeyPairSync("ed25519");
    expect(await checkTicketCode(keys.publicKey, signTicketCode(other.privateKey, ticket))).toEqual(
      BAD_SIGNATURE,
    );
  });

  it.each([
    ["ticket_id", randomUUID()],
    ["ticket_number", "K7M2-9QXB"],
    ["concert_id", randomUUID()],
    ["v", 4],
  ])("refuse a code whose %s was edited", async (field, value) => {
    expect(await checkTicketCode(keys.publicKey, edited(field, value))).toEqual(BAD_SIGNATURE);
  });

  it("refuse a code whose signature was swapped for another ticket's", async () => {
    const otherSig = JSON.parse(signTicketCode(keys.privateKey, { ...ticket, codeVersion: 4 })).sig;
    expect(await checkTicketCode(keys.publicKey, edited("sig", otherSig))).toEqual(BAD_SIGNATURE);
  });

  it("refuse JSON that is not a whole ticket code", async () => {
    for (const junk of [
      "{",
      "[]",
      "{}",
      '{"ticket_number":"K7M2-9QXA"}',
      edited("v", "3"),
      edited("v", 1.5),
      edited("v", -1),
      edited("ticket_id", 42),
      edited("ticket_id", "not-a-uuid"),
      edited("ticket_number", ""),
      edited("sig", "AAAA"),
      edited("sig", undefined),
    ]) {
      expect(await checkTicketCode(keys.publicKey, junk)).toEqual(MALFORMED);
    }
  });
});

describe("a stored code recognised without signing again", () => {
  it("is the text signed for exactly these claims, whatever key signed it", () => {
    const code = signTicketCode(keys.privateKey, ticket);
    expect(isCodeOf(code, ticket)).toBe(true);
    const other = generateKeyPairSync("ed25519");
    expect(isCodeOf(signTicketCode(other.privateKey, ticket), ticket)).toBe(true);
  });

  it.each([
    ["another code version", { codeVersion: 4 }],
    ["another ticket", { ticketId: randomUUID() }],
    ["another concert", { concertId: randomUUID() }],
    ["another number", { ticketNumber: "K7M2-9QXB" }],
  ])("is not a code of %s", (_, change) => {
    const code = signTicketCode(keys.privateKey, ticket);
    expect(isCodeOf(code, { ...ticket, ...change })).toBe(false);
  });

  it("is not text cut short, lengthened or with a signature that is not base64url", () => {
    const code = signTicketCode(keys.privateKey, ticket);
    for (const text of [
      code.slice(0, -1),
      `${code} `,
      `${code.slice(0, -3)}+"}`,
      `${code.slice(0, -2)}A"}`,
      edited("extra", 1),
      "",
    ]) {
      expect(isCodeOf(text, ticket)).toBe(false);
    }
  });

  it("is told apart by key: each key has its own id, the same one every time", () => {
    const other = generateKeyPairSync("ed25519");
    expect(signingKeyId(keys.privateKey)).toBe(signingKeyId(keys.privateKey));
    expect(signingKeyId(keys.privateKey)).toMatch(/^[\w-]{22}$/);
    expect(signingKeyId(other.privateKey)).not.toBe(signingKeyId(keys.privateKey));
  });
});

describe("compact CT1 codes on tickets already printed", () => {
  const claims = { ticketId: ticket.ticketId, concertId: ticket.concertId, codeVersion: 3 };

  it("are still accepted, without a ticket number", async () => {
    const code = signCompactTicketCode(keys.privateKey, claims);
    expect(code).toMatch(/^CT1\.[\w-]+\.[\w-]+$/);
    expect(await checkTicketCode(keys.publicKey, code)).toEqual({ valid: true, claims });
  });

  it("refuse a code signed with another key", async () => {
    const other = generateKeyPairSync("ed25519");
    expect(
      await checkTicketCode(keys.publicKey, signCompactTicketCode(other.privateKey, claims)),
    ).toEqual(BAD_SIGNATURE);
  });

  it("refuse a code whose payload was edited to name another ticket or version", async () => {
    const [prefix, , signature] = signCompactTicketCode(keys.privateKey, claims).split(".");
    for (const change of [
      { codeVersion: 4 },
      { ticketId: randomUUID() },
      { concertId: randomUUID() },
    ]) {
      const payload = signCompactTicketCode(keys.privateKey, { ...claims, ...change }).split(
        ".",
      )[1];
      expect(await checkTicketCode(keys.publicKey, `${prefix}.${payload}.${signature}`)).toEqual(
        BAD_SIGNATURE,
      );
    }
  });

  it("refuse text that is not a ticket code at all", async () => {
    for (const junk of ["", "hello", "CT1.abc.def", "TKT-1234", "CT2.a.b"]) {
      expect(await checkTicketCode(keys.publicKey, junk)).toEqual(MALFORMED);
    }
  });
});

describe("a code read before its signature is checked", () => {
  it("gives its claims and the SHA-256 of its text, trimmed, and checks its signature on demand", async () => {
    const code = signTicketCode(keys.privateKey, ticket);
    const read = readTicketCode(`\n${code} `);
    expect(read?.claims).toEqual(ticket);
    expect(read?.digest).toBe(createHash("sha256").update(code).digest("base64url"));
    expect(read?.digest).toBe(ticketCodeDigest(code));
    expect(await read?.check(keys.publicKey)).toEqual({ valid: true, claims: ticket });
    const other = generateKeyPairSync("ed25519");
    expect(await read?.check(other.publicKey)).toEqual(BAD_SIGNATURE);
  });

  it("has a digest of its own for each claim and each key that signed it", () => {
    const digests = [
      signTicketCode(keys.privateKey, ticket),
      signTicketCode(keys.privateKey, { ...ticket, codeVersion: 4 }),
      signTicketCode(keys.privateKey, { ...ticket, ticketNumber: "K7M2-9QXB" }),
      signTicketCode(generateKeyPairSync("ed25519").privateKey, ticket),
    ].map(ticketCodeDigest);
    expect(new Set(digests).size).toBe(4);
  });

  it("is not read at all when it is not a ticket code", () => {
    for (const junk of ["", "hello", "{}", "CT1.abc.def", edited("v", "3")]) {
      expect(readTicketCode(junk)).toBeUndefined();
    }
  });
});
