import { loadServiceConfig } from "@concert/service-kit";
import { ticketCodeKeyConfig } from "@concert/ticket-codes";

export function loadTicketingConfig(env: Record<string, string | undefined> = process.env) {
  return loadServiceConfig(
    { service: "ticketing", defaultPort: 8003, extra: { ...ticketCodeKeyConfig } },
    env,
  );
}

export type TicketingConfig = ReturnType<typeof loadTicketingConfig>;
