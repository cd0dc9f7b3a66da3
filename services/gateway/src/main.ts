import { createLogger, runService } from "@concert/service-kit";
import { loadGatewayConfig } from "./config.js";
import { startGateway } from "./start.js";

const config = loadGatewayConfig();
const logger = createLogger(config.service, config.LOG_LEVEL);
await runService(logger, () => startGateway(config, logger));
