// `@concert/service-kit/testing`: what tests need of the kit and production code must not use.
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { type Identity, signAccessToken } from "../auth/access-token.js";
import { loadSigningKey } from "../auth/token-keys.js";
import type { ServiceConfig } from "../config/service-config.js";
import type { PrismaLike } from "../lifecycle/service-infrastructure.js";
import type { Logger } from "../logging/logger.js";
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
      {
        userId: randomUUID(),
        email: `${role}-${randomUUID()}@example.com`,
        role,
        accessVersion: 1,
        ...user,
      },
      600,
    );
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * A service as `main` starts it, on the test run's environment, with `tokenFor` to mint its
 * callers' tokens and `call` to send it a request (no socket, so not through a front door) as
 * one of them. `logger`, when given, replaces the one its LOG_LEVEL would make.
 */
export async function startTestService<
  Extra extends z.ZodRawShape,
  P extends PrismaLike | undefined,
  K extends KeySpec,
>(definition: ServiceDefinition<Extra, P, K>, env: Record<string, string>, logger?: Logger) {
  const service = await startService(definition, env, logger);
  const call = (method: Method, url: string, token?: string, payload?: object) =>
    service.app.inject({
      method,
      url,
      ...(payload ? { payload } : {}),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  return { ...service, tokenFor: tokenMinter(service.config), call };
}

/**
 * One service listening on a free port behind a real gateway that routes its prefix to it, as
 * `npm start` wires them: what a service's own end-to-end test talks to. Other upstreams are
 * left at their defaults (nothing answers there in a test).
 */
export async function startBehindGateway<
  Extra extends z.ZodRawShape,
  P extends PrismaLike | undefined,
  K extends KeySpec,
  GExtra extends z.ZodRawShape,
  GK extends KeySpec,
>(
  definition: ServiceDefinition<Extra, P, K>,
  gateway: ServiceDefinition<GExtra, undefined, GK>,
  env: Record<string, string>,
) {
  const service = await startTestService(definition, env);
  try {
    const serviceUrl = await service.app.listen({ port: 0, host: "127.0.0.1" });
    const front = await startService(gateway, {
      ...env,
      [`${definition.name.toUpperCase()}_URLS`]: serviceUrl,
    });
    const url = await front.app.listen({ port: 0, host: "127.0.0.1" });
    return {
      url,
      service,
      gateway: front,
      tokenFor: service.tokenFor,
      async close() {
        await front.close();
        await service.close();
      },
    };
  } catch (error) {
    await service.close();
    throw error;
  }
}
