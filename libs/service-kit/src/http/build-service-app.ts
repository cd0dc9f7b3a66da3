import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { AccessRevocations } from "../auth/access-revocations.js";
import { createTokenVerifier, type TokenVerifier } from "../auth/access-token.js";
import { createGuards, type Guards } from "../auth/guards.js";
import type { VerificationKey } from "../auth/token-keys.js";
import { answerFrameworkError, installErrorHandler } from "./error-handler.js";
import { type FrontDoorSlot, frontDoorServerFactory } from "./front-door.js";
import { type ReadinessCheck, registerHealthRoutes } from "./health-routes.js";
import { acceptEmptyJsonBodies } from "./json-body-parser.js";
import {
  REQUEST_ID_HEADER,
  REQUEST_ID_REPLACED_HEADER,
  requestIdGenerator,
  requestIdWasReplaced,
} from "./request-id.js";
import { storableTextValidatorCompiler } from "./storable-text.js";

export interface ServiceAppOptions {
  /** Shown in the OpenAPI document and the logs. */
  title: string;
  description?: string;
  logger: FastifyBaseLogger;
  readiness: Record<string, ReadinessCheck>;
  bodyLimit?: number;
  /** Checks every access token this service accepts; services verify tokens themselves. */
  verification: VerificationKey;
  /** Tokens taken back since they were minted (demoted or deactivated users): refused with 401. */
  revocations?: AccessRevocations;
  /** Serve this app's own document at `/openapi.json` (the gateway serves a merged one instead). */
  serveOpenApiDocument?: boolean;
  /** Where a front door (front-door.ts) will be put: the server is then built to ask it first. */
  frontDoor?: FrontDoorSlot;
}

export interface ServiceAppParts {
  app: ServiceApp;
  /** `requireUser` / `requireRole(...)` preValidation hooks for the service's routes. */
  guards: Guards;
  verify: TokenVerifier;
}

/**
 * The Fastify instance every service starts from: zod validation from the contracts (and no text
 * Postgres cannot store), the `{detail}` error shape, request ids that follow a request across
 * services, health routes, an
 * OpenAPI document at `/openapi.json` that the gateway merges into `/docs`, and the guards that
 * check tokens and roles.
 */
export async function buildServiceApp(options: ServiceAppOptions): Promise<ServiceAppParts> {
  const app = createFastify(options);
  app.setValidatorCompiler(storableTextValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // A callback hook, not an async one: it runs on every answer, and a promise each time is waste.
  app.addHook("onSend", (request, reply, _payload, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (requestIdWasReplaced(request.headers, request.id)) {
      reply.header(REQUEST_ID_REPLACED_HEADER, "true");
    }
    done();
  });
  installErrorHandler(app);
  acceptEmptyJsonBodies(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: options.title,
        version: "1.0.0",
        ...(options.description && { description: options.description }),
      },
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
  const verify = createTokenVerifier(options.verification, options.revocations);
  return { app, guards: createGuards(verify), verify };
}

function createFastify(options: ServiceAppOptions) {
  return Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    // Read by genReqId, which keeps the client's id only if it is a safe one (request-id.ts).
    requestIdHeader: false,
    genReqId: requestIdGenerator(options.logger),
    frameworkErrors: answerFrameworkError,
    ...(options.frontDoor && { serverFactory: frontDoorServerFactory(options.frontDoor) }),
  }).withTypeProvider<ZodTypeProvider>();
}

export type ServiceApp = ReturnType<typeof createFastify>;
