/**
 * Headers that claim an identity. No service reads them (each verifies the bearer token itself),
 * but one sent by a client is dropped here so that no service behind the gateway can ever be
 * tempted to trust it.
 */
const IDENTITY_HEADERS = ["x-user-id", "x-user-email", "x-user-role", "x-authenticated-user"];

/**
 * Removes them from `headers`, in place: the proxy hands over its own copy of the request's
 * headers (Node has already lower-cased every name), so no second copy is made per request.
 */
export function dropIdentityHeaders(headers: Record<string, string | string[] | undefined>): void {
  for (const name of IDENTITY_HEADERS) {
    if (headers[name] !== undefined) delete headers[name];
  }
}
