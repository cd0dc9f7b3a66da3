import { z } from "zod";

/**
 * JSON `{email, password}` or the OAuth2 password form (`username`, `password`) that Swagger's
 * Authorize button posts; both name the same account.
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
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** Claims every access token carries; verifiers read identity from these and nothing else. */
export const AccessTokenClaims = z.object({
  sub: z.uuid(),
  email: z.string(),
  role: z.enum(["admin", "scanner", "viewer"]),
  iat: z.number(),
  exp: z.number(),
});
export type AccessTokenClaims = z.infer<typeof AccessTokenClaims>;
