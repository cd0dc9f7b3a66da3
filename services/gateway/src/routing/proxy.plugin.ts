import {
  bearerToken,
  HttpError,
  type TokenVerifier,
  UnauthorizedError,
} from "@concert/service-kit";
import replyFrom, { type FastifyReplyFromHooks } from "@fastify/reply-from";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { dropIdentityHeaders } from "../auth/identity-headers.js";
import { PIPELINED_ROUTES, PUBLIC_ROUTES, routeKey, type Upstream } from "./route-table.js";
import {
  type BodyErrorHandler,
  sendUpstreamAnswer,
  type UpstreamAnswer,
} from "./upstream-answer.js";
import { UpstreamDispatcher } from "./upstream-dispatcher.js";
import { upstreamFailure } from "./upstream-errors.js";

export interface ProxyOptions {
  upstream: Upstream;
  verify: TokenVerifier;
  timeoutMs: number;
  connectTimeoutMs: number;
  pipelining: number;
  bodyLimit: number;
}

/**
 * Forwards one prefix to one service, unchanged. The token is checked here first so that
 * anonymous traffic never reaches a service; requests are balanced over the service's replicas.
 */
export async function proxyPlugin(app: FastifyInstance, options: ProxyOptions): Promise<void> {
  const { upstream } = options;
  const dispatcher = new UpstreamDispatcher({
    urls: upstream.urls,
    pipelinedRoutes: PIPELINED,
    pipelining: options.pipelining,
    timeoutMs: options.timeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
  });
  // reply-from leaves a dispatcher it was given open; its connections close with the gateway.
  app.addHook("onClose", () => dispatcher.close());
  await app.register(replyFrom, {
    // Only builds each request's URL: the dispatcher chooses the replica.
    base: upstream.urls[0] as string,
    // Its two info lines per request ("fetching", "received") add nothing to the kit's own.
    disableRequestLogging: true,
    undici: dispatcher,
  } as Parameters<typeof replyFrom>[1]);

  // Bodies pass through as bytes (JSON, forms, anything): the service behind validates them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "*",
    { parseAs: "buffer", bodyLimit: options.bodyLimit },
    (_request, body, done) => done(null, body),
  );

  const onError: Hooks["onError"] = (failedReply, { error }) => {
    const failure = upstreamFailure(upstream.name, error as Parameters<typeof upstreamFailure>[1]);
    failedReply.request.log.warn({ err: error, upstream: upstream.name }, "upstream failed");
    failedReply.status(failure.status).send({ detail: failure.detail });
  };
  const onBodyError: BodyErrorHandler = (failedReply, error) => onError(failedReply, { error });
  const onResponse: Hooks["onResponse"] = (_request, reply, answer) =>
    sendUpstreamAnswer(reply, answer as unknown as UpstreamAnswer, onBodyError);
  const withoutBody: Hooks = { rewriteRequestHeaders, onResponse, onError };

  // Not async, and returns nothing: reply-from answers later, and a returned promise or reply
  // would make fastify await the reply (a promise and end-of-stream listeners per request).
  // A synchronous throw (401, 400) reaches the error handler all the same.
  const handler = (request: FastifyRequest, reply: FastifyReply): void => {
    if (!isPublic(request)) authenticate(request, options.verify);
    refuseUndecodableUrl(request.url);
    if (!Buffer.isBuffer(request.body)) {
      reply.from(request.url, withoutBody);
      return;
    }
    reply.from(request.url, {
      // Bytes go out exactly as they came in; without this reply-from re-encodes JSON bodies.
      body: request.body,
      contentType: request.headers["content-type"] ?? "application/octet-stream",
      rewriteRequestHeaders,
      onResponse,
      onError,
    });
  };
  app.all(upstream.prefix, handler);
  app.all(`${upstream.prefix}/*`, handler);
}

/**
 * reply-from passes its own copy of the request's headers, so they are changed in place.
 * The service logs under the gateway's request id, so one id follows a request everywhere: the
 * client's own when it was a safe one, else the one the kit generated (request-id.ts).
 * X-Forwarded-For is replaced, never appended to: services trust it from the gateway only, so it
 * must hold the address the gateway saw, not one the client wrote.
 */
const rewriteRequestHeaders: Hooks["rewriteRequestHeaders"] = (request, headers) => {
  dropIdentityHeaders(headers);
  headers["x-request-id"] = request.id;
  headers["x-forwarded-for"] = request.ip;
  return headers;
};

type Hooks = Pick<FastifyReplyFromHooks, "rewriteRequestHeaders" | "onResponse" | "onError">;

const keys = (routes: typeof PUBLIC_ROUTES) =>
  new Set(routes.map(({ method, path }) => routeKey(method, path)));
const PUBLIC = keys(PUBLIC_ROUTES);
const PIPELINED = keys(PIPELINED_ROUTES);

function isPublic(request: FastifyRequest): boolean {
  return PUBLIC.has(routeKey(request.method, request.url));
}

/**
 * reply-from decodes the whole URL, query included, to look for `..`: a percent-escape that is not
 * UTF-8 (`?q=%FF`) would throw there and answer 500. Fastify already refuses such a path; this
 * refuses such a query the same way.
 */
function refuseUndecodableUrl(url: string): void {
  if (!url.includes("%")) return;
  try {
    decodeURIComponent(url);
  } catch {
    throw new HttpError(400, "The URL is not valid percent-encoded UTF-8");
  }
}

function authenticate(request: FastifyRequest, verify: TokenVerifier): void {
  const token = bearerToken(request.headers.authorization);
  if (!token) throw new UnauthorizedError("Not authenticated");
  verify(token);
}
