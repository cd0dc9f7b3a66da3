import {
  buildServiceApp,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
  type SigningKey,
  verificationKeyOf,
} from "@concert/service-kit";
import formbody from "@fastify/formbody";
import type { IdentityConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import { authRoutes } from "./routes/auth.routes.js";
import { usersRoutes } from "./routes/users.routes.js";

export interface AppDeps {
  config: IdentityConfig;
  logger: Logger;
  prisma: PrismaClient;
  signing: SigningKey;
  readiness: Record<string, ReadinessCheck>;
}

/** Identity: accounts, roles and the only place access tokens are minted. */
export async function buildApp(deps: AppDeps): Promise<ServiceApp> {
  const { app, guards } = await buildServiceApp({
    title: "identity",
    logger: deps.logger,
    readiness: deps.readiness,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    verification: verificationKeyOf(deps.signing),
  });
  // Swagger's Authorize button posts the OAuth2 password form, not JSON.
  await app.register(formbody);
  const context = { app, guards, prisma: deps.prisma, config: deps.config, signing: deps.signing };
  authRoutes(context);
  usersRoutes(context);
  return app;
}
