import { fileURLToPath } from "node:url";
import {
  type Logger,
  loadSigningKey,
  openServiceInfrastructure,
  startedService,
} from "@concert/service-kit";
import { buildApp } from "./app.js";
import type { IdentityConfig } from "./config.js";
import { bootstrapAdmin } from "./domain/bootstrap-admin.js";
import { PrismaClient } from "./generated/prisma/client.js";

/** Opens what identity needs and builds its app: shared by `main` and the tests. */
export async function startIdentity(config: IdentityConfig, logger: Logger) {
  const signing = loadSigningKey(config);
  const infra = await openServiceInfrastructure({
    config,
    logger,
    prismaDir: fileURLToPath(new URL("../prisma", import.meta.url)),
    createPrisma: (options) => new PrismaClient(options),
  });
  await bootstrapAdmin(infra.prisma, config, logger);
  const app = await buildApp({
    config,
    logger,
    prisma: infra.prisma,
    signing,
    readiness: infra.readiness,
  });
  return startedService(app, config, infra);
}
