// `@concert/service-kit/testing`: what tests need of the kit and production code must not use.
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { type Identity, signAccessToken } from "../auth/access-token.js";
import { loadSigningKey } from "../auth/token-keys.js";
import type { ServiceConfig } from "../config/service-config.js";
import type { PrismaLike } from "../lifecycle/service-infrastructure.js";
import type { ServiceDefinition } from "../service/define-service.js";
import type { KeySpec } from "../service/service-keys.js";
import { startService } from "../service/start-service.js";

export type TokenFor = (role: Identity["role"], user?: Partial<Identity>) => string;

/**
 * Mints access tokens as identity would, with the development key pair of the test run (the one
 * every service of the run verifies with), for a fresh user unless told otherwise.
 */
export function tokenMinter(config: ServiceConfig): TokenFor {
  const signing = loadSigningKey({ ...config, ALGORITHM: "RS256" });
  return (role, user = {}) =>
    signAccessToken(
      signing,
      { userId: randomUUID(), email: `${role}-${randomUUID()}@example.com`, role, ...user },
      600,
    );
}

/** A service as `main` starts it, on the test run's environment, with `tokenFor` to call it. */
export async function startTestService<
  Extra extends z.ZodRawShape,
  P extends PrismaLike | undefined,
  K extends KeySpec,
>(definition: ServiceDefinition<Extra, P, K>, env: Record<string, string>) {
  const service = await startService(definition, env);
  return { ...service, tokenFor: tokenMinter(service.config) };
}
