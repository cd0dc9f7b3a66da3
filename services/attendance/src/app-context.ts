import type { ServiceContext, ServiceKeys, TransactionClientOf } from "@concert/service-kit";
import type { AttendanceConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";

/** What every route module of attendance is given: attendance checks QR codes with ticketing's public key alone. */
export type AppContext = ServiceContext<
  AttendanceConfig,
  PrismaClient,
  ServiceKeys<{ ticketCodes: "verify" }>
>;

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = TransactionClientOf<PrismaClient>;
