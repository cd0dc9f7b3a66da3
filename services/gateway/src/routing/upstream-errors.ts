/** undici's errors, and the dispatcher's own (upstream-dispatcher.ts), carry a `code`. */
interface ProxyError {
  code?: string;
  cause?: unknown;
}

/**
 * What a client sees when the service behind a route fails: never a hang, never a stack trace.
 * Nothing listening (refused, unknown host) is a 503; silence past the timeout is a 504;
 * anything else that broke the exchange is a 502.
 */
export function upstreamFailure(
  service: string,
  error: ProxyError,
): { status: number; detail: string } {
  const code = (error.cause as { code?: string } | undefined)?.code ?? error.code;
  if (code === "ECONNREFUSED" || code === "ENOTFOUND") {
    return { status: 503, detail: `The ${service} service is unavailable` };
  }
  if (
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT"
  ) {
    return { status: 504, detail: `The ${service} service did not answer in time` };
  }
  return { status: 502, detail: `The ${service} service failed to answer` };
}
