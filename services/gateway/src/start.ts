import { type Logger, loadVerificationKey, startedService } from "@concert/service-kit";
import { buildApp } from "./app.js";
import type { GatewayConfig } from "./config.js";

/** Builds the gateway from its config: shared by `main` and the tests. */
export async function startGateway(config: GatewayConfig, logger: Logger) {
  const app = await buildApp({ config, logger, verification: loadVerificationKey(config) });
  return startedService(app, config, { resources: [] });
}
