// What other packages may use of this service: starting it whole, as the end-to-end tests do.
export { loadCatalogConfig, type CatalogConfig } from "./config.js";
export { startCatalog } from "./start.js";
