import {
  ConcertIdParams,
  ConcertTicketsQuery,
  ErrorBody,
  IdParams,
  QrQuery,
  TicketListResponse,
  TicketNumberParams,
  TicketResponse,
} from "@concert/contracts";
import { identityOf, NotFoundError } from "@concert/service-kit";
import { normalizeTicketNumber } from "@concert/ticket-codes";
import type { AppContext } from "../app-context.js";
import { chooseQrFormat, renderQr } from "../domain/qr-image.js";
import { assertCanSee } from "../domain/ticket-access.js";
import { qrDataOf, toTicketResponse } from "../domain/ticket-view.js";

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** Reading tickets: owners see their own, admins every one, scanners look numbers up. */
export function ticketQueryRoutes({ app, prisma, guards, keys }: AppContext): void {
  const codeSigningKey = keys.ticketCodeSigning;
  const view = (ticket: Parameters<typeof toTicketResponse>[0]) =>
    toTicketResponse(ticket, codeSigningKey);

  app.get(
    "/api/tickets/mine",
    {
      preHandler: guards.requireUser,
      schema: {
        tags: ["tickets"],
        summary: "The signed-in user's tickets, with their QR data",
        response: { 200: TicketListResponse, 401: ErrorBody },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const tickets = await prisma.ticket.findMany({
        where: {
          OR: [{ ownerId: identity.userId }, { ownerEmail: identity.email.toLowerCase() }],
        },
        orderBy: [{ soldAt: "desc" }, { id: "asc" }],
      });
      return tickets.map(view);
    },
  );

  app.get(
    "/api/tickets/number/:ticket_number",
    {
      preHandler: guards.requireRole("admin", "scanner"),
      schema: {
        tags: ["tickets"],
        summary: "Find a ticket by the number printed on it (admin, scanner)",
        params: TicketNumberParams,
        response: { 200: TicketResponse, ...errors },
      },
    },
    async (request) => {
      const ticketNumber = normalizeTicketNumber(request.params.ticket_number);
      const ticket = await prisma.ticket.findUnique({ where: { ticketNumber } });
      if (!ticket) throw new NotFoundError("Ticket not found");
      return view(ticket);
    },
  );

  app.get(
    "/api/tickets/concert/:concert_id",
    {
      preHandler: guards.requireRole("admin"),
      schema: {
        tags: ["tickets"],
        summary: "A concert's tickets, optionally by status (admin)",
        params: ConcertIdParams,
        querystring: ConcertTicketsQuery,
        response: { 200: TicketListResponse, ...errors },
      },
    },
    async (request) => {
      const { status, limit, offset } = request.query;
      const tickets = await prisma.ticket.findMany({
        where: { concertId: request.params.concert_id, ...(status && { status }) },
        orderBy: [{ createdAt: "asc" }, { ticketNumber: "asc" }],
        take: limit,
        skip: offset,
      });
      return tickets.map(view);
    },
  );

  app.get(
    "/api/tickets/:id",
    {
      preHandler: guards.requireUser,
      schema: {
        tags: ["tickets"],
        summary: "One ticket (admin, or its owner)",
        params: IdParams,
        response: { 200: TicketResponse, ...errors },
      },
    },
    async (request) => {
      const ticket = await prisma.ticket.findUnique({ where: { id: request.params.id } });
      return view(assertCanSee(identityOf(request), ticket));
    },
  );

  app.get(
    "/api/tickets/:id/qr",
    {
      preHandler: guards.requireUser,
      schema: {
        tags: ["tickets"],
        summary: "The ticket's QR code as PNG (default) or SVG (admin, or its owner)",
        params: IdParams,
        querystring: QrQuery,
        produces: ["image/png", "image/svg+xml"],
      },
    },
    async (request, reply) => {
      const found = await prisma.ticket.findUnique({ where: { id: request.params.id } });
      const ticket = assertCanSee(identityOf(request), found);
      const format = chooseQrFormat(request.query.format, request.headers.accept);
      const image = await renderQr(qrDataOf(ticket, codeSigningKey), format);
      return reply
        .type(format === "svg" ? "image/svg+xml" : "image/png")
        .header("cache-control", "private, no-store")
        .send(image);
    },
  );
}
