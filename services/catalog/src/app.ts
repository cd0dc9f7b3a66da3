import {
  buildServiceApp,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
  type VerificationKey,
} from "@concert/service-kit";
import type { CatalogConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import { concertsRoutes } from "./routes/concerts.routes.js";

export interface AppDeps {
  config: CatalogConfig;
  logger: Logger;
  prisma: PrismaClient;
  verification: VerificationKey;
  readiness: Record<string, ReadinessCheck>;
}

/** Catalog: concerts, the events they happen at, announced to every other service. */
export async function buildApp(deps: AppDeps): Promise<ServiceApp> {
  const { app, guards } = await buildServiceApp({
    title: "catalog",
    logger: deps.logger,
    readiness: deps.readiness,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    verification: deps.verification,
  });
  concertsRoutes({ app, prisma: deps.prisma, config: deps.config, guards });
  return app;
}
