import { randomUUID } from "node:crypto";
import {
  type EventDefinition,
  RefundApproved,
  TicketHandedOver,
  TicketHandoverRefused,
  TicketRevocationRefused,
  type TicketSnapshot,
  TicketTransferred,
  TransferAccepted,
} from "@concert/contracts";
import { namedStatement } from "@concert/service-kit";
import { outboxEvents, startForFile } from "@concert/testing";
import { newTicketNumber } from "@concert/ticket-codes";
import { beforeAll, describe, expect, it } from "vitest";
import {
  decideHandover,
  HAND_OVER_TICKET,
  type HandOverParams,
} from "../src/domain/hand-over-ticket.js";
import { acceptance, otherServices, soldTicket, startTestAttendance } from "./helper.js";

const { service: attendance, infra } = startForFile(startTestAttendance);
let others: ReturnType<typeof otherServices>;
let scanner: string;

beforeAll(() => {
  others = otherServices(infra, attendance);
  scanner = others.tokenFor("scanner");
});

const handledAll = (event: EventDefinition) => others.handledAll(event);

const scan = (payload: Record<string, unknown>) =>
  attendance.app.inject({
    method: "POST",
    url: "/api/scans/",
    payload: { scan_type: "entry_check", gate: "North", ...payload },
    headers: { authorization: `Bearer ${scanner}` },
  });
const entryScan = (ticket: TicketSnapshot) => scan({ qr_data: others.codeFor(ticket) });

const announced = (event: EventDefinition, ticketId: string) => others.announced(event, ticketId);

describe("the gate as the arbiter of transfers", () => {
  it("hands a ticket over: the old code is replaced, the old number unknown, the new code and number admit", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const transfer = acceptance(ticket);
    await others.publish(TransferAccepted, transfer);
    await handledAll(TransferAccepted);

    expect(
      (await announced(TicketHandedOver, ticket.ticket_id)).map((r) => r.envelope.payload),
    ).toEqual([
      {
        transfer_id: transfer.transfer_id,
        ticket_id: ticket.ticket_id,
        concert_id: ticket.concert_id,
        to_user_id: transfer.to_user_id,
        code_version: 2,
      },
    ]);
    // At once, before ticketing's snapshot: the old code and the old printed number stop.
    expect((await entryScan(ticket)).json()).toMatchObject({ result: "code_replaced" });
    expect((await scan({ ticket_number: ticket.ticket_number })).json()).toMatchObject({
      result: "unknown_ticket",
    });

    const handed = {
      ...ticket,
      status: "transferred" as const,
      owner_id: transfer.to_user_id,
      ticket_number: newTicketNumber(),
      code_version: 2,
      revision: ticket.revision + 1,
    };
    await others.publish(TicketTransferred, {
      ...handed,
      transfer_id: transfer.transfer_id,
      from_user_id: transfer.from_user_id,
    });
    await handledAll(TicketTransferred);
    const admitted = await scan({ ticket_number: handed.ticket_number });
    expect(admitted.json()).toMatchObject({ admit: true, result: "admitted" });
  });

  it("never lowers the code version nor brings back the retired number when an older snapshot arrives late", async () => {
    const ticket = await others.announceTicket(soldTicket());
    await others.publish(TransferAccepted, acceptance(ticket));
    await handledAll(TransferAccepted);
    // A newer revision still at the old epoch (e.g. reordered): the handover stands.
    await others.announceTicket({ ...ticket, revision: ticket.revision + 3 });
    const copy = await attendance.infra.prisma.gateTicket.findUniqueOrThrow({
      where: { ticketId: ticket.ticket_id },
    });
    expect(copy).toMatchObject({ codeVersion: 2, ticketNumber: null });
    expect((await entryScan(ticket)).json()).toMatchObject({ result: "code_replaced" });
  });

  it("refuses with admitted, transferred or unknown_ticket, and a refund approved for the old holder with transferred", async () => {
    const inside = await others.announceTicket(soldTicket());
    expect((await entryScan(inside)).statusCode).toBe(200);
    const late = acceptance(inside);
    const given = await others.announceTicket(soldTicket());
    const first = acceptance(given);
    const second = acceptance(given); // accepted for the same epoch: one of the two loses
    const stranger = acceptance(soldTicket());
    for (const transfer of [late, first, second, stranger]) {
      await others.publish(TransferAccepted, transfer);
    }
    await handledAll(TransferAccepted);
    const refund = {
      refund_id: randomUUID(),
      ticket_id: given.ticket_id,
      concert_id: given.concert_id,
      code_version: 1,
    };
    await others.publish(RefundApproved, refund);
    await handledAll(RefundApproved);

    // Consumers run several messages at once: either acceptance may reach the arbiter first.
    const handedOver = await announced(TicketHandedOver, given.ticket_id);
    expect(handedOver).toHaveLength(1);
    const loser =
      handedOver[0]?.envelope.payload.transfer_id === first.transfer_id ? second : first;
    const refusals = (await outboxEvents(attendance.infra.prisma, TicketHandoverRefused.subject))
      .map((row) => row.envelope.payload)
      .filter((p) => [late, loser, stranger].some((t) => t.transfer_id === p.transfer_id));
    expect(refusals).toEqual(
      expect.arrayContaining([
        { transfer_id: late.transfer_id, ticket_id: inside.ticket_id, reason: "admitted" },
        { transfer_id: loser.transfer_id, ticket_id: given.ticket_id, reason: "transferred" },
        {
          transfer_id: stranger.transfer_id,
          ticket_id: stranger.ticket_id,
          reason: "unknown_ticket",
        },
      ]),
    );
    expect(
      (await announced(TicketRevocationRefused, given.ticket_id)).map((r) => r.envelope.payload),
    ).toEqual([{ ticket_id: given.ticket_id, refund_id: refund.refund_id, reason: "transferred" }]);
  });

  it("announces nothing new when a TransferAccepted is delivered again, even under a new event id", async () => {
    const ticket = await others.announceTicket(soldTicket());
    const transfer = acceptance(ticket);
    const first = await others.publish(TransferAccepted, transfer);
    await others.publish(TransferAccepted, transfer, first.id);
    await others.publish(TransferAccepted, transfer);
    await handledAll(TransferAccepted);

    expect(await announced(TicketHandedOver, ticket.ticket_id)).toHaveLength(1);
    expect(await announced(TicketHandoverRefused, ticket.ticket_id)).toEqual([]);
  });
});

/** A deliberately broken arbiter: hands over whatever the ticket's state. Negative control only. */
const UNCONDITIONAL_HAND_OVER = namedStatement<HandOverParams>(`
UPDATE gate_tickets t SET code_version = t.code_version + 1, ticket_number = NULL
 WHERE t.ticket_id = :ticket_id::uuid
RETURNING t.concert_id, t.code_version`);

interface RaceOutcome {
  handedOver: boolean;
  admitted: boolean;
}

/** Forbidden: the ticket given away and the old holder let in with the old code. */
const forbidden = (outcomes: RaceOutcome[]) => outcomes.filter((o) => o.handedOver && o.admitted);
const neither = (outcomes: RaceOutcome[]) => outcomes.filter((o) => !o.handedOver && !o.admitted);

const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 4));

async function race(handOver: typeof HAND_OVER_TICKET): Promise<RaceOutcome> {
  const ticket = await others.announceTicket(soldTicket());
  const [decision, scanned] = await Promise.all([
    jitter().then(() =>
      attendance.infra.prisma.$transaction((tx) =>
        decideHandover(tx, acceptance(ticket), handOver),
      ),
    ),
    jitter().then(() => entryScan(ticket)),
  ]);
  return { handedOver: decision === "handed_over", admitted: scanned.json().result === "admitted" };
}

describe("transfer acceptance racing an entry scan of the old code", () => {
  it("never both hands the ticket over and admits the old code (20 races, fresh ticket each)", async () => {
    const outcomes: RaceOutcome[] = [];
    for (let i = 0; i < 20; i++) outcomes.push(await race(HAND_OVER_TICKET));
    expect(forbidden(outcomes)).toEqual([]);
    expect(neither(outcomes)).toEqual([]);
  });

  it("negative control: with an unconditional handover the same race shows the forbidden outcome", async () => {
    const outcomes: RaceOutcome[] = [];
    for (let i = 0; i < 20 && forbidden(outcomes).length === 0; i++) {
      outcomes.push(await race(UNCONDITIONAL_HAND_OVER));
    }
    expect(forbidden(outcomes).length).toBeGreaterThan(0);
  });
});
