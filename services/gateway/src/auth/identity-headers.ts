/**
 * Headers that claim an identity. No service reads them (each verifies the bearer token itself),
 * but one sent by a client is dropped here so that no service behind the gateway can ever be
 * tempted to trust it.
 */
const IDENTITY_HEADERS = ["x-user-id", "x-user-email", "x-user-role", "x-authenticated-user"];

export function withoutIdentityHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | undefined> {
  const cleaned = { ...headers };
  for (const name of Object.keys(cleaned)) {
    if (IDENTITY_HEADERS.includes(name.toLowerCase())) delete cleaned[name];
  }
  return cleaned;
}
