import {
  deadlocksOnceIdle,
  deadlocksSoFar,
  startTestInfra,
  type TestInfra,
} from "@concert/testing";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { otherServices, soldTicket, startTestAttendance, type TestAttendance } from "./helper.js";

let infra: TestInfra;
let replicas: TestAttendance[];
let others: ReturnType<typeof otherServices>;
let observer: pg.Client;

// Two replicas that each claim in batches, as two gate servers behind one load balancer.
beforeAll(async () => {
  infra = await startTestInfra();
  const settings = { SCAN_CLAIMS_AT_ONCE: "1" };
  replicas = [
    await startTestAttendance(infra, settings),
    await startTestAttendance(infra, settings),
  ];
  others = otherServices(infra, replicas[0] as TestAttendance);
  observer = new pg.Client({ connectionString: infra.databaseUrl });
  await observer.connect();
});
afterAll(async () => {
  for (const replica of replicas ?? []) await replica.close();
  await observer?.end();
  await infra?.stop();
});

it("never deadlocks when two replicas claim batches of the same tickets in opposite orders, and admits each ticket once", async () => {
  const before = await deadlocksSoFar(observer);
  const token = others.tokenFor("scanner");
  for (let round = 0; round < 20; round++) {
    const tickets = await Promise.all(
      Array.from({ length: 20 }, () => others.announceTicket(soldTicket())),
    );
    const scans = [tickets, [...tickets].reverse()].flatMap((order, replica) =>
      order.map((ticket) =>
        (replicas[replica] as TestAttendance).app.inject({
          method: "POST",
          url: "/api/scans/",
          payload: { qr_data: others.codeFor(ticket) },
          headers: { authorization: `Bearer ${token}` },
        }),
      ),
    );
    const answers = (await Promise.all(scans)).map((response) => response.json());
    expect(answers.filter((a) => a.result === "admitted")).toHaveLength(20);
    expect(answers.filter((a) => a.result === "already_admitted")).toHaveLength(20);
  }
  // A deadlock would not show in the answers (the undone batch's scans are asked alone), only in
  // Postgres' count.
  for (const replica of replicas) await replica.close();
  replicas = [];
  expect(await deadlocksOnceIdle(observer)).toBe(before);
}, 120_000);
