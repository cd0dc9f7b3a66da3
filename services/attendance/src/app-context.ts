import type { ServiceContext, ServiceKeys } from "@concert/service-kit";
import type { AttendanceConfig } from "./config.js";
import type { Prisma, PrismaClient } from "./generated/prisma/client.js";

/** Ticketing's public Ed25519 key: QR codes are checked with it alone, no database. */
export const attendanceKeys = { ticketCodes: "verify" } as const;

/** What every route module of attendance is given. */
export type AppContext = ServiceContext<
  AttendanceConfig,
  PrismaClient,
  ServiceKeys<typeof attendanceKeys>
>;

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = Prisma.TransactionClient;
