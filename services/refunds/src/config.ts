import type { ServiceConfig } from "@concert/service-kit";

/** Refunds's own environment variables (none yet), besides those every service reads. */
export const refundsConfig = {};

export type RefundsConfig = ServiceConfig<typeof refundsConfig>;
