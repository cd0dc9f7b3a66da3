// What other packages may use of this service: starting it whole, as the end-to-end tests do.
export { type CatalogConfig, loadCatalogConfig } from "./config.js";
export { startCatalog } from "./start.js";
