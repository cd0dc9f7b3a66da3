/** Headers about one connection (RFC 9110 §7.6.1): never passed from one hop to the next. */
export const HOP_BY_HOP: readonly string[] = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
];

/** The headers a `Connection` header names, which are about the connection too. */
export function connectionOptions(value: string | string[] | undefined): Set<string> | undefined {
  // What nearly every request and answer says, and names no header: nothing to build per request.
  if (value === undefined || PLAIN.has(value as string)) return undefined;
  const text = Array.isArray(value) ? value.join(",") : value;
  return new Set(text.split(",").map((name) => name.trim().toLowerCase()));
}

const PLAIN = new Set(["keep-alive", "Keep-Alive", "close", "Close"]);
