import { type Role, UserRoleChanged } from "@concert/contracts";
import { ConflictError, NotFoundError, recordEvent } from "@concert/service-kit";
import type { PrismaClient, User } from "../generated/prisma/client.js";

/**
 * Changes a user's role with its UserRoleChanged event. The last active admin cannot be demoted:
 * nobody could make a new one afterwards.
 */
export async function changeRole(prisma: PrismaClient, userId: string, role: Role): Promise<User> {
  return prisma.$transaction(
    async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userId } });
      if (!user) throw new NotFoundError("User not found");
      if (user.role === role) return user;
      if (user.role === "admin") {
        const admins = await tx.user.count({ where: { role: "admin", isActive: true } });
        if (admins <= 1) throw new ConflictError("Cannot demote the last admin");
      }
      const updated = await tx.user.update({ where: { id: userId }, data: { role } });
      await recordEvent(tx, UserRoleChanged, {
        user_id: updated.id,
        email: updated.email,
        role: updated.role,
        previous_role: user.role,
      });
      return updated;
    },
    // Two admins demoting each other at once must not both succeed.
    { isolationLevel: "Serializable" },
  );
}
