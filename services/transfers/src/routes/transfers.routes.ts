import {
  ErrorBody,
  IdParams,
  TransferInitiateRequest,
  TransferListResponse,
  TransferResponse,
} from "@concert/contracts";
import { identityOf } from "@concert/service-kit";
import type { AppContext } from "../app-context.js";
import { decideTransfer, type TransferMove } from "../domain/transfer-decisions.js";
import {
  initiateTransfer,
  pendingTransfers,
  visibleTransfer,
} from "../domain/transfer-requests.js";
import { toTransferResponse } from "../domain/transfer-view.js";

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const MOVE_DOCS: Record<TransferMove, { summary: string; description: string }> = {
  accept: {
    summary: "Accept a pending transfer (its recipient)",
    description:
      "Answers `accepted`; the transfer then completes (the ticket is the recipient's, with a new number and code) or fails with the reason (e.g. the ticket got in first).",
  },
  reject: {
    summary: "Reject a pending transfer (its recipient)",
    description: "Answers `rejected`, a final state.",
  },
  cancel: {
    summary: "Cancel a pending transfer (its sender)",
    description: "Answers `cancelled`, a final state.",
  },
};

/** The original's transfer endpoints: holders offer, recipients accept, the gate arbitrates (docs/SAGAS.md). */
export function transfersRoutes({ app, prisma, guards }: AppContext): void {
  app.post(
    "/api/transfers/initiate",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["transfers"],
        summary: "Offer one's ticket to another account, by user id or email (its holder)",
        description:
          "Only a sold or transferred ticket that was not used at the gate, not to oneself, one open transfer per ticket; an email must be an existing account's. Answers the pending transfer.",
        body: TransferInitiateRequest,
        response: { 201: TransferResponse, ...errors },
      },
    },
    async (request, reply) => {
      const transfer = await initiateTransfer(prisma, identityOf(request), request.body);
      return reply.status(201).send(toTransferResponse(transfer));
    },
  );

  app.get(
    "/api/transfers/pending",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["transfers"],
        summary: "Pending transfers waiting for the caller to accept, and those the caller sent",
        response: { 200: TransferListResponse, 401: ErrorBody },
      },
    },
    async (request) =>
      (await pendingTransfers(prisma, identityOf(request))).map(toTransferResponse),
  );

  app.get(
    "/api/transfers/:id",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["transfers"],
        summary: "One transfer (its sender, its recipient or an admin)",
        params: IdParams,
        response: { 200: TransferResponse, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) =>
      toTransferResponse(await visibleTransfer(prisma, identityOf(request), request.params.id)),
  );

  for (const verb of ["accept", "reject", "cancel"] as const) {
    app.post(
      `/api/transfers/:id/${verb}`,
      {
        preValidation: guards.requireUser,
        schema: {
          tags: ["transfers"],
          ...MOVE_DOCS[verb],
          params: IdParams,
          response: { 200: TransferResponse, ...errors },
        },
      },
      async (request) =>
        toTransferResponse(
          await decideTransfer(prisma, identityOf(request), request.params.id, verb),
        ),
    );
  }
}
