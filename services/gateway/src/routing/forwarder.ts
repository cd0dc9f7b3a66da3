import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import {
  bearerToken,
  HttpError,
  type Logger,
  REQUEST_ID_HEADER,
  REQUEST_ID_REPLACED_HEADER,
  requestIdWasReplaced,
  type TokenVerifier,
  UnauthorizedError,
} from "@concert/service-kit";
import type { Dispatcher } from "undici";
import { answerDetail, type OwnHeaders } from "./answer-detail.js";
import { readRequestBody } from "./request-body.js";
import { requestLog } from "./request-log.js";
import { checkRequestUrl } from "./request-url.js";
import { PUBLIC_ROUTES, routeKey, type Upstream } from "./route-table.js";
import { sendUpstreamAnswer } from "./upstream-answer.js";
import { upstreamFailure } from "./upstream-errors.js";
import { upstreamHeaders } from "./upstream-headers.js";

export interface ForwardedUpstream {
  upstream: Upstream;
  /** How requests reach it (upstream-dispatcher.ts). */
  dispatcher: Dispatcher;
}

export interface ForwarderOptions {
  upstreams: ForwardedUpstream[];
  verify: TokenVerifier;
  logger: Logger;
  /** The kit's request ids (request-id.ts), as every service keeps or replaces them. */
  requestId: (request: IncomingMessage) => string;
  bodyLimit: number;
  /** What every answer carries (browser-headers.ts). */
  browserHeaders: Readonly<OutgoingHttpHeaders>;
}

const PUBLIC = new Set(PUBLIC_ROUTES.map(({ method, path }) => routeKey(method, path)));

/**
 * Forwards each request under a service's prefix to that service, unchanged, after checking its
 * token here first, so that anonymous traffic never reaches a service (each verifies the token
 * again). Returns false for a path no service owns: the gateway's own routes (docs, health) and
 * its 404 are Fastify's. One request id follows the request into the service and back to the
 * client. Failures of the service answer 502/503/504 with a detail (upstream-errors.ts).
 */
export function createForwarder(options: ForwarderOptions) {
  const { verify, logger, bodyLimit, browserHeaders } = options;

  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = request.url ?? "";
    const target = options.upstreams.find(({ upstream }) => ownsPath(upstream.prefix, url));
    if (!target) return false;
    const id = options.requestId(request);
    const own: OwnHeaders = {
      browser: browserHeaders,
      requestId: requestIdWasReplaced(request.headers, id)
        ? { [REQUEST_ID_HEADER]: id, [REQUEST_ID_REPLACED_HEADER]: "true" }
        : { [REQUEST_ID_HEADER]: id },
    };
    requestLog(logger, request, response, id);
    try {
      checkRequestUrl(url);
      if (!PUBLIC.has(routeKey(request.method ?? "", url))) authenticate(request, verify);
    } catch (error) {
      request.resume();
      refuse(response, own, error, logger, id);
      return true;
    }
    readRequestBody(request, bodyLimit, (refused, body) => {
      if (refused) {
        refuse(response, own, refused, logger, id);
        return;
      }
      const { upstream, dispatcher } = target;
      const failed = (error: Error) => {
        const failure = upstreamFailure(upstream.name, error);
        logger.warn({ reqId: id, err: error, upstream: upstream.name }, "upstream failed");
        answerDetail(response, own, failure.status, failure.detail);
      };
      dispatcher.request(
        {
          // Names the service for the URL only: the dispatcher chooses the replica.
          origin: upstream.urls[0] as string,
          method: request.method as Dispatcher.HttpMethod,
          path: url,
          headers: upstreamHeaders(request, id),
          body,
        },
        (error, answer) => {
          if (error) {
            failed(error);
            return;
          }
          // The client hung up while the service worked: its answer has nobody to go to. (The
          // request's socket, not the response's: a response queued behind others a client
          // pipelined has none yet.)
          if (request.socket.destroyed) {
            answer.body.destroy();
            return;
          }
          sendUpstreamAnswer(response, answer, own, failed);
        },
      );
    });
    return true;
  };
}

/** A caller's mistake with its status; anything else is logged and a bland 500, as in the kit. */
function refuse(
  response: ServerResponse,
  own: OwnHeaders,
  error: unknown,
  logger: Logger,
  reqId: string,
): void {
  if (error instanceof HttpError) {
    answerDetail(response, own, error.statusCode, error.detail, error.headers);
    return;
  }
  logger.error({ reqId, err: error }, "unhandled error");
  answerDetail(response, own, 500, "Internal Server Error");
}

/** `/api/concerts` owns `/api/concerts`, `/api/concerts/...` and `/api/concerts?...`. */
function ownsPath(prefix: string, url: string): boolean {
  if (!url.startsWith(prefix)) return false;
  const next = url.charCodeAt(prefix.length);
  return Number.isNaN(next) || next === 0x2f /* / */ || next === 0x3f /* ? */;
}

function authenticate(request: IncomingMessage, verify: TokenVerifier): void {
  const token = bearerToken(request.headers.authorization);
  if (!token) throw new UnauthorizedError("Not authenticated");
  verify(token);
}
