import { randomUUID } from "node:crypto";
import {
  type EventDefinition,
  type PayloadOf,
  TicketHandoverRefused,
  type TicketSnapshot,
  TicketSold,
  TicketTransferred,
  TransferCompleted,
  TransferFailed,
  UserRegistered,
} from "@concert/contracts";
import { startTestService } from "@concert/service-kit/testing";
import {
  eventually,
  outboxEvents,
  publishEvent,
  startForFile,
  type TestInfra,
  testEnv,
} from "@concert/testing";
import { describe, expect, it } from "vitest";
import { transfersService } from "../src/service.js";

const { service: transfers, infra } = startForFile((infra: TestInfra) =>
  startTestService(transfersService, testEnv(infra)),
);

const publish = <E extends EventDefinition>(event: E, payload: PayloadOf<E>) =>
  publishEvent(transfers.infra.nats, infra.subjectPrefix, event, payload, {
    messageId: randomUUID(),
  });

/** A sold ticket and a registered recipient, once transfers' copies have both; then accepted. */
async function acceptedTransfer() {
  const ticket: TicketSnapshot = {
    ticket_id: randomUUID(),
    concert_id: randomUUID(),
    ticket_number: "K7M2-9QXA",
    status: "sold",
    code_version: 1,
    revision: 2,
    owner_id: randomUUID(),
  };
  const to = { id: randomUUID(), email: `Friend-${randomUUID()}@Example.com` };
  await publish(TicketSold, {
    ...ticket,
    price: 40,
    buyer_email: "a@example.com",
    sold_at: new Date().toISOString(),
  });
  await publish(UserRegistered, {
    user_id: to.id,
    email: to.email,
    full_name: "Friend",
    role: "viewer",
  });
  const sender = transfers.tokenFor("viewer", { userId: ticket.owner_id ?? "" });
  const recipient = transfers.tokenFor("viewer", { userId: to.id });
  const offered: { id: string } = await eventually(async () => {
    const r = await transfers.call("POST", "/api/transfers/initiate", sender, {
      ticket_id: ticket.ticket_id,
      to_email: to.email.toLowerCase(),
    });
    return r.statusCode === 201 ? r.json() : null;
  });
  const accepted = await transfers.call("POST", `/api/transfers/${offered.id}/accept`, recipient);
  expect(accepted.json()).toMatchObject({ status: "accepted", to_user_id: to.id });
  return { ticket, transfer: offered, sender, toId: to.id };
}

const announced = async (event: EventDefinition, transferId: string) =>
  (await outboxEvents(transfers.infra.prisma, event.subject)).filter(
    (row) => row.envelope.payload.transfer_id === transferId,
  );

describe("the saga's answers", () => {
  it("completes when ticketing transferred the ticket, once, even when told twice", async () => {
    const { ticket, transfer, sender, toId } = await acceptedTransfer();
    const transferred = {
      ...ticket,
      status: "transferred" as const,
      owner_id: toId,
      code_version: 2,
      revision: 3,
      transfer_id: transfer.id,
      from_user_id: ticket.owner_id,
    };
    await publish(TicketTransferred, transferred);
    await publish(TicketTransferred, transferred);
    await eventually(async () => (await announced(TransferCompleted, transfer.id)).length > 0);
    const done = await transfers.call("GET", `/api/transfers/${transfer.id}`, sender);
    expect(done.json()).toMatchObject({ status: "completed", completed_at: expect.any(String) });
    expect(await announced(TransferCompleted, transfer.id)).toHaveLength(1);
    // The sender no longer holds it.
    const again = await transfers.call("POST", "/api/transfers/initiate", sender, {
      ticket_id: ticket.ticket_id,
      to_user_id: toId,
    });
    expect(again.statusCode).toBe(404);
  });

  it("fails with the reason when the gate refused the handover", async () => {
    const { ticket, transfer, sender } = await acceptedTransfer();
    await publish(TicketHandoverRefused, {
      transfer_id: transfer.id,
      ticket_id: ticket.ticket_id,
      reason: "admitted",
    });
    await eventually(async () => (await announced(TransferFailed, transfer.id)).length > 0);
    const failed = (await transfers.call("GET", `/api/transfers/${transfer.id}`, sender)).json();
    expect(failed.status).toBe("failed");
    expect(failed.notes).toMatch(/\(admitted\)/);
  });
});
