import type { ServiceConfig } from "@concert/service-kit";

/** Ticketing's own environment variables (none yet), besides those every service reads. */
export const ticketingConfig = {};

export type TicketingConfig = ServiceConfig<typeof ticketingConfig>;
