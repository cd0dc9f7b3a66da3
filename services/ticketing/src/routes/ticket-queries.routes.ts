import {
  ConcertIdParams,
  ConcertTicketsQuery,
  ErrorBody,
  IdParams,
  QrQuery,
  TicketListResponse,
  TicketLookupResponse,
  TicketNumberParams,
  TicketQrCodeResponse,
  TicketResponse,
} from "@concert/contracts";
import { identityOf, NotFoundError } from "@concert/service-kit";
import { normalizeTicketNumber } from "@concert/ticket-codes";
import type { AppContext } from "../app-context.js";
import { chooseQrFormat, renderQr } from "../domain/qr-image.js";
import { concertQrZip, qrFileName } from "../domain/qr-zip.js";
import { scannerTicketView } from "../domain/ticket-lookup.js";
import { ticketResponse, ticketResponses, withQrImage } from "../domain/ticket-qr-images.js";
import {
  concertTickets,
  ticketByNumber,
  ticketsOf,
  visibleTicket,
} from "../domain/ticket-queries.js";
import type { Ticket } from "../generated/prisma/client.js";

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** Reading tickets: owners see their own, admins every one, scanners look numbers up. */
export function ticketQueryRoutes({ app, prisma, guards, keys }: AppContext): void {
  const codeSigningKey = keys.ticketCodeSigning;
  const view = (ticket: Ticket) => ticketResponse(prisma, codeSigningKey, ticket);
  const views = (tickets: Ticket[]) => ticketResponses(prisma, codeSigningKey, tickets);
  const withQr = (ticket: Ticket) => withQrImage(prisma, codeSigningKey, ticket);

  app.get(
    "/api/tickets/mine",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["tickets"],
        summary: "The signed-in user's tickets, with their QR data and images",
        response: { 200: TicketListResponse, 401: ErrorBody },
      },
    },
    async (request) => views(await ticketsOf(prisma, identityOf(request))),
  );

  app.get(
    "/api/tickets/number/:ticket_number",
    {
      preValidation: guards.requireRole("admin", "scanner"),
      schema: {
        tags: ["tickets"],
        summary: "Find a ticket by the number printed on it (admin, scanner)",
        description:
          "An admin gets the whole ticket. A scanner gets only what the gate needs: `id`, `ticket_number`, `concert_id`, `status` and `admissible`; no QR data, no buyer or owner.",
        params: TicketNumberParams,
        response: { 200: TicketLookupResponse, ...errors },
      },
    },
    async (request) => {
      const ticket = await ticketByNumber(
        prisma,
        normalizeTicketNumber(request.params.ticket_number),
      );
      return identityOf(request).role === "admin"
        ? view(ticket)
        : scannerTicketView(prisma, ticket);
    },
  );

  app.get(
    "/api/tickets/concert/:concert_id",
    {
      preValidation: guards.requireRole("admin"),
      schema: {
        tags: ["tickets"],
        summary: "A concert's tickets, optionally by status (admin)",
        params: ConcertIdParams,
        querystring: ConcertTicketsQuery,
        response: { 200: TicketListResponse, ...errors },
      },
    },
    async (request) =>
      views(await concertTickets(prisma, request.params.concert_id, request.query)),
  );

  app.get(
    "/api/tickets/concert/:concert_id/qr-codes/download",
    {
      preValidation: guards.requireRole("admin"),
      schema: {
        tags: ["tickets"],
        summary: "Every ticket's QR code of a concert as PNGs in one ZIP, streamed (admin)",
        params: ConcertIdParams,
        produces: ["application/zip"],
      },
    },
    async (request, reply) => {
      const { concert_id } = request.params;
      const concert = await prisma.concert.findUnique({ where: { id: concert_id } });
      if (!concert) throw new NotFoundError("Concert not found");
      const archive = await concertQrZip(prisma, codeSigningKey, concert_id);
      return reply
        .type("application/zip")
        .header("content-disposition", `attachment; filename=concert_${concert_id}_qr_codes.zip`)
        .header("cache-control", "private, no-store")
        .send(archive);
    },
  );

  app.get(
    "/api/tickets/:id",
    {
      preValidation: guards.requireUser,
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
    "/api/tickets/:id/qr-code",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["tickets"],
        summary: "The ticket's QR code as base64 PNG (admin, or its owner)",
        params: IdParams,
        response: { 200: TicketQrCodeResponse, ...errors },
      },
    },
    async (request) => {
      const ticket = await visibleTicket(prisma, identityOf(request), request.params.id);
      const { qrPng } = await withQr(ticket);
      return {
        ticket_id: ticket.id,
        ticket_number: ticket.ticketNumber,
        qr_code: qrPng.toString("base64"),
        status: ticket.status,
      };
    },
  );

  app.get(
    "/api/tickets/:id/download-qr",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["tickets"],
        summary: "The ticket's QR code as a PNG file to save (admin, or its owner)",
        params: IdParams,
        produces: ["image/png"],
      },
    },
    async (request, reply) => {
      const ticket = await visibleTicket(prisma, identityOf(request), request.params.id);
      const { qrPng } = await withQr(ticket);
      return reply
        .type("image/png")
        .header("content-disposition", `attachment; filename=${qrFileName(ticket.ticketNumber)}`)
        .header("cache-control", "private, no-store")
        .send(qrPng);
    },
  );

  app.get(
    "/api/tickets/:id/qr",
    {
      preValidation: guards.requireUser,
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
      const { qrData, qrPng } = await withQr(ticket);
      const image = format === "png" ? qrPng : await renderQr(qrData, format);
      return reply
        .type(format === "svg" ? "image/svg+xml" : "image/png")
        .header("cache-control", "private, no-store")
        .send(image);
    },
  );
}
