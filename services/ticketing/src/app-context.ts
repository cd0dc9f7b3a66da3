import type { ServiceContext, ServiceKeys, TransactionClientOf } from "@concert/service-kit";
import type { TicketingConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of ticketing is given: ticketing signs every ticket's QR text. */
export type AppContext = ServiceContext<
  TicketingConfig,
  PrismaClient,
  ServiceKeys<{ ticketCodes: "sign" }>
>;

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = TransactionClientOf<PrismaClient>;
