import { loadCatalogConfig, startCatalog } from "@concert/catalog";
import { loadIdentityConfig, startIdentity } from "@concert/identity";
import { createLogger } from "@concert/service-kit";
import { type TestInfra, testEnv } from "@concert/testing";
import { loadGatewayConfig } from "../src/config.js";
import { startGateway } from "../src/start.js";

export const ADMIN = { email: "boss@example.com", password: "boss-password-1" };

/**
 * Gateway, identity and catalog as separate HTTP servers on free ports, wired by URL the way
 * `npm start` wires them; tests talk to the gateway over real sockets.
 */
export async function startStack(infra: TestInfra) {
  const identityConfig = loadIdentityConfig(
    testEnv(infra, {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_ROUNDS: "4",
    }),
  );
  const identity = await startIdentity(
    identityConfig,
    createLogger("identity", identityConfig.LOG_LEVEL),
  );
  const catalogConfig = loadCatalogConfig(testEnv(infra));
  const catalog = await startCatalog(
    catalogConfig,
    createLogger("catalog", catalogConfig.LOG_LEVEL),
  );
  const identityUrl = await identity.app.listen({ port: 0, host: "127.0.0.1" });
  const catalogUrl = await catalog.app.listen({ port: 0, host: "127.0.0.1" });

  const gatewayConfig = loadGatewayConfig(
    testEnv(infra, {
      IDENTITY_URLS: identityUrl,
      CATALOG_URLS: catalogUrl,
      // Nothing listens on port 9: a route whose service is down.
      TICKETING_URLS: "http://127.0.0.1:9",
      UPSTREAM_TIMEOUT_MS: "2000",
    }),
  );
  const gateway = await startGateway(
    gatewayConfig,
    createLogger("gateway", gatewayConfig.LOG_LEVEL),
  );
  const url = await gateway.app.listen({ port: 0, host: "127.0.0.1" });

  return {
    url,
    identity,
    catalog,
    gateway,
    async stop() {
      await gateway.app.close();
      await catalog.app.close();
      await identity.app.close();
      await catalog.infra.close();
      await identity.infra.close();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
