import type { ServiceConfig } from "@concert/service-kit";

/** Transfers's own environment variables (none yet), besides those every service reads. */
export const transfersConfig = {};

export type TransfersConfig = ServiceConfig<typeof transfersConfig>;
