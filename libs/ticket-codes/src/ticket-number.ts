import { randomBytes } from "node:crypto";

// Crockford's base32 without I, L, O and U: nothing a gate attendant can misread or mistype.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A number a person can read off a cracked phone screen and type at the gate, e.g.
 * "K7M2-9QXA": 40 random bits, so guessing a valid one is hopeless.
 */
export function newTicketNumber(): string {
  const bytes = randomBytes(8);
  let text = "";
  for (let i = 0; i < 8; i++) text += ALPHABET[(bytes[i] as number) % 32];
  return `${text.slice(0, 4)}-${text.slice(4)}`;
}

/** What a person typed, in the stored form: upper case, confusable letters mapped, dash placed. */
export function normalizeTicketNumber(typed: string): string {
  const compact = typed
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  return compact.length === 8 ? `${compact.slice(0, 4)}-${compact.slice(4)}` : typed.toUpperCase();
}
