import { attendanceService } from "@concert/attendance";
import { catalogService } from "@concert/catalog";
import { identityService } from "@concert/identity";
import { refundsService } from "@concert/refunds";
import { startService } from "@concert/service-kit";
import { type TestInfra, testEnv } from "@concert/testing";
import { ticketingService } from "@concert/ticketing";
import { transfersService } from "@concert/transfers";
import { gatewayService } from "../src/service.js";

export const ADMIN = { email: "boss@example.com", password: "boss-password-1" };

interface Started {
  app: { listen(options: { port: number; host: string }): Promise<string> };
  close(): Promise<void>;
}

/**
 * Every service as its own HTTP server on a free port, wired to the gateway by URL the way
 * `npm start` wires them; tests talk to the gateway over real sockets. Attendance can run as
 * several replicas behind the gateway, as the gate scanner does in production.
 */
export async function startStack(infra: TestInfra, options: { attendanceReplicas?: number } = {}) {
  const env = testEnv(infra);
  const identity = await startService(
    identityService,
    testEnv(infra, {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_ROUNDS: "4",
    }),
  );
  const catalog = await startService(catalogService, env);
  const ticketing = await startService(ticketingService, env);
  const refunds = await startService(refundsService, env);
  const transfers = await startService(transfersService, env);
  const attendance = [];
  for (let i = 0; i < (options.attendanceReplicas ?? 1); i++) {
    attendance.push(await startService(attendanceService, env));
  }
  const listen = (service: Started) => service.app.listen({ port: 0, host: "127.0.0.1" });

  const gateway = await startService(
    gatewayService,
    testEnv(infra, {
      IDENTITY_URLS: await listen(identity),
      CATALOG_URLS: await listen(catalog),
      TICKETING_URLS: await listen(ticketing),
      ATTENDANCE_URLS: (await Promise.all(attendance.map(listen))).join(","),
      REFUNDS_URLS: await listen(refunds),
      TRANSFERS_URLS: await listen(transfers),
      UPSTREAM_TIMEOUT_MS: "5000",
    }),
  );
  const url = await listen(gateway);
  const services: Started[] = [identity, catalog, ticketing, refunds, transfers, ...attendance];

  return {
    url,
    identity,
    catalog,
    ticketing,
    refunds,
    transfers,
    attendance,
    gateway,
    /** Stops one service as a crash would look to its peers: its port closes, its connections go. */
    async stopService(service: Started) {
      await service.close();
      services.splice(services.indexOf(service), 1);
    },
    async close() {
      await gateway.close();
      for (const service of services) await service.close();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
