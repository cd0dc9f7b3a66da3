import { createLogger, loadSigningKey, signAccessToken } from "@concert/service-kit";
import { type TestInfra, testEnv } from "@concert/testing";
import { loadGatewayConfig } from "../src/config.js";
import { startGateway } from "../src/start.js";

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
 * services, and a valid admin token to call it with.
 */
export async function startLoneGateway(upstreams: Record<string, string>) {
  const config = loadGatewayConfig(testEnv(noInfra, upstreams));
  const gateway = await startGateway(config, createLogger("gateway", config.LOG_LEVEL));
  const url = await gateway.app.listen({ port: 0, host: "127.0.0.1" });
  const token = signAccessToken(
    loadSigningKey({ ...config, ALGORITHM: "RS256" }),
    { userId: "00000000-0000-4000-8000-000000000001", email: "a@example.com", role: "admin" },
    60,
  );
  return { url, token, close: () => gateway.app.close() };
}
