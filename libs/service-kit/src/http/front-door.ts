import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { FastifyServerFactory } from "fastify";

/**
 * A listener that sees each request before Fastify does and answers the ones it takes on
 * node:http alone, returning true for those; the rest go on to Fastify's routes. The gateway
 * forwards its whole API this way: a forwarded request needs no route schema, body parser or
 * reply lifecycle, and those (with reply-from) were a fifth to a third of the gateway's CPU per
 * forwarded request (docs/BENCHMARKS.md, "The gateway's forwarding on node:http").
 */
export type FrontDoor = (request: IncomingMessage, response: ServerResponse) => boolean;

/** Set once the service's routes are registered; until then every request goes to Fastify. */
export interface FrontDoorSlot {
  door?: FrontDoor;
}

/**
 * Fastify's documented way to own the server: the same server Fastify would build (its
 * keep-alive and timeouts copied from the options it settled), with the front door first.
 */
export function frontDoorServerFactory(slot: FrontDoorSlot): FastifyServerFactory {
  return (fastifyHandler, options): Server => {
    const server = createServer((request, response) => {
      if (slot.door?.(request, response)) return;
      fastifyHandler(request, response);
    });
    const settled = options as {
      keepAliveTimeout?: number;
      requestTimeout?: number;
      connectionTimeout?: number;
      maxRequestsPerSocket?: number;
    };
    if (settled.keepAliveTimeout !== undefined) server.keepAliveTimeout = settled.keepAliveTimeout;
    if (settled.requestTimeout !== undefined) server.requestTimeout = settled.requestTimeout;
    server.setTimeout(settled.connectionTimeout ?? 0);
    if (settled.maxRequestsPerSocket) server.maxRequestsPerSocket = settled.maxRequestsPerSocket;
    return server;
  };
}
