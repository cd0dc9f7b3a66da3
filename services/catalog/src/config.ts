import type { ServiceConfig } from "@concert/service-kit";

/** Catalog's own environment variables (none yet), besides those every service reads. */
export const catalogConfig = {};

export type CatalogConfig = ServiceConfig<typeof catalogConfig>;
