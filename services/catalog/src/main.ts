import { createLogger, runService } from "@concert/service-kit";
import { loadCatalogConfig } from "./config.js";
import { startCatalog } from "./start.js";

const config = loadCatalogConfig();
const logger = createLogger(config.service, config.LOG_LEVEL);
await runService(logger, () => startCatalog(config, logger));
