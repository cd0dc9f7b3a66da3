import { mkdir, rm } from "node:fs/promises";
import { TicketScanned, type TicketSnapshot } from "@concert/contracts";
import { streamNames } from "@concert/service-kit";
import { startTestService } from "@concert/service-kit/testing";
import {
  eventually,
  type NatsServerProcess,
  outboxEvents,
  startForFile,
  startNatsServerProcess,
  testEnv,
} from "@concert/testing";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { beforeAll, describe, expect, it } from "vitest";
import { attendanceService } from "../src/service.js";
import { otherServices, soldTicket } from "./helper.js";

// A broker of this file's own, not running when attendance starts: the shared one must stay up.
const { service: bed, infra } = startForFile(async (run) => {
  const nats = await startNatsServerProcess();
  await nats.stop();
  const attendance = await startTestService(
    attendanceService,
    testEnv(run, { NATS_URL: nats.url }),
  );
  return {
    attendance,
    nats,
    async close() {
      await attendance.close();
      await nats.dispose();
    },
  };
});
let nats: NatsServerProcess;
let attendance: typeof bed.attendance;
let scanner: string;
beforeAll(() => {
  ({ nats, attendance } = bed);
  scanner = otherServices(infra, attendance).tokenFor("scanner");
});

const readyz = async () => {
  const response = await attendance.app.inject({ method: "GET", url: "/readyz" });
  return { status: response.statusCode, body: response.json() };
};

/** Names the concert: the gate's door window needs a concert it knows, and these tests' may not be. */
const scan = (qr_data: string, concert_id: string) =>
  attendance.app.inject({
    method: "POST",
    url: "/api/scans/",
    payload: { qr_data, concert_id, gate: "Gate A" },
    headers: { authorization: `Bearer ${scanner}` },
  });

/** Every message of the run's event stream on `subject`, read by a consumer of the test's own. */
async function messagesOn(subject: string): Promise<string[]> {
  const nc = await connect({ servers: nats.url });
  try {
    const js = jetstream(nc);
    // Server 2.9: an ordered consumer takes no subject filter; read all, keep the subject's.
    const consumer = await js.consumers.get(streamNames(infra.subjectPrefix).events, {
      deliver_policy: DeliverPolicy.All,
    });
    const ids: string[] = [];
    for (;;) {
      const msg = await consumer.next({ expires: 1_000 });
      if (!msg) return ids;
      if (msg.subject === `${infra.subjectPrefix}${subject}`) ids.push(JSON.parse(msg.string()).id);
    }
  } finally {
    await nc.close();
  }
}

const brokerReady = () => eventually(async () => attendance.infra.broker.state().ready, 30_000);

describe("attendance without its broker", () => {
  it("starts while NATS has never been reachable, is ready (NATS degraded), answers, and keeps its events until NATS comes", async () => {
    const waiting = await readyz();
    expect(waiting.status).toBe(200);
    expect(waiting.body).toMatchObject({
      status: "degraded",
      checks: { database: "ok", nats: "degraded", outbox: "ok" },
      details: { nats: { reason: expect.stringMatching(/connect/) } },
    });
    // Tickets the gate knew from before (its own database): admitted, each admission announced.
    const others = otherServices(infra, attendance);
    const known = Array.from({ length: 3 }, () => soldTicket());
    await attendance.infra.prisma.gateTicket.createMany({
      data: known.map((t) => ({
        ticketId: t.ticket_id,
        concertId: t.concert_id,
        ticketNumber: t.ticket_number,
        status: t.status,
        codeVersion: t.code_version,
        revision: t.revision,
      })),
    });
    for (const ticket of known) {
      const admitted = await scan(others.codeFor(ticket), ticket.concert_id);
      expect(admitted.statusCode, admitted.body).toBe(200);
    }
    const recorded = await outboxEvents(attendance.infra.prisma, TicketScanned.subject);
    expect(recorded).toHaveLength(known.length);
    expect((await readyz()).body.details.outbox).toMatchObject({
      unpublished: known.length,
      parked: 0,
    });

    await nats.start();
    await brokerReady();
    await eventually(async () => (await readyz()).body.details.outbox.unpublished === 0, 30_000);
    const ids = await messagesOn(TicketScanned.subject);
    expect(ids.sort()).toEqual(recorded.map((row) => row.id).sort());
    // The access-change follower has its own connection and may catch up a moment later.
    await eventually(async () => (await readyz()).body.status === "ok", 30_000);
    expect((await readyz()).body).toMatchObject({
      checks: { database: "ok", nats: "ok", outbox: "ok", access_revocations: "ok" },
    });

    // Its consumers started once connected: a sale announced now reaches the gate.
    await others.announceTicket(soldTicket());
  }, 90_000);

  it("keeps admitting while NATS is stopped, /readyz stays 200, and each admission is announced once when NATS is back", async () => {
    await brokerReady();
    const others = otherServices(infra, attendance);
    const tickets: TicketSnapshot[] = [];
    for (let i = 0; i < 5; i++) tickets.push(await others.announceTicket(soldTicket()));
    const before = await messagesOn(TicketScanned.subject);

    await nats.stop();
    for (const ticket of tickets) {
      const admitted = await scan(others.codeFor(ticket), ticket.concert_id);
      expect(admitted.statusCode, admitted.body).toBe(200);
      expect(admitted.json().result).toBe("admitted");
      const ready = await readyz();
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ database: "ok", nats: "degraded" });
    }
    expect((await readyz()).body.details.outbox.unpublished).toBe(tickets.length);

    await nats.start();
    await brokerReady();
    await eventually(async () => (await readyz()).body.details.outbox.unpublished === 0, 30_000);
    const after = await messagesOn(TicketScanned.subject);
    const announced = after.filter((id) => !before.includes(id));
    const rows = (await outboxEvents(attendance.infra.prisma, TicketScanned.subject)).filter(
      (row) => tickets.some((t) => t.ticket_id === row.envelope.payload.ticket_id),
    );
    expect(rows).toHaveLength(tickets.length);
    expect(announced.sort()).toEqual(rows.map((row) => row.id).sort());
  }, 90_000);

  it("after a broker that lost its state comes back, provisions the streams again and starts its consumers afresh", async () => {
    await brokerReady();
    await nats.stop();
    // A new, empty server on the same address: every stream and durable consumer is gone.
    await rm(nats.storeDir, { recursive: true, force: true });
    await mkdir(nats.storeDir);
    await nats.start();
    await brokerReady();
    const jsm = await jetstreamManager(attendance.infra.nats);
    await eventually(
      async () =>
        (await jsm.consumers.list(streamNames(infra.subjectPrefix).events).next()).length > 0,
      30_000,
    );
    // A sale announced now reaches the gate through the new consumers.
    await otherServices(infra, attendance).announceTicket(soldTicket());
  }, 90_000);
});
