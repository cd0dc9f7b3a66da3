import type { Identity } from "@concert/service-kit";

/**
 * Headers that claim an identity. A client must never be able to set them: the gateway removes
 * whatever came in and sets them only from a verified token. Services still verify the token
 * themselves; these are for logs and tracing behind the gateway.
 */
const IDENTITY_HEADERS = ["x-user-id", "x-user-email", "x-user-role", "x-authenticated-user"];

export function withVerifiedIdentity(
  headers: Record<string, string | string[] | undefined>,
  identity: Identity | undefined,
): Record<string, string | string[] | undefined> {
  const cleaned = { ...headers };
  for (const name of Object.keys(cleaned)) {
    if (IDENTITY_HEADERS.includes(name.toLowerCase())) delete cleaned[name];
  }
  if (identity) {
    cleaned["x-user-id"] = identity.userId;
    cleaned["x-user-role"] = identity.role;
  }
  return cleaned;
}
