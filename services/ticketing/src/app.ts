import type { KeyObject } from "node:crypto";
import {
  buildServiceApp,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
  type VerificationKey,
} from "@concert/service-kit";
import type { TicketingConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import { salesReportRoutes } from "./routes/sales-report.routes.js";
import { ticketCommandRoutes } from "./routes/ticket-commands.routes.js";
import { ticketQueryRoutes } from "./routes/ticket-queries.routes.js";

export interface AppDeps {
  config: TicketingConfig;
  logger: Logger;
  prisma: PrismaClient;
  verification: VerificationKey;
  /** Signs the QR text of every ticket; its public half lets gates verify without a database. */
  codeSigningKey: KeyObject;
  readiness: Record<string, ReadinessCheck>;
}

/** Ticketing: the tickets themselves, their QR codes and their sale. */
export async function buildApp(deps: AppDeps): Promise<ServiceApp> {
  const { app, guards } = await buildServiceApp({
    title: "ticketing",
    logger: deps.logger,
    readiness: deps.readiness,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    verification: deps.verification,
  });
  const context = {
    app,
    prisma: deps.prisma,
    config: deps.config,
    guards,
    codeSigningKey: deps.codeSigningKey,
  };
  ticketCommandRoutes(context);
  ticketQueryRoutes(context);
  salesReportRoutes(context);
  return app;
}
