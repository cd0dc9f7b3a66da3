import {
  buildServiceApp,
  type Logger,
  type ServiceApp,
  type VerificationKey,
} from "@concert/service-kit";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import swaggerUi from "@fastify/swagger-ui";
import type { GatewayConfig } from "./config.js";
import { MergedOpenApi } from "./docs/merged-openapi.js";
import { proxyPlugin } from "./routing/proxy.plugin.js";
import { routeTable } from "./routing/route-table.js";

export interface AppDeps {
  config: GatewayConfig;
  logger: Logger;
  verification: VerificationKey;
}

/**
 * The one public entry: checks tokens, forwards each API prefix to its service, and serves the
 * merged API documentation at `/docs`.
 */
export async function buildApp(deps: AppDeps): Promise<ServiceApp> {
  const { config } = deps;
  const upstreams = routeTable(config);
  const docs = new MergedOpenApi(upstreams);
  const { app, verify } = await buildServiceApp({
    title: "gateway",
    logger: deps.logger,
    readiness: {},
    bodyLimit: config.BODY_LIMIT_BYTES,
    verification: deps.verification,
    serveOpenApiDocument: false,
  });
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(cors, {
    origin: config.CORS_ORIGINS.includes("*") ? true : config.CORS_ORIGINS,
    credentials: !config.CORS_ORIGINS.includes("*"),
  });

  app.get("/openapi.json", { schema: { hide: true } }, async () => docs.document());
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    staticCSP: true,
    transformSpecification: () => docs.document(),
    transformSpecificationClone: false,
    uiConfig: { persistAuthorization: true },
  });
  app.addHook("onReady", () => docs.start());
  app.addHook("onClose", async () => docs.stop());

  for (const upstream of upstreams) {
    await app.register(proxyPlugin, {
      upstream,
      verify,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      bodyLimit: config.BODY_LIMIT_BYTES,
    });
  }
  return app;
}
