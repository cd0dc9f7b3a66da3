/**
 * Headers that claim an identity. No service reads them (each verifies the bearer token itself),
 * but one sent by a client is never forwarded (upstream-headers.ts), so that no service behind the
 * gateway can ever be tempted to trust it.
 */
export const IDENTITY_HEADERS: readonly string[] = [
  "x-user-id",
  "x-user-email",
  "x-user-role",
  "x-authenticated-user",
];
