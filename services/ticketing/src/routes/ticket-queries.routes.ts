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
import { identityOf } from "@concert/service-kit";
import { normalizeTicketNumber } from "@concert/ticket-codes";
import type { AppContext } from "../app-context.js";
import { chooseQrFormat, renderQr } from "../domain/qr-image.js";
import {
  concertTickets,
  ticketByNumber,
  ticketsOf,
  visibleTicket,
} from "../domain/ticket-queries.js";
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
    async (request) => (await ticketsOf(prisma, identityOf(request))).map(view),
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
    async (request) =>
      view(await ticketByNumber(prisma, normalizeTicketNumber(request.params.ticket_number))),
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
    async (request) =>
      (await concertTickets(prisma, request.params.concert_id, request.query)).map(view),
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
    async (request) => view(await visibleTicket(prisma, identityOf(request), request.params.id)),
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
      const ticket = await visibleTicket(prisma, identityOf(request), request.params.id);
      const format = chooseQrFormat(request.query.format, request.headers.accept);
      const image = await renderQr(qrDataOf(ticket, codeSigningKey), format);
      return reply
        .type(format === "svg" ? "image/svg+xml" : "image/png")
        .header("cache-control", "private, no-store")
        .send(image);
    },
  );
}
