import type { FrontDoor } from "@concert/service-kit";
import { requestIdGenerator } from "@concert/service-kit";
import type { AppContext } from "./app-context.js";
import { browserHeaders } from "./browser/browser-headers.js";
import { corsPolicy } from "./browser/cors.js";
import { createForwarder } from "./routing/forwarder.js";
import { PIPELINED_ROUTES, routeKey, routeTable } from "./routing/route-table.js";
import { UpstreamDispatcher } from "./routing/upstream-dispatcher.js";

/**
 * Every request meets the gateway here, on node:http, before Fastify: a browser's preflight is
 * answered, the API is forwarded to its services (routing/forwarder.ts), and only the gateway's
 * own pages (docs, health) and unknown paths go on to Fastify, with the same browser headers.
 */
export function gatewayFrontDoor({ app, config, verify, logger }: AppContext): FrontDoor {
  const headers = browserHeaders();
  const cors = corsPolicy(config.CORS_ORIGINS);
  const upstreams = routeTable(config).map((upstream) => ({
    upstream,
    dispatcher: new UpstreamDispatcher({
      urls: upstream.urls,
      pipelinedRoutes: PIPELINED,
      pipelining: config.UPSTREAM_PIPELINING,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    }),
  }));
  // Their connections close with the gateway.
  app.addHook("onClose", async () => {
    await Promise.all(upstreams.map(({ dispatcher }) => dispatcher.close()));
  });
  const forward = createForwarder({
    upstreams,
    verify,
    logger,
    requestId: requestIdGenerator(logger),
    bodyLimit: config.BODY_LIMIT_BYTES,
    browserHeaders: headers,
  });
  return (request, response) => {
    if (cors(request, response)) return true;
    if (forward(request, response)) return true;
    for (const name in headers) response.setHeader(name, headers[name] as string);
    return false;
  };
}

const PIPELINED = new Set(PIPELINED_ROUTES.map(({ method, path }) => routeKey(method, path)));
