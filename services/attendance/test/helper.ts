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
import { type Identity, loadTicketCodeSigningKey, waitUntilHandled } from "@concert/service-kit";
import { startTestService } from "@concert/service-kit/testing";
import { eventually, outboxEvents, publishEvent, type TestInfra, testEnv } from "@concert/testing";
import { newTicketNumber, signTicketCode, ticketCodeDigest } from "@concert/ticket-codes";
import { attendanceService } from "../src/service.js";

/** Attendance as `main` starts it, on this run's database and broker (and `settings`). */
export const startTestAttendance = (infra: TestInfra, settings: Record<string, string> = {}) =>
  startTestService(attendanceService, testEnv(infra, settings));

export type TestAttendance = Awaited<ReturnType<typeof startTestAttendance>>;

/**
 * What the other services would do in this run: identity mints tokens, ticketing signs QR codes
 * and announces tickets, catalog announces concerts. Same development keys, same broker.
 */
export function otherServices(infra: TestInfra, attendance: TestAttendance) {
  const codeKey = loadTicketCodeSigningKey(attendance.config);
  const prisma = attendance.infra.prisma;

  const tokenFor = (role: Identity["role"], userId: string = randomUUID()) =>
    attendance.tokenFor(role, { userId });

  const codeFor = (ticket: TicketSnapshot) =>
    signTicketCode(codeKey, {
      ticketId: ticket.ticket_id,
      concertId: ticket.concert_id,
      ticketNumber: ticket.ticket_number,
      codeVersion: ticket.code_version,
    });

  /** A fresh message id each time: a redelivery test must get past the broker's own dedupe. */
  const publish = <E extends EventDefinition>(event: E, payload: PayloadOf<E>, id?: string) =>
    publishEvent(attendance.infra.nats, infra.subjectPrefix, event, payload, {
      ...(id && { id }),
      messageId: randomUUID(),
    });

  /**
   * Announces the ticket and waits until the gate's copy has this revision. Like ticketing, the
   * snapshot carries the digest of the ticket's code (codeFor), unless the test gives one (null:
   * a ticket issued before ticketing published them). Its concert is
   * announced first (tonight: doors open) unless the gate already has a copy of it or the test
   * wants the gate not to know it (`withConcert: false`), as catalog announces every concert
   * before ticketing can issue its tickets.
   */
  async function announceTicket(
    given: TicketSnapshot,
    { withConcert = true } = {},
  ): Promise<TicketSnapshot> {
    const ticket =
      "code_digest" in given ? given : { ...given, code_digest: ticketCodeDigest(codeFor(given)) };
    const concertKnown = () =>
      prisma.gateConcert.findUnique({ where: { concertId: ticket.concert_id } });
    if (withConcert && !(await concertKnown())) {
      await announceConcert(ticket.concert_id);
      await eventually(concertKnown);
    }
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

  /**
   * Publishes a catalog snapshot of the concert (ConcertCreated unless told otherwise), by default
   * starting in an hour: its doors are open.
   */
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
      starts_at: new Date(Date.now() + 3_600_000).toISOString(),
      capacity: 100,
      ticket_price: 50,
      status: "scheduled",
      ...overrides,
    } satisfies ConcertSnapshot;
    return publish(event, snapshot);
  }

  /** Resolves once attendance's consumer of `event` has handled everything published so far. */
  const handledAll = (event: EventDefinition) =>
    waitUntilHandled(attendance.infra.nats, "attendance", event, infra.subjectPrefix);

  /** What the gate announced (its outbox) for one ticket, of one event type. */
  async function announced(event: EventDefinition, ticketId: string) {
    const rows = await outboxEvents(attendance.infra.prisma, event.subject);
    return rows.filter((row) => row.envelope.payload.ticket_id === ticketId);
  }

  return { tokenFor, codeFor, publish, announceTicket, announceConcert, handledAll, announced };
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

/** TransferAccepted for the ticket's current code, to a new holder: what the gate decides on. */
export function acceptance(ticket: TicketSnapshot) {
  return {
    transfer_id: randomUUID(),
    ticket_id: ticket.ticket_id,
    concert_id: ticket.concert_id,
    from_user_id: ticket.owner_id ?? randomUUID(),
    to_user_id: randomUUID(),
    code_version: ticket.code_version,
  };
}
