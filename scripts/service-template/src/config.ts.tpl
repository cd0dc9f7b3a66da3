import type { ServiceConfig } from "@concert/service-kit";

/** __Name__'s own environment variables (none yet), besides those every service reads. */
export const __name__Config = {};

export type __Name__Config = ServiceConfig<typeof __name__Config>;
