import { createHash, createPublicKey, type KeyObject, sign, verify } from "node:crypto";

/**
 * The text inside a ticket's QR code. Ticketing issues the JSON the original system's scanner
 * parses (`JSON.parse(text).ticket_number`), with the code version and an Ed25519 signature
 * inside it:
 *
 *   {"ticket_id":"…","ticket_number":"K7M2-9QXA","concert_id":"…","v":1,"sig":"<base64url>"}
 *
 * The signature covers the UTF-8 bytes of `CT2|<ticket_id>|<concert_id>|<ticket_number>|<v>`, so
 * a gate tells a real, current code from a forged or edited one with the public key alone. The
 * older compact `CT1.<payload>.<signature>` text (on tickets already printed) is still accepted.
 */
export interface TicketCodeClaims {
  ticketId: string;
  concertId: string;
  codeVersion: number;
  /** Carried by the JSON code; absent from a CT1 code. */
  ticketNumber?: string;
}

/** What ticketing signs: every claim, the ticket number included. */
export type SignedTicket = Required<TicketCodeClaims>;

/**
 * The code version a ticket is issued with; each transfer adds one. A scan that names a ticket by
 * id alone (no secret: ids appear in URLs, transfers, refunds) stands for this version only.
 */
export const FIRST_CODE_VERSION = 1;

export type TicketCodeCheck =
  | { valid: true; claims: TicketCodeClaims }
  | { valid: false; reason: "malformed" | "bad_signature" };

const SIGNATURE_BYTES = 64;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MALFORMED: TicketCodeCheck = { valid: false, reason: "malformed" };
const BAD_SIGNATURE: TicketCodeCheck = { valid: false, reason: "bad_signature" };

export function signTicketCode(privateKey: KeyObject, ticket: SignedTicket): string {
  const signature = sign(null, jsonSignedBytes(ticket), privateKey);
  return `${unsignedJson(ticket)}${signature.toString("base64url")}"}`;
}

/**
 * Whether `code` is the text signTicketCode writes for exactly these claims. The signature is not
 * checked: this is for the signer's own stored copy of a code, kept with the id of the key that
 * signed it (signingKeyId). Ed25519 signatures are deterministic, so signing the same claims again
 * with that key would write the same text, at about 30 µs a code.
 */
export function isCodeOf(code: string, ticket: SignedTicket): boolean {
  const unsigned = unsignedJson(ticket);
  return (
    code.length === unsigned.length + SIGNATURE_TEXT.length &&
    code.startsWith(unsigned) &&
    SIGNATURE_TEXT.pattern.test(code.slice(unsigned.length))
  );
}

/** The JSON code's closing: its signature in base64url, then `"}`. */
const SIGNATURE_TEXT = { length: 88, pattern: /^[\w-]{86}"}$/ };

/**
 * The JSON code up to its signature's text. Key order is part of the format: the other services
 * and the original scanner rely on it. The signature, base64url, needs no escaping in JSON.
 */
function unsignedJson(ticket: SignedTicket): string {
  const claims = JSON.stringify({
    ticket_id: ticket.ticketId,
    ticket_number: ticket.ticketNumber,
    concert_id: ticket.concertId,
    v: ticket.codeVersion,
  });
  return `${claims.slice(0, -1)},"sig":"`;
}

const keyIds = new WeakMap<KeyObject, string>();

/**
 * A short fingerprint of a signing key: the first 16 bytes of its public half's SHA-256, base64url.
 * Stored beside a stored code, it tells a code signed with an earlier key from a current one.
 */
export function signingKeyId(privateKey: KeyObject): string {
  let id = keyIds.get(privateKey);
  if (id === undefined) {
    const publicKey = createPublicKey(privateKey).export({ format: "der", type: "spki" });
    id = createHash("sha256").update(publicKey).digest().subarray(0, 16).toString("base64url");
    keyIds.set(privateKey, id);
  }
  return id;
}

/**
 * A code as read, before its signature is checked: what it claims is not to be trusted until
 * `check` says so, or until its digest matches the one ticketing published for the ticket's
 * current code (the gate's fast path, docs/DECISIONS.md "A code the gate knows by its digest").
 */
export interface UncheckedTicketCode {
  claims: TicketCodeClaims;
  /** ticketCodeDigest of the code's text. */
  digest: string;
  /** The signature checked with `publicKey`: the code's claims, or why not. */
  check(publicKey: KeyObject): Promise<TicketCodeCheck>;
}

/**
 * The SHA-256 of a code's text (trimmed, UTF-8), base64url. Ticketing publishes it for each
 * ticket's current code; a presented text with the same digest is that very text, signature and
 * all, so it is as genuine as a verified one without the verify.
 */
export function ticketCodeDigest(code: string): string {
  return createHash("sha256").update(code.trim(), "utf8").digest("base64url");
}

/**
 * Whether `code` is a real, current-format ticket code, and what it claims. The signature is
 * checked on libuv's thread pool (Node's `verify` with a callback): a gate's scans wait on its one
 * event loop, and an Ed25519 verify held it about 80 µs a scan, against about 16 µs to hand it
 * over (docs/BENCHMARKS.md, "The signature checked off the event loop").
 */
export async function checkTicketCode(
  publicKey: KeyObject,
  code: string,
): Promise<TicketCodeCheck> {
  return readTicketCode(code)?.check(publicKey) ?? MALFORMED;
}

/** The code's claims and digest, its signature not checked yet; undefined: not a ticket code. */
export function readTicketCode(code: string): UncheckedTicketCode | undefined {
  const text = code.trim();
  const read = text.startsWith("{") ? readJsonCode(text) : readCompactCode(text);
  if (!read) return undefined;
  const { claims, signed, signature } = read;
  return {
    claims,
    digest: ticketCodeDigest(text),
    check: async (publicKey) =>
      (await verified(signed, publicKey, signature)) ? { valid: true, claims } : BAD_SIGNATURE,
  };
}

/** What a format's reader finds: the claims, and the bytes and signature to verify them with. */
interface ReadCode {
  claims: TicketCodeClaims;
  signed: Buffer;
  signature: Buffer;
}

/** `verify` on the thread pool. */
function verified(data: Buffer, publicKey: KeyObject, signature: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) =>
    verify(null, data, publicKey, signature, (error, valid) =>
      error ? reject(error) : resolve(valid),
    ),
  );
}

function readJsonCode(text: string): ReadCode | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const { ticket_id, ticket_number, concert_id, v, sig } = parsed as Record<string, unknown>;
  if (
    !isUuid(ticket_id) ||
    !isUuid(concert_id) ||
    typeof ticket_number !== "string" ||
    ticket_number.length === 0 ||
    !isCodeVersion(v) ||
    typeof sig !== "string"
  ) {
    return undefined;
  }
  const signature = Buffer.from(sig, "base64url");
  if (signature.length !== SIGNATURE_BYTES) return undefined;
  const claims = {
    ticketId: ticket_id,
    concertId: concert_id,
    ticketNumber: ticket_number,
    codeVersion: v,
  };
  return { claims, signed: jsonSignedBytes(claims), signature };
}

function jsonSignedBytes(ticket: SignedTicket): Buffer {
  const { ticketId, concertId, ticketNumber, codeVersion } = ticket;
  return Buffer.from(`CT2|${ticketId}|${concertId}|${ticketNumber}|${codeVersion}`, "utf8");
}

function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

function isCodeVersion(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;
}

// The compact CT1 code: `CT1.<payload>.<signature>`, both base64url. The payload is 36 bytes:
// ticket id (16), concert id (16), code version (4, big-endian); the signature covers "CT1." and
// the payload. Ticketing no longer issues it; gates accept it for tickets already printed.
const COMPACT_PREFIX = "CT1";
const COMPACT_PAYLOAD_BYTES = 36;

/** The compact CT1 text, as printed tickets carry it (tools and tests; ticketing issues JSON). */
export function signCompactTicketCode(privateKey: KeyObject, claims: TicketCodeClaims): string {
  const payload = Buffer.alloc(COMPACT_PAYLOAD_BYTES);
  uuidToBytes(claims.ticketId).copy(payload, 0);
  uuidToBytes(claims.concertId).copy(payload, 16);
  payload.writeUInt32BE(claims.codeVersion, 32);
  const signature = sign(null, compactSignedBytes(payload), privateKey);
  return `${COMPACT_PREFIX}.${payload.toString("base64url")}.${signature.toString("base64url")}`;
}

function readCompactCode(text: string): ReadCode | undefined {
  const parts = text.split(".");
  if (parts.length !== 3 || parts[0] !== COMPACT_PREFIX) return undefined;
  const payload = Buffer.from(parts[1] as string, "base64url");
  const signature = Buffer.from(parts[2] as string, "base64url");
  if (payload.length !== COMPACT_PAYLOAD_BYTES || signature.length !== SIGNATURE_BYTES) {
    return undefined;
  }
  return {
    claims: {
      ticketId: bytesToUuid(payload.subarray(0, 16)),
      concertId: bytesToUuid(payload.subarray(16, 32)),
      codeVersion: payload.readUInt32BE(32),
    },
    signed: compactSignedBytes(payload),
    signature,
  };
}

function compactSignedBytes(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${COMPACT_PREFIX}.`), payload]);
}

function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, "hex");
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
