import { Username } from "@concert/contracts";
import type { ServiceConfig } from "@concert/service-kit";
import { z } from "zod";

/** Identity's own environment variables, besides those every service reads. */
export const identityConfig = {
  /** The first admin, created at start when no user has this email yet. */
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  /** The first admin's username (the original system logs in by username). */
  ADMIN_USERNAME: Username.default("admin"),
  ADMIN_FULL_NAME: z.string().default("Administrator"),
  BCRYPT_ROUNDS: z.coerce.number().int().min(4).max(15).default(10),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  LOGIN_FAILURE_WINDOW_MINUTES: z.coerce.number().int().min(1).default(15),
};

export type IdentityConfig = ServiceConfig<typeof identityConfig>;
