import type { Prisma } from "../generated/prisma/client.js";

/** The client inside `prisma.$transaction(async (tx) => ...)`: what consumers and the scan path use. */
export type Tx = Prisma.TransactionClient;
