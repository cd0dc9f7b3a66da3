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
};

export type AttendanceConfig = ServiceConfig<typeof attendanceConfig>;
