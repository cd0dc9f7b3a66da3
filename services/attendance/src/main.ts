import { runService } from "@concert/service-kit";
import { attendanceService } from "./service.js";

await runService(attendanceService);
