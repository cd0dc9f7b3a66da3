import { createLogger, runService } from "@concert/service-kit";
import { loadAttendanceConfig } from "./config.js";
import { startAttendance } from "./start.js";

const config = loadAttendanceConfig();
const logger = createLogger(config.service, config.LOG_LEVEL);
await runService(logger, () => startAttendance(config, logger));
