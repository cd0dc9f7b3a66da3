import { createLogger } from "@concert/service-kit";
import { type TestInfra, testEnv } from "@concert/testing";
import { loadIdentityConfig } from "../src/config.js";
import { startIdentity } from "../src/start.js";

export const ADMIN = { email: "root@example.com", password: "root-password-1" };

/** Identity as `main` starts it, on this run's database and broker, with a known first admin. */
export async function startTestIdentity(infra: TestInfra, env: Record<string, string> = {}) {
  const config = loadIdentityConfig(
    testEnv(infra, {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_ROUNDS: "4",
      ...env,
    }),
  );
  const service = await startIdentity(config, createLogger("identity", config.LOG_LEVEL));
  return {
    ...service,
    async close() {
      await service.app.close();
      await service.infra.close();
    },
  };
}

export type TestIdentity = Awaited<ReturnType<typeof startTestIdentity>>;
