import { loadAttendanceConfig, startAttendance } from "@concert/attendance";
import { loadCatalogConfig, startCatalog } from "@concert/catalog";
import { loadIdentityConfig, startIdentity } from "@concert/identity";
import { createLogger } from "@concert/service-kit";
import { type TestInfra, testEnv } from "@concert/testing";
import { loadTicketingConfig, startTicketing } from "@concert/ticketing";
import type { FastifyInstance } from "fastify";
import { loadGatewayConfig } from "../src/config.js";
import { startGateway } from "../src/start.js";

export const ADMIN = { email: "boss@example.com", password: "boss-password-1" };

interface Started {
  app: FastifyInstance;
  infra?: { close(): Promise<void> };
}

/**
 * Every service as its own HTTP server on a free port, wired to the gateway by URL the way
 * `npm start` wires them; tests talk to the gateway over real sockets. Attendance can run as
 * several replicas behind the gateway, as the gate scanner does in production.
 */
export async function startStack(infra: TestInfra, options: { attendanceReplicas?: number } = {}) {
  const env = testEnv(infra);
  const identityConfig = loadIdentityConfig(
    testEnv(infra, {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_ROUNDS: "4",
    }),
  );
  const identity = await startIdentity(identityConfig, logger("identity"));
  const catalog = await startCatalog(loadCatalogConfig(env), logger("catalog"));
  const ticketing = await startTicketing(loadTicketingConfig(env), logger("ticketing"));
  const attendance = [];
  for (let i = 0; i < (options.attendanceReplicas ?? 1); i++) {
    attendance.push(await startAttendance(loadAttendanceConfig(env), logger("attendance")));
  }
  const listen = (service: Started) => service.app.listen({ port: 0, host: "127.0.0.1" });

  const gatewayConfig = loadGatewayConfig(
    testEnv(infra, {
      IDENTITY_URLS: await listen(identity),
      CATALOG_URLS: await listen(catalog),
      TICKETING_URLS: await listen(ticketing),
      ATTENDANCE_URLS: (await Promise.all(attendance.map(listen))).join(","),
      // Nothing listens on port 9: routes whose service is down.
      REFUNDS_URLS: "http://127.0.0.1:9",
      TRANSFERS_URLS: "http://127.0.0.1:9",
      UPSTREAM_TIMEOUT_MS: "5000",
    }),
  );
  const gateway = await startGateway(gatewayConfig, logger("gateway"));
  const url = await gateway.app.listen({ port: 0, host: "127.0.0.1" });
  const services: Started[] = [identity, catalog, ticketing, ...attendance];

  return {
    url,
    identity,
    catalog,
    ticketing,
    attendance,
    gateway,
    /** Stops one service as a crash would look to its peers: its port closes, its connections go. */
    async stopService(service: Started) {
      await service.app.close();
      await service.infra?.close();
      services.splice(services.indexOf(service), 1);
    },
    async stop() {
      await gateway.app.close();
      for (const service of services) {
        await service.app.close();
        await service.infra?.close();
      }
    },
  };
}

function logger(service: string) {
  return createLogger(service, process.env.TEST_LOG_LEVEL ?? "silent");
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
