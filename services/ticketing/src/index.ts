// What other packages may use of this service: its definition, to start it whole as the end-to-end
// tests do, and the self-service purchase as the service runs it, so the benchmark's pgbench
// baseline runs the same statement.
export { PURCHASE_NEXT, SALE_RULES } from "./domain/sale-sql.js";
export { ticketingService } from "./service.js";
