// What other packages may use of this service: starting it whole, as the end-to-end tests do.
export { type AttendanceConfig, loadAttendanceConfig } from "./config.js";
// The gate's entry claim as the service runs it, so the benchmark's pgbench baseline runs the same.
export { ENTRY_CLAIM, GATE_RULES } from "./domain/scan-sql.js";
export { startAttendance } from "./start.js";
