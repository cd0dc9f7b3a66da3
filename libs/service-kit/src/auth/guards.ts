import type { Role } from "@concert/contracts";
import type { FastifyRequest } from "fastify";
import { ForbiddenError, UnauthorizedError } from "../http/http-errors.js";
import type { Identity, TokenVerifier } from "./access-token.js";
import { bearerToken } from "./bearer-token.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `requireUser`/`requireRole` once the access token verified. */
    identity?: Identity;
  }
}

/**
 * Every service verifies the token itself rather than trusting headers the gateway adds: a
 * request that reached a service by any other path is refused the same way. Routes attach them as
 * `preValidation` hooks, so the role is checked before the body: a caller without the role gets
 * 403 and never the schema's 422, which would describe an admin route to anyone.
 */
export function createGuards(verify: TokenVerifier) {
  const requireUser = async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new UnauthorizedError("Not authenticated");
    request.identity = verify(token);
  };
  const requireRole =
    (...roles: Role[]) =>
    async (request: FastifyRequest): Promise<void> => {
      await requireUser(request);
      if (!roles.includes(identityOf(request).role)) {
        throw new ForbiddenError("Not enough permissions");
      }
    };
  return { requireUser, requireRole };
}

export type Guards = ReturnType<typeof createGuards>;

/** The verified identity of a request that passed a guard. */
export function identityOf(request: FastifyRequest): Identity {
  if (!request.identity) throw new UnauthorizedError("Not authenticated");
  return request.identity;
}
