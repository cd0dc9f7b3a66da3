import type { ServiceConfig } from "@concert/service-kit";
import { z } from "zod";

/** Ticketing's own environment variables, besides those every service reads. */
export const ticketingConfig = {
  /**
   * Tickets of one concert that one account may hold after buying them itself (`purchase`);
   * unset: no limit, as the original system had none. The box office is not limited.
   */
  MAX_TICKETS_PER_BUYER: z.coerce.number().int().min(1).optional(),
};

export type TicketingConfig = ServiceConfig<typeof ticketingConfig>;
