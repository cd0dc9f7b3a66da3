import { createLogger, runService } from "@concert/service-kit";
import { loadIdentityConfig } from "./config.js";
import { startIdentity } from "./start.js";

const config = loadIdentityConfig();
const logger = createLogger(config.service, config.LOG_LEVEL);
await runService(logger, () => startIdentity(config, logger));
