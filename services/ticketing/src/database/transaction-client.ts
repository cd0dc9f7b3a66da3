import type { Prisma } from "../generated/prisma/client.js";

/** The client inside `prisma.$transaction(async (tx) => ...)`: what commands and consumers use. */
export type Tx = Prisma.TransactionClient;
