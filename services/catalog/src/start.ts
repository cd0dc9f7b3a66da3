import { fileURLToPath } from "node:url";
import {
  type Logger,
  loadVerificationKey,
  openServiceInfrastructure,
  startedService,
} from "@concert/service-kit";
import { buildApp } from "./app.js";
import type { CatalogConfig } from "./config.js";
import { PrismaClient } from "./generated/prisma/client.js";

/** Opens what catalog needs and builds its app: shared by `main` and the tests. */
export async function startCatalog(config: CatalogConfig, logger: Logger) {
  const infra = await openServiceInfrastructure({
    config,
    logger,
    prismaDir: fileURLToPath(new URL("../prisma", import.meta.url)),
    createPrisma: (options) => new PrismaClient(options),
  });
  const app = await buildApp({
    config,
    logger,
    prisma: infra.prisma,
    verification: loadVerificationKey(config),
    readiness: infra.readiness,
  });
  return startedService(app, config, infra);
}
