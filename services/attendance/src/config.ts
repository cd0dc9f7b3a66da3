import type { ServiceConfig } from "@concert/service-kit";
import { z } from "zod";

/** Attendance's own environment variables, besides those every service reads. */
export const attendanceConfig = {
  /**
   * The door window of a scan that names no concert: a ticket is admitted from this long before
   * its concert starts (doors open, queues form)...
   */
  DOORS_OPEN_BEFORE_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(360),
  /** ...until this long after it started (late arrivals, long festivals). */
  ADMIT_UNTIL_AFTER_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(720),
  /**
   * Claim statements (entry and attendance scans) that run at once. Scans that arrive while all
   * run wait, and the next free one claims for them together in one statement (ClaimBatcher).
   * Set to DATABASE_POOL_SIZE or more, every scan runs its own statement as soon as it arrives.
   */
  SCAN_CLAIMS_AT_ONCE: z.coerce.number().int().min(1).max(1_000).default(2),
};

export type AttendanceConfig = ServiceConfig<typeof attendanceConfig>;
