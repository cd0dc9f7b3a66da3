import { Password, Username } from "@concert/contracts";
import type { ServiceConfig } from "@concert/service-kit";
import { z } from "zod";

const csv = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean),
);

/** Identity's own environment variables, besides those every service reads. */
export const identityConfig = {
  /** The first admin, created at start when no user has this email yet. */
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: Password.optional(),
  /** The first admin's username (the original system logs in by username). */
  ADMIN_USERNAME: Username.default("admin"),
  ADMIN_FULL_NAME: z.string().default("Administrator"),
  BCRYPT_ROUNDS: z.coerce.number().int().min(4).max(15).default(10),
  /** Failed attempts per account in a window; the next one starts a block. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  /** Failures older than this stop counting (fractions allowed, for tests). */
  LOGIN_FAILURE_WINDOW_MINUTES: z.coerce.number().positive().default(15),
  /** An account's first block; each block in a row doubles it, up to the maximum. */
  LOGIN_LOCKOUT_SECONDS: z.coerce.number().positive().default(30),
  LOGIN_LOCKOUT_MAX_SECONDS: z.coerce.number().positive().default(300),
  /** Failed attempts per client address (IPv6: per /64) in a window, whatever the accounts; past it the address waits a whole window. */
  LOGIN_CLIENT_MAX_FAILURES: z.coerce.number().int().min(1).default(10),
  /** Peers (addresses or CIDRs) whose X-Forwarded-For names the client: the gateway's. */
  TRUSTED_PROXIES: csv.default(["127.0.0.0/8", "::1/128"]),
};

export type IdentityConfig = ServiceConfig<typeof identityConfig>;

/** What `npm start` and docker-compose use when ADMIN_PASSWORD is not set. */
export const DEFAULT_ADMIN_PASSWORD = "change-me-admin";
/** Below this a stolen hash is cheap to crack (OWASP's floor for bcrypt). */
export const MIN_PRODUCTION_BCRYPT_ROUNDS = 10;

/** What a production identity refuses to start with, besides the problems every service checks. */
export function identityProductionProblems(config: IdentityConfig): string[] {
  const problems: string[] = [];
  if (config.ADMIN_PASSWORD === DEFAULT_ADMIN_PASSWORD) {
    problems.push("ADMIN_PASSWORD: still the default value; choose your own");
  }
  if (config.BCRYPT_ROUNDS < MIN_PRODUCTION_BCRYPT_ROUNDS) {
    problems.push(`BCRYPT_ROUNDS: below ${MIN_PRODUCTION_BCRYPT_ROUNDS}`);
  }
  return problems;
}
