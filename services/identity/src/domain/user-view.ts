import type { UserResponse } from "@concert/contracts";
import type { User } from "../generated/prisma/client.js";

/** The public face of a user: never the password hash. */
export function toUserResponse(user: User): UserResponse {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    full_name: user.fullName,
    role: user.role,
    is_active: user.isActive,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
