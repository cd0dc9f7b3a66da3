import { once } from "node:events";
import type { Server } from "node:http";
import type { Logger } from "@concert/service-kit";
import { startTestService } from "@concert/service-kit/testing";
import { NO_INFRA, testEnv } from "@concert/testing";
import { gatewayService } from "../src/service.js";

/**
 * The gateway listening on a free port with `upstreams` (e.g. `{ CATALOG_URLS: ... }`) as its
 * services, and a valid admin token to call it with; logging to `logger` when one is given. No
 * database or broker is involved: the gateway alone, in front of whatever servers a test names.
 */
export async function startLoneGateway(upstreams: Record<string, string>, logger?: Logger) {
  const gateway = await startTestService(gatewayService, testEnv(NO_INFRA, upstreams), logger);
  const url = await gateway.app.listen({ port: 0, host: "127.0.0.1" });
  return { url, token: gateway.tokenFor("admin"), close: () => gateway.close() };
}

/** A service's stand-in (a bare node:http server) listening on a free port: its base URL. */
export async function listenStandIn(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return `http://127.0.0.1:${address.port}`;
}

export function closeStandIn(server: Server | undefined): void {
  server?.closeAllConnections();
  server?.close();
}
