import { z } from "zod";
import { UserResponse } from "./users.http.js";

/**
 * JSON `{email, password}`, JSON `{username, password}` (the original system's body) or the OAuth2
 * password form that Swagger's Authorize button posts. `username` may hold a username or an email.
 */
export const LoginRequest = z.union([
  z.object({ email: z.string().min(1), password: z.string().min(1) }),
  z.object({ username: z.string().min(1), password: z.string().min(1) }),
]);
export type LoginRequest = z.infer<typeof LoginRequest>;

export const TokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal("bearer"),
  expires_in: z.number().int(),
  /** The signed-in user, as register and /me answer it. */
  user: UserResponse,
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** Claims every access token carries; verifiers read identity from these and nothing else. */
export const AccessTokenClaims = z.object({
  sub: z.uuid(),
  email: z.string(),
  role: z.enum(["admin", "scanner", "viewer"]),
  /**
   * The user's access version when the token was minted; a token of a lower version than the
   * user's latest is revoked. Tokens minted before versions existed lack it: they count as 1.
   */
  av: z.number().int().min(1).optional(),
  iat: z.number(),
  exp: z.number(),
});
export type AccessTokenClaims = z.infer<typeof AccessTokenClaims>;
