import {
  ErrorBody,
  LoginRequest,
  RegisterRequest,
  TokenResponse,
  UserResponse,
} from "@concert/contracts";
import { ForbiddenError, identityOf, signAccessToken } from "@concert/service-kit";
import formbody from "@fastify/formbody";
import type { AppContext } from "../app-context.js";
import { clientAddress, clientKey, trustedProxies } from "../domain/client-address.js";
import { assertCurrentAdmin } from "../domain/current-admin.js";
import { checkCredentials, type LoginPolicy } from "../domain/login.js";
import { unknownAccountHash } from "../domain/passwords.js";
import { registerUser } from "../domain/register-user.js";
import { toUserResponse } from "../domain/user-view.js";

export async function authRoutes({ app, prisma, config, guards, keys }: AppContext): Promise<void> {
  const signing = keys.tokenSigning;
  const proxies = trustedProxies(config.TRUSTED_PROXIES);
  const window = config.LOGIN_FAILURE_WINDOW_MINUTES * 60;
  const loginPolicy: LoginPolicy = {
    account: {
      maxFailures: config.LOGIN_MAX_FAILURES,
      windowSeconds: window,
      blockSeconds: config.LOGIN_LOCKOUT_SECONDS,
      maxBlockSeconds: config.LOGIN_LOCKOUT_MAX_SECONDS,
    },
    // A client past its limit waits a whole window: one source cannot keep renewing blocks.
    client: {
      maxFailures: config.LOGIN_CLIENT_MAX_FAILURES,
      windowSeconds: window,
      blockSeconds: window,
      maxBlockSeconds: window,
    },
    bcryptRounds: config.BCRYPT_ROUNDS,
  };
  // At start, not on the first unknown login (at cost 15 it takes seconds).
  unknownAccountHash(config.BCRYPT_ROUNDS);
  // Swagger's Authorize button posts the OAuth2 password form, not JSON.
  await app.register(formbody);
  app.post(
    "/api/auth/register",
    {
      schema: {
        tags: ["auth"],
        summary: "Register a new user (viewer unless an admin assigns a role)",
        description:
          "Username: 3-50 letters, digits, '.', '_' or '-', unique regardless of case; derived from the email when absent.",
        security: [],
        body: RegisterRequest,
        response: { 201: UserResponse, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const role = request.body.role ?? "viewer";
      if (role !== "viewer") {
        if (!request.headers.authorization) {
          throw new ForbiddenError("Only an admin can assign a role");
        }
        await guards.requireRole("admin")(request);
        await assertCurrentAdmin(prisma, identityOf(request));
      }
      const user = await registerUser(
        prisma,
        {
          username: request.body.username,
          email: request.body.email,
          password: request.body.password,
          fullName: request.body.full_name,
          role,
        },
        config.BCRYPT_ROUNDS,
      );
      return reply.status(201).send(toUserResponse(user));
    },
  );

  app.post(
    "/api/auth/login",
    {
      schema: {
        tags: ["auth"],
        summary:
          "Log in with JSON {username, password} or {email, password}, or the OAuth2 password form; username may be an email",
        description:
          "Failed attempts are limited per account and per client address; past either limit the answer is 429 with Retry-After.",
        security: [],
        body: LoginRequest,
        response: { 200: TokenResponse, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => {
      const body = request.body;
      const identifier = "email" in body ? body.email : body.username;
      const client = clientAddress(
        request.socket.remoteAddress,
        request.headers["x-forwarded-for"],
        proxies,
      );
      const user = await checkCredentials(
        prisma,
        identifier,
        body.password,
        clientKey(client),
        loginPolicy,
      );
      const expiresIn = config.ACCESS_TOKEN_EXPIRE_MINUTES * 60;
      const accessToken = signAccessToken(
        signing,
        { userId: user.id, email: user.email, role: user.role, accessVersion: user.accessVersion },
        expiresIn,
      );
      return {
        access_token: accessToken,
        token_type: "bearer" as const,
        expires_in: expiresIn,
        user: toUserResponse(user),
      };
    },
  );

  app.get(
    "/api/auth/me",
    {
      preValidation: guards.requireUser,
      schema: {
        tags: ["auth"],
        summary: "The signed-in user",
        response: { 200: UserResponse, 401: ErrorBody },
      },
    },
    async (request) => {
      const user = await prisma.user.findUnique({ where: { id: identityOf(request).userId } });
      if (!user) throw new ForbiddenError("User no longer exists");
      return toUserResponse(user);
    },
  );

  app.get(
    "/api/auth/jwks.json",
    { schema: { tags: ["auth"], summary: "Public keys that verify access tokens", security: [] } },
    async () => ({
      keys: signing.publicKey
        ? [{ ...signing.publicKey.export({ format: "jwk" }), alg: signing.algorithm, use: "sig" }]
        : [],
    }),
  );
}
