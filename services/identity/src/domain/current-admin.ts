import { ForbiddenError, type Identity, UnauthorizedError } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import type { PrismaClient } from "../generated/prisma/client.js";

/**
 * Identity's admin routes trust its own table over the token: a token the other services still
 * accept for a moment (the change is on its way to them) already counts as what it now is here,
 * so an admin demoted a moment ago cannot use its old token to promote itself back.
 */
export async function assertCurrentAdmin(db: PrismaClient | Tx, caller: Identity): Promise<void> {
  const user = await db.user.findUnique({
    where: { id: caller.userId },
    select: { role: true, isActive: true, accessVersion: true },
  });
  if (!user?.isActive || caller.accessVersion < user.accessVersion) {
    throw new UnauthorizedError("Token has been revoked");
  }
  if (user.role !== "admin") throw new ForbiddenError("Not enough permissions");
}
