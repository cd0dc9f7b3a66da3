import type { ServiceConfig } from "@concert/service-kit";

/** Attendance's own environment variables (none yet), besides those every service reads. */
export const attendanceConfig = {};

export type AttendanceConfig = ServiceConfig<typeof attendanceConfig>;
