import { createLogger, runService } from "@concert/service-kit";
import { loadTicketingConfig } from "./config.js";
import { startTicketing } from "./start.js";

const config = loadTicketingConfig();
const logger = createLogger(config.service, config.LOG_LEVEL);
await runService(logger, () => startTicketing(config, logger));
