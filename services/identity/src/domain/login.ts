import { TooManyRequestsError, UnauthorizedError } from "@concert/service-kit";
import type { PrismaClient, User } from "../generated/prisma/client.js";
import { verifyPassword } from "./passwords.js";
import { normalizeEmail } from "./register-user.js";
import { usernameKey } from "./usernames.js";

export interface LoginPolicy {
  maxFailures: number;
  windowMinutes: number;
}

// One message for an unknown account and a wrong password: the answer must not reveal accounts.
const BAD_CREDENTIALS = "Incorrect username or password";

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
 * Checks a password for a username or an email. Failures are counted per account in the database
 * (under its email, whichever identifier was typed), so the limit holds across every identity
 * replica and cannot be dodged by switching identifiers; past it the account is refused until
 * old failures age out.
 */
export async function checkCredentials(
  prisma: PrismaClient,
  identifier: string,
  password: string,
  policy: LoginPolicy,
): Promise<User> {
  const user = await findAccount(prisma, identifier);
  const account = user?.email ?? identifier.trim().toLowerCase();
  const since = new Date(Date.now() - policy.windowMinutes * 60_000);
  const failures = await prisma.loginFailure.count({
    where: { account, failedAt: { gte: since } },
  });
  if (failures >= policy.maxFailures) {
    throw new TooManyRequestsError(
      "Too many failed login attempts; try again later",
      policy.windowMinutes * 60,
    );
  }
  const valid = await verifyPassword(password, user?.passwordHash);
  if (!user || !valid || !user.isActive) {
    await prisma.loginFailure.create({ data: { account } });
    throw new UnauthorizedError(BAD_CREDENTIALS);
  }
  if (failures > 0) await prisma.loginFailure.deleteMany({ where: { account } });
  return user;
}
