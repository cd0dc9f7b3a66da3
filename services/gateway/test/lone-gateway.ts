import type { Logger } from "@concert/service-kit";
import { startTestService } from "@concert/service-kit/testing";
import { type TestInfra, testEnv } from "@concert/testing";
import { gatewayService } from "../src/service.js";

// No database or broker is involved: the gateway alone, in front of whatever servers a test names.
const noInfra = {
  databaseUrl: "postgresql://unused@127.0.0.1/unused",
  natsUrl: "",
  subjectPrefix: "",
  runId: "",
  stop: async () => {},
} satisfies TestInfra;

/**
 * The gateway listening on a free port with `upstreams` (e.g. `{ CATALOG_URLS: ... }`) as its
 * services, and a valid admin token to call it with; logging to `logger` when one is given.
 */
export async function startLoneGateway(upstreams: Record<string, string>, logger?: Logger) {
  const gateway = await startTestService(gatewayService, testEnv(noInfra, upstreams), logger);
  const url = await gateway.app.listen({ port: 0, host: "127.0.0.1" });
  return { url, token: gateway.tokenFor("admin"), close: () => gateway.close() };
}
