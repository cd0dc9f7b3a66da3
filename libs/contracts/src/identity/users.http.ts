import { z } from "zod";
import { Timestamp } from "../common/ids.js";
import { Role } from "./roles.js";

export const Email = z.email().max(254);

export const RegisterRequest = z.object({
  email: Email,
  password: z.string().min(8, "Password must be at least 8 characters").max(128),
  full_name: z.string().trim().min(1).max(200),
  /** Honoured only when an admin registers the user; anyone else gets 403. */
  role: Role.optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const UserResponse = z.object({
  id: z.uuid(),
  email: z.string(),
  full_name: z.string(),
  role: Role,
  is_active: z.boolean(),
  created_at: Timestamp,
});
export type UserResponse = z.infer<typeof UserResponse>;

export const UserListResponse = z.array(UserResponse);

export const RoleChangeRequest = z.object({ role: Role });
export type RoleChangeRequest = z.infer<typeof RoleChangeRequest>;
