import bcrypt from "bcrypt";

export function hashPassword(password: string, rounds: number): Promise<string> {
  return bcrypt.hash(password, rounds);
}

// Compared against when the email is unknown, so both failures take the same time.
const UNKNOWN_USER_HASH = bcrypt.hashSync("unknown-user-placeholder", 10);

export function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  return bcrypt.compare(password, hash ?? UNKNOWN_USER_HASH).then((ok) => ok && hash !== undefined);
}
