import {
  ErrorBody,
  IdParams,
  RefundDecisionRequest,
  RefundListQuery,
  RefundListResponse,
  RefundRequest,
  RefundResponse,
} from "@concert/contracts";
import { identityOf } from "@concert/service-kit";
import type { AppContext } from "../app-context.js";
import { decideRefund } from "../domain/refund-decisions.js";
import { listRefunds, requestRefund, visibleRefund } from "../domain/refund-requests.js";
import { toRefundResponse } from "../domain/refund-view.js";

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** The original's refund endpoints: holders ask, admins decide, the gate arbitrates (docs/SAGAS.md). */
export function refundsRoutes({ app, prisma, guards }: AppContext): void {
  const adminOnly = guards.requireRole("admin");

  app.post(
    "/api/refunds/request",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["refunds"],
        summary: "Ask for a ticket's money back (its holder, or an admin on the holder's behalf)",
        description:
          "Only a sold or transferred ticket that was not used at the gate; one open request per ticket. Answers the pending request.",
        body: RefundRequest,
        response: { 201: RefundResponse, ...errors },
      },
    },
    async (request, reply) => {
      const refund = await requestRefund(prisma, identityOf(request), request.body);
      return reply.status(201).send(toRefundResponse(refund));
    },
  );

  app.get(
    "/api/refunds/",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["refunds"],
        summary: "Refunds, newest first: every one for an admin, one's own otherwise",
        querystring: RefundListQuery,
        response: { 200: RefundListResponse, 401: ErrorBody },
      },
    },
    async (request) =>
      (await listRefunds(prisma, identityOf(request), request.query)).map(toRefundResponse),
  );

  app.get(
    "/api/refunds/:id",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["refunds"],
        summary: "One refund (its holder or an admin)",
        params: IdParams,
        response: { 200: RefundResponse, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) =>
      toRefundResponse(await visibleRefund(prisma, identityOf(request), request.params.id)),
  );

  for (const [verb, decision] of [
    ["approve", "approved"],
    ["reject", "rejected"],
  ] as const) {
    app.post(
      `/api/refunds/:id/${verb}`,
      {
        preValidation: adminOnly,
        schema: {
          tags: ["refunds"],
          summary: `${verb === "approve" ? "Approve" : "Reject"} a pending refund, optionally with {notes} (admin)`,
          description:
            verb === "approve"
              ? "Answers `approved`; the refund then completes (money back, ticket refunded, seat on sale) or fails with the reason (the ticket got in first)."
              : "Answers `rejected`, a final state.",
          params: IdParams,
          body: RefundDecisionRequest,
          response: { 200: RefundResponse, ...errors },
        },
      },
      async (request) =>
        toRefundResponse(
          await decideRefund(prisma, request.params.id, decision, request.body?.notes),
        ),
    );
  }
}
