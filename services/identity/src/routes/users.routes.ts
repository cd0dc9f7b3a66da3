import {
  ErrorBody,
  IdParams,
  Pagination,
  RoleChangeRequest,
  UserListResponse,
  UserResponse,
} from "@concert/contracts";
import type { AppContext } from "../app-context.js";
import { changeRole } from "../domain/change-role.js";
import { toUserResponse } from "../domain/user-view.js";

/** Admin-only user management: how an admin makes scanners and other admins. */
export function usersRoutes({ app, prisma, guards }: AppContext): void {
  const adminOnly = guards.requireRole("admin");

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
        response: {
          200: UserResponse,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (request) =>
      toUserResponse(await changeRole(prisma, request.params.id, request.body.role)),
  );
}
