// What other packages may use of this service: its definition, to start it whole as the end-to-end
// tests do, and the gate's entry claim as the service runs it, so the benchmark's pgbench baseline
// runs the same statement.
export { ENTRY_CLAIM, GATE_RULES } from "./domain/scan-sql.js";
export { attendanceService } from "./service.js";
