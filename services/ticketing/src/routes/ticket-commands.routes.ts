import {
  BatchCreateTicketsRequest,
  BatchCreateTicketsResponse,
  ConcertIdParams,
  CreateTicketsRequest,
  DeleteTicketResponse,
  ErrorBody,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  IdempotencyHeaders,
  IdParams,
  MarkSoldRequest,
  PurchaseRequest,
  TicketListResponse,
  TicketResponse,
} from "@concert/contracts";
import { compiledSerializerCompiler, identityOf } from "@concert/service-kit";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../app-context.js";
import { createTickets } from "../domain/create-tickets.js";
import { deleteUnsoldTicket } from "../domain/delete-ticket.js";
import {
  type Answer,
  answerOnce,
  type KeyedRequest,
  requestFingerprint,
} from "../domain/idempotency-keys.js";
import { QrImageBacklog } from "../domain/qr-image-backlog.js";
import { saleBatcher } from "../domain/sale-batcher.js";
import { markSold, purchaseNext } from "../domain/sell-ticket.js";
import { ticketResponse, ticketResponses } from "../domain/ticket-qr-images.js";

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
/** A sale may also answer 422 (a key reused for another request) and 503 (database busy). */
const saleErrors = { ...errors, 422: ErrorBody, 503: ErrorBody };

const IDEMPOTENCY =
  "With an `Idempotency-Key` header (per user, kept 24 h): a retry with the same key and body gets the first answer again with `Idempotent-Replayed: true` and sells nothing; the same key with another body answers 422; while the first request is still running, 409.";

/** The request's key, scoped to its caller and bound to exactly what it asks; none without the header. */
function keyedRequest(request: FastifyRequest): KeyedRequest | undefined {
  const key = (request.headers as IdempotencyHeaders)[IDEMPOTENCY_KEY_HEADER];
  if (key === undefined) return undefined;
  const path = request.url.split("?")[0] as string;
  return {
    userId: identityOf(request).userId,
    key,
    fingerprint: requestFingerprint(request.method, path, request.body),
  };
}

function send(reply: FastifyReply, answer: Answer & { replayed: boolean }) {
  if (answer.replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, "true");
  return reply.status(answer.statusCode).send(answer.body);
}

/** Issuing tickets, withdrawing unsold ones and selling them: at the box office (admin) and self-service. */
export function ticketCommandRoutes({
  app,
  prisma,
  sql,
  guards,
  keys,
  config,
  logger,
}: AppContext): void {
  const codeSigningKey = keys.ticketCodeSigning;
  const adminOnly = guards.requireRole("admin");
  const imagesAhead = new QrImageBacklog(sql, codeSigningKey, app.log);
  const sales = saleBatcher(sql, config.SALES_AT_ONCE, logger);
  app.addHook("onClose", () => imagesAhead.close());

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
        codeSigningKey,
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
      const tickets = await createTickets(
        prisma,
        codeSigningKey,
        concert_id,
        request.body.quantity,
      );
      imagesAhead.add(tickets);
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
      // A sale's hot path: its answer is built typed by ticketResponse (docs/BENCHMARKS.md).
      serializerCompiler: compiledSerializerCompiler,
      schema: {
        tags: ["tickets"],
        summary: "Sell a ticket at the box office (admin)",
        description: IDEMPOTENCY,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: MarkSoldRequest,
        response: { 200: TicketResponse, ...saleErrors },
      },
    },
    async (request, reply) => {
      const answer = await answerOnce({ prisma, sql }, keyedRequest(request), async (db) => {
        const ticket = await markSold(db, sales, request.params.id, request.body);
        return { statusCode: 200, body: await ticketResponse(db.sql, codeSigningKey, ticket) };
      });
      return send(reply, answer);
    },
  );

  app.post(
    "/api/tickets/purchase",
    {
      preValidation: guards.requireUser,
      // A sale's hot path: its answer is built typed by ticketResponse (docs/BENCHMARKS.md).
      serializerCompiler: compiledSerializerCompiler,
      schema: {
        tags: ["tickets"],
        summary: "Buy the next available ticket of a concert",
        description: IDEMPOTENCY,
        headers: IdempotencyHeaders,
        body: PurchaseRequest,
        response: { 201: TicketResponse, ...saleErrors },
      },
    },
    async (request, reply) => {
      const answer = await answerOnce({ prisma, sql }, keyedRequest(request), async (db) => {
        const ticket = await purchaseNext(
          db,
          sales,
          request.body.concert_id,
          identityOf(request),
          config.MAX_TICKETS_PER_BUYER,
        );
        return { statusCode: 201, body: await ticketResponse(db.sql, codeSigningKey, ticket) };
      });
      return send(reply, answer);
    },
  );
}
