import {
  ConcertIdParams,
  CreateTicketsRequest,
  ErrorBody,
  IdParams,
  MarkSoldRequest,
  PurchaseRequest,
  TicketListResponse,
  TicketResponse,
} from "@concert/contracts";
import { identityOf } from "@concert/service-kit";
import { z } from "zod";
import type { AppContext } from "../app-context.js";
import { createTickets } from "../domain/create-tickets.js";
import { markSold, purchaseNext } from "../domain/sell-ticket.js";
import { toTicketResponse } from "../domain/ticket-view.js";

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** Issuing tickets and selling them: at the box office (admin) and self-service. */
export function ticketCommandRoutes({ app, prisma, guards, keys }: AppContext): void {
  const codeSigningKey = keys.ticketCodeSigning;
  const adminOnly = guards.requireRole("admin");

  app.post(
    "/api/tickets/create/:concert_id",
    {
      preHandler: adminOnly,
      schema: {
        tags: ["tickets"],
        summary: "Create one ticket, or {quantity} tickets in one go (admin)",
        description:
          "Without a body (or without `quantity`) answers the ticket; with `quantity` answers the list.",
        params: ConcertIdParams,
        body: CreateTicketsRequest,
        response: { 201: z.union([TicketResponse, TicketListResponse]), ...errors },
      },
    },
    async (request, reply) => {
      const quantity = request.body?.quantity;
      const tickets = await createTickets(prisma, request.params.concert_id, quantity ?? 1);
      const views = tickets.map((ticket) => toTicketResponse(ticket, codeSigningKey));
      const [first] = views;
      return reply.status(201).send(quantity === undefined && first ? first : views);
    },
  );

  app.post(
    "/api/tickets/:id/mark-sold",
    {
      preHandler: adminOnly,
      schema: {
        tags: ["tickets"],
        summary: "Sell a ticket at the box office (admin)",
        params: IdParams,
        body: MarkSoldRequest,
        response: { 200: TicketResponse, ...errors },
      },
    },
    async (request) =>
      toTicketResponse(await markSold(prisma, request.params.id, request.body), codeSigningKey),
  );

  app.post(
    "/api/tickets/purchase",
    {
      preHandler: guards.requireUser,
      schema: {
        tags: ["tickets"],
        summary: "Buy the next available ticket of a concert",
        body: PurchaseRequest,
        response: { 201: TicketResponse, ...errors },
      },
    },
    async (request, reply) => {
      const ticket = await purchaseNext(prisma, request.body.concert_id, identityOf(request));
      return reply.status(201).send(toTicketResponse(ticket, codeSigningKey));
    },
  );
}
