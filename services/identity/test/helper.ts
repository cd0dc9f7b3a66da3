import { startTestService } from "@concert/service-kit/testing";
import { type TestInfra, testEnv } from "@concert/testing";
import { identityService } from "../src/service.js";

/** The first admin; its username is ADMIN_USERNAME's default. */
export const ADMIN = { username: "admin", email: "root@example.com", password: "root-password-1" };

/** Identity as `main` starts it, on this run's database and broker, with a known first admin. */
export function startTestIdentity(infra: TestInfra, env: Record<string, string> = {}) {
  return startTestService(
    identityService,
    testEnv(infra, {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_ROUNDS: "4",
      // Every test logs in from the same address; the per-client limit has its own tests.
      LOGIN_CLIENT_MAX_FAILURES: "10000",
      ...env,
    }),
  );
}

export type TestIdentity = Awaited<ReturnType<typeof startTestIdentity>>;
