import { TooManyRequestsError, UnauthorizedError } from "@concert/service-kit";
import type { PrismaClient, User } from "../generated/prisma/client.js";
import { verifyPassword } from "./passwords.js";
import { normalizeEmail } from "./register-user.js";

export interface LoginPolicy {
  maxFailures: number;
  windowMinutes: number;
}

// One message for an unknown email and a wrong password: the answer must not reveal accounts.
const BAD_CREDENTIALS = "Incorrect email or password";

/**
 * Checks a password, counting failures per email in the database so the limit holds across
 * every identity replica; past the limit the email is refused until old failures age out.
 */
export async function checkCredentials(
  prisma: PrismaClient,
  rawEmail: string,
  password: string,
  policy: LoginPolicy,
): Promise<User> {
  const email = normalizeEmail(rawEmail);
  const since = new Date(Date.now() - policy.windowMinutes * 60_000);
  const failures = await prisma.loginFailure.count({
    where: { email, failedAt: { gte: since } },
  });
  if (failures >= policy.maxFailures) {
    throw new TooManyRequestsError(
      "Too many failed login attempts; try again later",
      policy.windowMinutes * 60,
    );
  }
  const user = await prisma.user.findUnique({ where: { email } });
  const valid = await verifyPassword(password, user?.passwordHash);
  if (!user || !valid || !user.isActive) {
    await prisma.loginFailure.create({ data: { email } });
    throw new UnauthorizedError(BAD_CREDENTIALS);
  }
  if (failures > 0) await prisma.loginFailure.deleteMany({ where: { email } });
  return user;
}
