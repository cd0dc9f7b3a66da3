// What other packages may use of this service: starting it whole, as the end-to-end tests do.
export { type AttendanceConfig, loadAttendanceConfig } from "./config.js";
export { startAttendance } from "./start.js";
