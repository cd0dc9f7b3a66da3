import type { ServiceConfig } from "@concert/service-kit";
import { z } from "zod";

/** Ticketing's own environment variables, besides those every service reads. */
export const ticketingConfig = {
  /**
   * Tickets of one concert that one account may hold after buying them itself (`purchase`);
   * unset: no limit, as the original system had none. The box office is not limited.
   */
  MAX_TICKETS_PER_BUYER: z.coerce.number().int().min(1).optional(),
  /**
   * Sale statements (mark-sold, and purchases without a per-buyer limit, both without an
   * Idempotency-Key) that run at once. Sales that arrive while all run wait, and the next free
   * one makes them together in one statement (sale-batcher.ts). At DATABASE_POOL_SIZE or more,
   * every sale runs its own at once.
   */
  SALES_AT_ONCE: z.coerce.number().int().min(1).max(1_000).default(2),
};

export type TicketingConfig = ServiceConfig<typeof ticketingConfig>;
