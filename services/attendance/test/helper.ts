import { randomUUID } from "node:crypto";
import type { EventDefinition, PayloadOf, TicketSnapshot } from "@concert/contracts";
import {
  type ConcertCancelled,
  ConcertCreated,
  type ConcertSnapshot,
  type ConcertUpdated,
  TicketCreated,
  TicketSold,
} from "@concert/contracts";
import { createLogger, type Identity, loadSigningKey, signAccessToken } from "@concert/service-kit";
import { eventually, publishEvent, type TestInfra, testEnv } from "@concert/testing";
import { loadTicketCodeSigningKey, newTicketNumber, signTicketCode } from "@concert/ticket-codes";
import { loadAttendanceConfig } from "../src/config.js";
import { startAttendance } from "../src/start.js";

/** Attendance as `main` starts it, on this run's database and broker. */
export async function startTestAttendance(infra: TestInfra) {
  const env = testEnv(infra);
  const config = loadAttendanceConfig(env);
  const service = await startAttendance(config, createLogger("attendance", config.LOG_LEVEL));
  return {
    ...service,
    async close() {
      await service.app.close();
      await service.infra.close();
    },
  };
}

export type TestAttendance = Awaited<ReturnType<typeof startTestAttendance>>;

/**
 * What the other services would do in this run: identity mints tokens, ticketing signs QR codes
 * and announces tickets, catalog announces concerts. Same development keys, same broker.
 */
export function otherServices(infra: TestInfra, attendance: TestAttendance) {
  const config = loadAttendanceConfig(testEnv(infra));
  const signing = loadSigningKey({ ...config, ALGORITHM: "RS256" });
  const codeKey = loadTicketCodeSigningKey(config);
  const prisma = attendance.infra.prisma;

  const tokenFor = (role: Identity["role"], userId: string = randomUUID()) =>
    signAccessToken(signing, { userId, email: `${role}@example.com`, role }, 600);

  const codeFor = (ticket: TicketSnapshot) =>
    signTicketCode(codeKey, {
      ticketId: ticket.ticket_id,
      concertId: ticket.concert_id,
      codeVersion: ticket.code_version,
    });

  /** A fresh message id each time: a redelivery test must get past the broker's own dedupe. */
  const publish = <E extends EventDefinition>(event: E, payload: PayloadOf<E>, id?: string) =>
    publishEvent(attendance.infra.nats, infra.subjectPrefix, event, payload, {
      ...(id && { id }),
      messageId: randomUUID(),
    });

  /** Announces the ticket and waits until the gate's copy has this revision. */
  async function announceTicket(ticket: TicketSnapshot): Promise<TicketSnapshot> {
    if (ticket.status === "created") await publish(TicketCreated, ticket);
    else
      await publish(TicketSold, {
        ...ticket,
        price: 50,
        buyer_email: "fan@example.com",
        sold_at: new Date().toISOString(),
      });
    await eventually(async () => {
      const row = await prisma.gateTicket.findUnique({ where: { ticketId: ticket.ticket_id } });
      return row?.revision === ticket.revision;
    });
    return ticket;
  }

  /** Publishes a catalog snapshot of the concert (ConcertCreated unless told otherwise). */
  async function announceConcert(
    concertId: string,
    overrides: Partial<ConcertSnapshot> = {},
    event: typeof ConcertCreated | typeof ConcertUpdated | typeof ConcertCancelled = ConcertCreated,
  ) {
    const snapshot = {
      concert_id: concertId,
      version: 1,
      name: "Summer Night",
      artist: "The Band",
      venue: "Arena",
      starts_at: new Date(Date.now() + 86_400_000).toISOString(),
      capacity: 100,
      ticket_price: 50,
      status: "scheduled",
      ...overrides,
    } satisfies ConcertSnapshot;
    return publish(event, snapshot);
  }

  return { tokenFor, codeFor, publish, announceTicket, announceConcert };
}

/** A ticket as ticketing would snapshot it: sold, first code, second revision. */
export function soldTicket(overrides: Partial<TicketSnapshot> = {}): TicketSnapshot {
  return {
    ticket_id: randomUUID(),
    concert_id: randomUUID(),
    ticket_number: newTicketNumber(),
    status: "sold",
    code_version: 1,
    revision: 2,
    owner_id: randomUUID(),
    ...overrides,
  };
}
