import { describe, expect, it } from "vitest";
import {
  RefundApproved,
  RefundCompleted,
  RefundFailed,
  RefundRejected,
  RefundRequest,
  RefundStatus,
  SCAN_RESULT_STATUS,
  TicketRefunded,
  TicketRevocationRefused,
  TicketRevoked,
} from "../src/index.js";

describe("the refund saga's contracts", () => {
  it("publish on the subjects docs/SAGAS.md names", () => {
    expect(
      [
        RefundApproved,
        RefundRejected,
        RefundCompleted,
        RefundFailed,
        TicketRevoked,
        TicketRevocationRefused,
        TicketRefunded,
      ].map((event) => event.subject),
    ).toEqual([
      "evt.refunds.refund.approved.v1",
      "evt.refunds.refund.rejected.v1",
      "evt.refunds.refund.completed.v1",
      "evt.refunds.refund.failed.v1",
      "evt.attendance.ticket.revoked.v1",
      "evt.attendance.ticket.revocation_refused.v1",
      "evt.ticketing.ticket.refunded.v1",
    ]);
  });

  it("keep the original's refund statuses, plus failed", () => {
    expect(RefundStatus.options).toEqual([
      "pending",
      "approved",
      "rejected",
      "completed",
      "failed",
    ]);
  });

  it("take the original's request body, amount and notes optional", () => {
    const ticket_id = "7f7b3f0e-6f0c-4d4e-9b1a-2b7c1f3d9e10";
    expect(RefundRequest.parse({ ticket_id, reason: "Ill", extra: 1 })).toEqual({
      ticket_id,
      reason: "Ill",
    });
    expect(RefundRequest.safeParse({ ticket_id, reason: "" }).success).toBe(false);
  });

  it("deny a refunded ticket at the gate with 409", () => {
    expect(SCAN_RESULT_STATUS.refunded).toBe(409);
  });
});
