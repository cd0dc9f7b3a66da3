import { type Role, UserAccessChanged, UserRoleChanged } from "@concert/contracts";
import { ConflictError, type Identity, NotFoundError, recordEvent } from "@concert/service-kit";
import type { PrismaClient, User } from "../generated/prisma/client.js";
import { assertCurrentAdmin } from "./current-admin.js";

export interface AccessChange {
  role?: Role;
  isActive?: boolean;
}

/**
 * Changes a user's role or whether it is active, for `admin`. Every change bumps the user's access
 * version and records UserAccessChanged, on which every verifier refuses the user's older tokens;
 * a role change records UserRoleChanged as well. The last active admin can be neither demoted nor
 * deactivated: nobody could make a new one afterwards.
 *
 * Access changes take one lock, one at a time, and each reads what the one before committed: two
 * admins demoting each other at once get one 200 and one refusal, never zero admins, and an admin
 * demoted by the change before is no admin in the next. Under Read Committed with this lock
 * nothing here fails with a serialization error.
 */
export async function changeAccess(
  prisma: PrismaClient,
  admin: Identity,
  userId: string,
  change: AccessChange,
): Promise<User> {
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM pg_advisory_xact_lock(hashtext('identity.user_access'))`;
    await assertCurrentAdmin(tx, admin);
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) throw new NotFoundError("User not found");
    const role = change.role ?? user.role;
    const isActive = change.isActive ?? user.isActive;
    if (role === user.role && isActive === user.isActive) return user;
    if (user.role === "admin" && user.isActive && !(role === "admin" && isActive)) {
      const admins = await tx.user.count({ where: { role: "admin", isActive: true } });
      if (admins <= 1) {
        throw new ConflictError(
          role === "admin" ? "Cannot deactivate the last admin" : "Cannot demote the last admin",
        );
      }
    }
    const updated = await tx.user.update({
      where: { id: userId },
      data: { role, isActive, accessVersion: { increment: 1 } },
    });
    if (role !== user.role) {
      await recordEvent(tx, UserRoleChanged, {
        user_id: updated.id,
        email: updated.email,
        role: updated.role,
        previous_role: user.role,
      });
    }
    await recordEvent(tx, UserAccessChanged, {
      user_id: updated.id,
      access_version: updated.accessVersion,
      role: updated.role,
      is_active: updated.isActive,
    });
    return updated;
  });
}
