import type { ServiceContext, ServiceKeys } from "@concert/service-kit";
import type { IdentityConfig } from "./config.js";
import type { Prisma, PrismaClient } from "./generated/prisma/client.js";

/** Identity is the only service that signs access tokens. */
export const identityKeys = { tokens: "sign" } as const;

/** What every route module of identity is given. */
export type AppContext = ServiceContext<
  IdentityConfig,
  PrismaClient,
  ServiceKeys<typeof identityKeys>
>;

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = Prisma.TransactionClient;
