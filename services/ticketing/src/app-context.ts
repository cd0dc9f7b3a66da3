import type { ServiceContext, ServiceKeys } from "@concert/service-kit";
import type { TicketingConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** Ticketing signs every ticket's QR text; gates verify it with the public half alone. */
export const ticketingKeys = { ticketCodes: "sign" } as const;

/** What every route module of ticketing is given. */
export type AppContext = ServiceContext<
  TicketingConfig,
  PrismaClient,
  ServiceKeys<typeof ticketingKeys>
>;
