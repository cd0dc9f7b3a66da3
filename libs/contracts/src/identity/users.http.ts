import { z } from "zod";
import { Timestamp } from "../common/ids.js";
import { Role } from "./roles.js";

export const Email = z.email().max(254);

/** The characters a username may hold; it never contains "@", so it cannot be taken for an email. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._-]+$/;
export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 50;

/** Kept as given, compared case-insensitively (unique on its lower-cased form). */
export const Username = z
  .string()
  .min(USERNAME_MIN_LENGTH)
  .max(USERNAME_MAX_LENGTH)
  .regex(USERNAME_PATTERN, "Username may contain only letters, digits, '.', '_' and '-'");

/** bcrypt reads only a password's first 72 bytes: a longer one would be cut silently. */
export const PASSWORD_MAX_BYTES = 72;

/** Every password that is set (register, the first admin): counted in UTF-8 bytes, not characters. */
export const Password = z
  .string()
  .min(8, "Password must be at least 8 characters")
  .max(128)
  .refine(
    (password) => new TextEncoder().encode(password).length <= PASSWORD_MAX_BYTES,
    `Password must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8`,
  );

export const RegisterRequest = z.object({
  /** The original system's login name. Derived from the email when absent (see docs). */
  username: Username.optional(),
  email: Email,
  password: Password,
  full_name: z.string().trim().min(1).max(200).nullish(),
  /** Honoured only when an admin registers the user; anyone else gets 403. */
  role: Role.optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const UserResponse = z.object({
  id: z.uuid(),
  username: z.string(),
  email: z.string(),
  full_name: z.string().nullable(),
  role: Role,
  is_active: z.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type UserResponse = z.infer<typeof UserResponse>;

export const UserListResponse = z.array(UserResponse);

export const RoleChangeRequest = z.object({ role: Role });
export type RoleChangeRequest = z.infer<typeof RoleChangeRequest>;

/** Deactivating signs the user out everywhere within seconds and refuses their logins. */
export const ActiveChangeRequest = z.object({ is_active: z.boolean() });
export type ActiveChangeRequest = z.infer<typeof ActiveChangeRequest>;
