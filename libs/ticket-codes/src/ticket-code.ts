import { type KeyObject, sign, verify } from "node:crypto";

/**
 * The text inside a ticket's QR code: `CT1.<payload>.<signature>`, both base64url. The payload
 * is 36 bytes: ticket id (16), concert id (16), code version (4, big-endian). The Ed25519
 * signature covers the prefix and the payload, so a gate can tell a real, current code from a
 * forged one with the public key alone, without a database. Short enough for a small QR code.
 */
export interface TicketCodeClaims {
  ticketId: string;
  concertId: string;
  codeVersion: number;
}

export type TicketCodeCheck =
  | { valid: true; claims: TicketCodeClaims }
  | { valid: false; reason: "malformed" | "bad_signature" };

const PREFIX = "CT1";
const PAYLOAD_BYTES = 36;

export function signTicketCode(privateKey: KeyObject, claims: TicketCodeClaims): string {
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  uuidToBytes(claims.ticketId).copy(payload, 0);
  uuidToBytes(claims.concertId).copy(payload, 16);
  payload.writeUInt32BE(claims.codeVersion, 32);
  const signature = sign(null, signedBytes(payload), privateKey);
  return `${PREFIX}.${payload.toString("base64url")}.${signature.toString("base64url")}`;
}

export function checkTicketCode(publicKey: KeyObject, code: string): TicketCodeCheck {
  const parts = code.trim().split(".");
  if (parts.length !== 3 || parts[0] !== PREFIX) return { valid: false, reason: "malformed" };
  const payload = Buffer.from(parts[1] as string, "base64url");
  const signature = Buffer.from(parts[2] as string, "base64url");
  if (payload.length !== PAYLOAD_BYTES || signature.length !== 64) {
    return { valid: false, reason: "malformed" };
  }
  if (!verify(null, signedBytes(payload), publicKey, signature)) {
    return { valid: false, reason: "bad_signature" };
  }
  return {
    valid: true,
    claims: {
      ticketId: bytesToUuid(payload.subarray(0, 16)),
      concertId: bytesToUuid(payload.subarray(16, 32)),
      codeVersion: payload.readUInt32BE(32),
    },
  };
}

function signedBytes(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${PREFIX}.`), payload]);
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
