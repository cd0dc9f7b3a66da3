import type { ErrorBody, ValidationIssue } from "@concert/contracts";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isResponseSerializationError } from "fastify-type-provider-zod";
import { classifyDatabaseError } from "../database/database-errors.js";
import { HttpError } from "./http-errors.js";

/**
 * One mapping from anything thrown to `{detail}`: the caller's mistakes pass through with their
 * 4xx, everything else is logged with the request and answered with a bland 500.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).headers(error.headers).send({ detail: error.detail });
    }
    // zod's issues and the kit's text rule (storable-text.ts) arrive the same way.
    if (Array.isArray(error.validation) && error.validation.length > 0) {
      const where = error.validationContext ?? "body";
      const detail: ValidationIssue[] = error.validation.map((issue) => ({
        loc: [where, ...issue.instancePath.split("/").filter(Boolean)],
        msg: issue.message ?? "Invalid value",
        // zod's issue code ("too_small", "invalid_type", ...) plays FastAPI's error type.
        type: issue.keyword || "value_error",
      }));
      return reply.status(422).send({ detail } satisfies ErrorBody);
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, "response did not match its schema");
      return reply.status(500).send({ detail: "Internal Server Error" });
    }
    const database = classifyDatabaseError(error);
    if (database?.status === 503) {
      request.log.warn({ err: error, reason: database.reason }, "database conflict or outage");
      return reply
        .status(503)
        .header("retry-after", String(database.retryAfterSeconds))
        .send({ detail: database.detail });
    }
    if (database?.status === 422) {
      request.log.warn({ err: error, reason: database.reason }, "database refused a value");
      return reply.status(422).send({ detail: database.detail });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ detail: error.message });
    }
    request.log.error({ err: error }, "unhandled error");
    return reply.status(500).send({ detail: "Internal Server Error" });
  });

  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ detail: "Not Found" }));
}

/**
 * What Fastify answers before any route or error handler runs (a path that is not valid
 * percent-encoded UTF-8, a path parameter past `maxParamLength`): its own body would lack `detail`.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode ?? 400;
  if (status >= 500) request.log.error({ err: error }, "framework error");
  reply.status(status).send({ detail: FRAMEWORK_ERRORS[error.code] ?? "Bad Request" });
}

const FRAMEWORK_ERRORS: Record<string, string> = {
  FST_ERR_BAD_URL: "The URL is not valid percent-encoded UTF-8",
  FST_ERR_MAX_PARAM_LENGTH: "A path parameter is too long",
  FST_ERR_ASYNC_CONSTRAINT: "Internal Server Error",
};
