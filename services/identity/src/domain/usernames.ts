import { USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH } from "@concert/contracts";
import type { Tx } from "../app-context.js";

/** Usernames are unique regardless of case: this is the form compared (and indexed, lower()). */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

/**
 * The username an account gets when it has none (accounts from before usernames, a register body
 * without one): the email's local part, lower-cased, each character other than a-z 0-9 . _ -
 * replaced by "_", cut to 50 and padded with "_" to 3. The migration `*_usernames` applies the
 * same rule in SQL; keep them equal.
 */
export function usernameBase(email: string): string {
  const local = email.slice(0, Math.max(email.lastIndexOf("@"), 0)).toLowerCase();
  return local
    .replace(/[^a-z0-9._-]/gu, "_")
    .slice(0, USERNAME_MAX_LENGTH)
    .padEnd(USERNAME_MIN_LENGTH, "_");
}

/** The first of base, base2, base3, ... that is not taken (`taken` holds lower-cased names). */
export function deriveUsername(email: string, taken: ReadonlySet<string>): string {
  const base = usernameBase(email);
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) {
    const suffix = String(n);
    candidate = base.slice(0, USERNAME_MAX_LENGTH - suffix.length) + suffix;
  }
  return candidate;
}

/** A username derived from `email` that no account holds right now. */
export async function freeUsernameFor(tx: Tx, email: string): Promise<string> {
  // Every candidate starts with the base cut to leave room for the longest suffix we could need.
  const prefix = usernameBase(email).slice(0, USERNAME_MAX_LENGTH - 10);
  const rows = await tx.$queryRaw<Array<{ key: string }>>`
    SELECT lower("username") AS key FROM "users" WHERE starts_with(lower("username"), ${prefix})`;
  return deriveUsername(email, new Set(rows.map((row) => row.key)));
}
