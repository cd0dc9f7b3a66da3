import { loadServiceConfig } from "@concert/service-kit";
import { ticketCodeKeyConfig } from "@concert/ticket-codes";

export function loadAttendanceConfig(env: Record<string, string | undefined> = process.env) {
  return loadServiceConfig(
    { service: "attendance", defaultPort: 8004, extra: { ...ticketCodeKeyConfig } },
    env,
  );
}

export type AttendanceConfig = ReturnType<typeof loadAttendanceConfig>;
