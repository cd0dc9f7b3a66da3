import bcrypt from "bcrypt";

/** bcrypt reads at most 72 bytes; a longer password would be cut silently, so it is refused. */
export const MAX_PASSWORD_BYTES = 72;

export function hashPassword(password: string, rounds: number): Promise<string> {
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) {
    // The request schemas refuse these with 422 first; this guards any other way a password is set.
    throw new RangeError(`A password may hold at most ${MAX_PASSWORD_BYTES} bytes`);
  }
  return bcrypt.hash(password, rounds);
}

const unknownAccountHashes = new Map<number, string>();

/**
 * Compared against when no account matches, at the configured cost, so an unknown account takes
 * as long to refuse as a wrong password and timing does not reveal which accounts exist.
 */
export function unknownAccountHash(rounds: number): string {
  let hash = unknownAccountHashes.get(rounds);
  if (!hash) {
    hash = bcrypt.hashSync("unknown-account-placeholder", rounds);
    unknownAccountHashes.set(rounds, hash);
  }
  return hash;
}

/**
 * A password longer than 72 bytes never matches: bcrypt would compare only its first 72 bytes, so
 * "the password plus anything" would sign in. It is still compared (against the unknown-account
 * hash), so it takes as long as any wrong password. No password that is set can be longer.
 */
export function verifyPassword(
  password: string,
  hash: string | undefined,
  rounds: number,
): Promise<boolean> {
  const usable = hash !== undefined && Buffer.byteLength(password, "utf8") <= MAX_PASSWORD_BYTES;
  return bcrypt
    .compare(password, usable ? hash : unknownAccountHash(rounds))
    .then((ok) => ok && usable);
}
