import { fileURLToPath } from "node:url";
import {
  type Logger,
  loadVerificationKey,
  openServiceInfrastructure,
  startedService,
} from "@concert/service-kit";
import { loadTicketCodeSigningKey } from "@concert/ticket-codes";
import { buildApp } from "./app.js";
import type { TicketingConfig } from "./config.js";
import { ticketingEventHandlers } from "./events/index.js";
import { PrismaClient } from "./generated/prisma/client.js";

/** Opens what ticketing needs and builds its app: shared by `main` and the tests. */
export async function startTicketing(config: TicketingConfig, logger: Logger) {
  const infra = await openServiceInfrastructure({
    config,
    logger,
    prismaDir: fileURLToPath(new URL("../prisma", import.meta.url)),
    createPrisma: (options) => new PrismaClient(options),
    handlers: ticketingEventHandlers,
    transaction: (prisma) => (work) => prisma.$transaction(work),
  });
  const app = await buildApp({
    config,
    logger,
    prisma: infra.prisma,
    verification: loadVerificationKey(config),
    codeSigningKey: loadTicketCodeSigningKey(config),
    readiness: infra.readiness,
  });
  return startedService(app, config, infra);
}
