import {
  ActiveChangeRequest,
  ErrorBody,
  IdParams,
  Pagination,
  RoleChangeRequest,
  UserListResponse,
  UserResponse,
} from "@concert/contracts";
import { identityOf } from "@concert/service-kit";
import type { FastifyRequest } from "fastify";
import type { AppContext } from "../app-context.js";
import { changeAccess } from "../domain/change-access.js";
import { assertCurrentAdmin } from "../domain/current-admin.js";
import { toUserResponse } from "../domain/user-view.js";

/** What a change of a user's access answers: 409 is the last-admin guard. */
const accessChangeResponses = {
  200: UserResponse,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
};

/** Admin-only user management: how an admin makes scanners and other admins. */
export function usersRoutes({ app, prisma, guards }: AppContext): void {
  // The token says admin, and so does identity's own table (see assertCurrentAdmin).
  const adminOnly = [
    guards.requireRole("admin"),
    (request: FastifyRequest) => assertCurrentAdmin(prisma, identityOf(request)),
  ];

  app.get(
    "/api/auth/users",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["users"],
        summary: "List users (admin)",
        querystring: Pagination,
        response: { 200: UserListResponse, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      const users = await prisma.user.findMany({
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        take: request.query.limit,
        skip: request.query.offset,
      });
      return users.map(toUserResponse);
    },
  );

  app.patch(
    "/api/auth/users/:id/role",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["users"],
        summary: "Change a user's role (admin)",
        params: IdParams,
        body: RoleChangeRequest,
        response: accessChangeResponses,
      },
    },
    async (request) =>
      toUserResponse(
        await changeAccess(prisma, identityOf(request), request.params.id, {
          role: request.body.role,
        }),
      ),
  );

  app.patch(
    "/api/auth/users/:id/active",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["users"],
        summary: "Deactivate or reactivate a user (admin)",
        description:
          "A deactivated user cannot log in, and every token it holds is refused everywhere within seconds; reactivating does not revive those tokens.",
        params: IdParams,
        body: ActiveChangeRequest,
        response: accessChangeResponses,
      },
    },
    async (request) =>
      toUserResponse(
        await changeAccess(prisma, identityOf(request), request.params.id, {
          isActive: request.body.is_active,
        }),
      ),
  );
}
