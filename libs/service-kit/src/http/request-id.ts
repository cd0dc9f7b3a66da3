import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { FastifyBaseLogger } from "fastify";

/**
 * A client's `x-request-id` ends up in every log line and every service the request reaches, so
 * only ids that cannot forge or flood a log are kept: a UUID, a ULID, a trace id, `abc.123:4-5`.
 * Anything else (too long, spaces, quotes, newlines, several headers joined by ", ") is replaced
 * by a fresh UUID, and the response says so in `x-request-id-replaced`.
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const REQUEST_ID_HEADER = "x-request-id";
export const REQUEST_ID_REPLACED_HEADER = "x-request-id-replaced";

export function isAcceptableRequestId(value: unknown): value is string {
  return typeof value === "string" && REQUEST_ID_PATTERN.test(value);
}

/** Fastify's `genReqId`: the client's id when acceptable, else a new one (logged). */
export function requestIdGenerator(logger: FastifyBaseLogger) {
  return (request: IncomingMessage): string => {
    const sent = request.headers[REQUEST_ID_HEADER];
    if (isAcceptableRequestId(sent)) return sent;
    const id = randomUUID();
    if (sent !== undefined) {
      const text = Array.isArray(sent) ? sent.join(", ") : sent;
      // A bounded, JSON-escaped sample: enough to find the client, too little to flood the log.
      logger.warn(
        { reqId: id, refusedRequestId: text.slice(0, 64), refusedLength: text.length },
        "client x-request-id refused; a new one was generated",
      );
    }
    return id;
  };
}

/** Whether the request came with an `x-request-id` that was not kept. */
export function requestIdWasReplaced(headers: IncomingMessage["headers"], id: string): boolean {
  const sent = headers[REQUEST_ID_HEADER];
  return sent !== undefined && sent !== id;
}
