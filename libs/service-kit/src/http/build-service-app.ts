import { randomUUID } from "node:crypto";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { installErrorHandler } from "./error-handler.js";
import { type ReadinessCheck, registerHealthRoutes } from "./health-routes.js";

export interface ServiceAppOptions {
  /** Shown in the OpenAPI document and the logs. */
  title: string;
  logger: FastifyBaseLogger;
  readiness: Record<string, ReadinessCheck>;
  bodyLimit?: number;
  /** Serve this app's own document at `/openapi.json` (the gateway serves a merged one instead). */
  serveOpenApiDocument?: boolean;
}

/**
 * The Fastify instance every service starts from: zod validation from the contracts, the
 * `{detail}` error shape, request ids that follow a request across services, health routes and
 * an OpenAPI document at `/openapi.json` that the gateway merges into `/docs`.
 */
export async function buildServiceApp(options: ServiceAppOptions): Promise<ServiceApp> {
  const app = createFastify(options);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  installErrorHandler(app);

  await app.register(swagger, {
    openapi: {
      info: { title: options.title, version: "1.0.0" },
      components: {
        securitySchemes: {
          OAuth2PasswordBearer: {
            type: "oauth2",
            flows: { password: { tokenUrl: "/api/auth/login", scopes: {} } },
          },
        },
      },
      security: [{ OAuth2PasswordBearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  if (options.serveOpenApiDocument !== false) {
    app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  }
  registerHealthRoutes(app, options.readiness);
  return app;
}

function createFastify(options: ServiceAppOptions) {
  return Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
}

export type ServiceApp = ReturnType<typeof createFastify>;
