import type { ServiceContext, ServiceKeys } from "@concert/service-kit";
import type { TicketingConfig } from "./config.js";
import type { Prisma, PrismaClient } from "./generated/prisma/client.js";

/** Ticketing signs every ticket's QR text; gates verify it with the public half alone. */
export const ticketingKeys = { ticketCodes: "sign" } as const;

/** What every route module of ticketing is given. */
export type AppContext = ServiceContext<
  TicketingConfig,
  PrismaClient,
  ServiceKeys<typeof ticketingKeys>
>;

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = Prisma.TransactionClient;
