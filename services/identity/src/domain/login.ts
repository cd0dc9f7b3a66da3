import { TooManyRequestsError, UnauthorizedError } from "@concert/service-kit";
import type { PrismaClient, User } from "../generated/prisma/client.js";
import {
  pruneThrottles,
  reserveInTurn,
  settleAttempt,
  type ThrottlePolicy,
} from "./login-throttle.js";
import { verifyPassword } from "./passwords.js";
import { normalizeEmail } from "./register-user.js";
import { usernameKey } from "./usernames.js";

export interface LoginPolicy {
  /** Per account, whoever tries: blocks briefly, doubling, capped. */
  account: ThrottlePolicy;
  /** Per client address, whichever accounts it tries: keeps one source from renewing blocks. */
  client: ThrottlePolicy;
  /** The cost of the hash an unknown account is compared against. */
  bcryptRounds: number;
}

// One message for an unknown account and a wrong password: the answer must not reveal accounts.
const BAD_CREDENTIALS = "Incorrect username or password";
const TOO_MANY_FOR_ACCOUNT = "Too many failed login attempts for this account; try again later";
const TOO_MANY_FROM_CLIENT = "Too many failed login attempts from this address; try again later";
const TOO_BUSY = "Too many login attempts at once; try again in a moment";

/**
 * The account an identifier names: an email when it holds "@" (a username never does), otherwise
 * a username, both regardless of case.
 */
async function findAccount(prisma: PrismaClient, identifier: string): Promise<User | null> {
  if (identifier.includes("@")) {
    return prisma.user.findUnique({ where: { email: normalizeEmail(identifier) } });
  }
  // Raw SQL so the lookup uses the unique index on lower(username).
  const [match] = await prisma.$queryRaw<Array<{ id: string }>>`
    SELECT "id" FROM "users" WHERE lower("username") = ${usernameKey(identifier.trim())}`;
  return match ? prisma.user.findUnique({ where: { id: match.id } }) : null;
}

/**
 * Checks a password for a username or an email, from a client address. An attempt is reserved
 * for the client and for the account (under its email, whichever identifier was typed) before
 * the slow password check, so no number of simultaneous attempts gets more than the limit
 * checked; a success gives its slots back. An attempt that finds the budget held by checks still
 * running waits for their verdicts (`reserveInTurn`). Limits live in the database, shared by
 * every replica.
 */
export async function checkCredentials(
  prisma: PrismaClient,
  identifier: string,
  password: string,
  client: string,
  policy: LoginPolicy,
): Promise<User> {
  await pruneThrottles(prisma);
  const fromClient = await reserveInTurn(prisma, client, policy.client);
  if (fromClient.outcome === "busy") throw new TooManyRequestsError(TOO_BUSY, 1);
  if (fromClient.outcome === "refused") {
    throw new TooManyRequestsError(TOO_MANY_FROM_CLIENT, fromClient.retryAfterSeconds);
  }
  const user = await findAccount(prisma, identifier);
  const account = `account:${user?.email ?? identifier.trim().toLowerCase()}`;
  const forAccount = await reserveInTurn(prisma, account, policy.account);
  if (forAccount.outcome !== "granted") {
    // Knocking on a blocked account checks no password: it costs the client nothing.
    await settleAttempt(prisma, client, "succeeded");
    if (forAccount.outcome === "busy") throw new TooManyRequestsError(TOO_BUSY, 1);
    throw new TooManyRequestsError(TOO_MANY_FOR_ACCOUNT, forAccount.retryAfterSeconds);
  }
  const valid = await verifyPassword(password, user?.passwordHash, policy.bcryptRounds);
  const verdict = user && valid && user.isActive ? "succeeded" : "failed";
  await settleAttempt(prisma, account, verdict);
  await settleAttempt(prisma, client, verdict);
  if (verdict === "failed" || !user) throw new UnauthorizedError(BAD_CREDENTIALS);
  return user;
}
