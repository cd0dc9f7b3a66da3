import { generateKeyPairSync, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkTicketCode, signTicketCode } from "../src/index.js";

const keys = generateKeyPairSync("ed25519");
const claims = { ticketId: randomUUID(), concertId: randomUUID(), codeVersion: 3 };

describe("ticket codes", () => {
  it("carry the ticket, its concert and code version, verified with the public key alone", () => {
    const code = signTicketCode(keys.privateKey, claims);
    expect(code).toMatch(/^CT1\.[\w-]+\.[\w-]+$/);
    expect(code.length).toBeLessThan(160);
    expect(checkTicketCode(keys.publicKey, code)).toEqual({ valid: true, claims });
  });

  it("refuse a code signed with another key", () => {
    const other = generateKeyPairSync("ed25519");
    const code = signTicketCode(other.privateKey, claims);
    expect(checkTicketCode(keys.publicKey, code)).toEqual({
      valid: false,
      reason: "bad_signature",
    });
  });

  it("refuse a code whose payload was edited to name another ticket or version", () => {
    const [prefix, , signature] = signTicketCode(keys.privateKey, claims).split(".");
    const edited = signTicketCode(keys.privateKey, { ...claims, codeVersion: 4 }).split(".")[1];
    expect(checkTicketCode(keys.publicKey, `${prefix}.${edited}.${signature}`)).toEqual({
      valid: false,
      reason: "bad_signature",
    });
  });

  it("refuse text that is not a ticket code at all", () => {
    for (const junk of ["", "hello", "CT1.abc.def", "TKT-1234", "CT2.a.b"]) {
      expect(checkTicketCode(keys.publicKey, junk)).toEqual({ valid: false, reason: "malformed" });
    }
  });
});
