import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@concert/service-kit";

/**
 * The two lines Fastify logs for each request at `info`, with the same fields, so the gateway's
 * forwarded requests read in the log like every service's: "incoming request" and "request
 * completed" (its status and milliseconds; `aborted` when the client left before the answer).
 * Nothing is allocated for them when `info` is off, as it is under load (LOG_LEVEL=warn).
 */
export function requestLog(
  logger: Logger,
  request: IncomingMessage,
  response: ServerResponse,
  reqId: string,
): void {
  if (!logger.isLevelEnabled("info")) return;
  const started = performance.now();
  const log = logger.child({ reqId });
  log.info(
    {
      req: {
        method: request.method,
        url: request.url,
        host: request.headers.host,
        remoteAddress: request.socket.remoteAddress,
        remotePort: request.socket.remotePort,
      },
    },
    "incoming request",
  );
  response.once("close", () => {
    log.info(
      {
        res: { statusCode: response.statusCode },
        responseTime: performance.now() - started,
        ...(!response.writableFinished && { aborted: true }),
      },
      "request completed",
    );
  });
}
