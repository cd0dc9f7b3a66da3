import {
  ConcertCreateRequest,
  ConcertDeletedResponse,
  ConcertListQuery,
  ConcertListResponse,
  ConcertResponse,
  ConcertUpdateRequest,
  ErrorBody,
  IdParams,
} from "@concert/contracts";
import { NotFoundError } from "@concert/service-kit";
import type { AppContext } from "../app-context.js";
import {
  cancelConcert,
  createConcert,
  deleteConcert,
  replaceConcert,
  updateConcert,
} from "../domain/concert-commands.js";
import { listConcerts } from "../domain/concert-queries.js";
import { toConcertResponse } from "../domain/concert-view.js";

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function concertsRoutes({ app, prisma, guards }: AppContext): void {
  const adminOnly = guards.requireRole("admin");

  app.post(
    "/api/concerts/",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["concerts"],
        summary: "Create a concert (admin)",
        body: ConcertCreateRequest,
        response: { 201: ConcertResponse, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(toConcertResponse(await createConcert(prisma, request.body))),
  );

  app.get(
    "/api/concerts/",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["concerts"],
        summary: "List concerts, upcoming first",
        querystring: ConcertListQuery,
        response: { 200: ConcertListResponse, 401: ErrorBody },
      },
    },
    async (request) => (await listConcerts(prisma, request.query)).map(toConcertResponse),
  );

  app.get(
    "/api/concerts/:id",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["concerts"],
        summary: "Concert details",
        params: IdParams,
        response: { 200: ConcertResponse, ...errors },
      },
    },
    async (request) => {
      const concert = await prisma.concert.findUnique({ where: { id: request.params.id } });
      if (!concert) throw new NotFoundError("Concert not found");
      return toConcertResponse(concert);
    },
  );

  app.put(
    "/api/concerts/:id",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["concerts"],
        summary: "Replace a concert's fields (admin); absent optional fields become null",
        params: IdParams,
        body: ConcertCreateRequest,
        response: { 200: ConcertResponse, ...errors },
      },
    },
    async (request) =>
      toConcertResponse(await replaceConcert(prisma, request.params.id, request.body)),
  );

  app.patch(
    "/api/concerts/:id",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["concerts"],
        summary: "Change some of a concert's fields (admin)",
        params: IdParams,
        body: ConcertUpdateRequest,
        response: { 200: ConcertResponse, ...errors },
      },
    },
    async (request) =>
      toConcertResponse(await updateConcert(prisma, request.params.id, request.body)),
  );

  app.post(
    "/api/concerts/:id/cancel",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["concerts"],
        summary: "Cancel a concert (admin)",
        params: IdParams,
        response: { 200: ConcertResponse, ...errors },
      },
    },
    async (request) => toConcertResponse(await cancelConcert(prisma, request.params.id)),
  );

  app.delete(
    "/api/concerts/:id",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["concerts"],
        summary: "Delete a concert with no sold ticket (admin); with sold tickets, cancel it",
        params: IdParams,
        response: { 200: ConcertDeletedResponse, ...errors },
      },
    },
    async (request) => {
      await deleteConcert(prisma, request.params.id);
      return { message: "Concert deleted successfully", concert_id: request.params.id };
    },
  );
}
