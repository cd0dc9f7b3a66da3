import {
  BatchCreateTicketsRequest,
  BatchCreateTicketsResponse,
  ConcertIdParams,
  CreateTicketsRequest,
  DeleteTicketResponse,
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
import { deleteUnsoldTicket } from "../domain/delete-ticket.js";
import { markSold, purchaseNext } from "../domain/sell-ticket.js";
import { ticketResponse, ticketResponses } from "../domain/ticket-qr-images.js";
import type { Ticket } from "../generated/prisma/client.js";

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** Issuing tickets, withdrawing unsold ones and selling them: at the box office (admin) and self-service. */
export function ticketCommandRoutes({ app, prisma, guards, keys }: AppContext): void {
  const codeSigningKey = keys.ticketCodeSigning;
  const adminOnly = guards.requireRole("admin");
  const view = (ticket: Ticket) => ticketResponse(prisma, codeSigningKey, ticket);

  app.post(
    "/api/tickets/create/:concert_id",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["tickets"],
        summary:
          "Create one ticket, or {quantity} tickets in one go, optionally at {price} (admin)",
        description:
          "Without a body (or without `quantity`) answers the ticket; with `quantity` answers the list. Each ticket carries `qr_code_data`, its QR code as base64 PNG.",
        params: ConcertIdParams,
        body: CreateTicketsRequest,
        response: { 201: z.union([TicketResponse, TicketListResponse]), ...errors },
      },
    },
    async (request, reply) => {
      const quantity = request.body?.quantity;
      const tickets = await createTickets(
        prisma,
        request.params.concert_id,
        quantity ?? 1,
        request.body?.price,
      );
      const views = await ticketResponses(prisma, codeSigningKey, tickets);
      const [first] = views;
      return reply.status(201).send(quantity === undefined && first ? first : views);
    },
  );

  app.post(
    "/api/tickets/batch/create/:concert_id",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["tickets"],
        summary: "Create up to 5,000 tickets at once, answered by number (admin)",
        params: ConcertIdParams,
        body: BatchCreateTicketsRequest,
        response: { 201: BatchCreateTicketsResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { concert_id } = request.params;
      const tickets = await createTickets(prisma, concert_id, request.body.quantity);
      return reply.status(201).send({
        created_count: tickets.length,
        concert_id,
        ticket_numbers: tickets.map((ticket) => ticket.ticketNumber),
      });
    },
  );

  app.delete(
    "/api/tickets/:id",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["tickets"],
        summary: "Delete a ticket nobody bought yet (admin); any other status is 409",
        params: IdParams,
        response: { 200: DeleteTicketResponse, ...errors },
      },
    },
    async (request) => {
      await deleteUnsoldTicket(prisma, request.params.id);
      return { message: "Ticket deleted successfully", ticket_id: request.params.id };
    },
  );

  app.post(
    "/api/tickets/:id/mark-sold",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["tickets"],
        summary: "Sell a ticket at the box office (admin)",
        params: IdParams,
        body: MarkSoldRequest,
        response: { 200: TicketResponse, ...errors },
      },
    },
    async (request) => view(await markSold(prisma, request.params.id, request.body)),
  );

  app.post(
    "/api/tickets/purchase",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["tickets"],
        summary: "Buy the next available ticket of a concert",
        body: PurchaseRequest,
        response: { 201: TicketResponse, ...errors },
      },
    },
    async (request, reply) => {
      const ticket = await purchaseNext(prisma, request.body.concert_id, identityOf(request));
      return reply.status(201).send(await view(ticket));
    },
  );
}
