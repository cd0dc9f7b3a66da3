/**
 * What a client sees when the service behind a route fails: never a hang, never a stack trace.
 * Connection refused means nothing listens (503); silence past the timeout is a 504; anything
 * else that broke the exchange is a 502.
 */
export function upstreamFailure(
  service: string,
  error: { statusCode?: number; code?: string },
): { status: number; detail: string } {
  if (error.statusCode === 503) return { status: 503, detail: `The ${service} service is unavailable` };
  if (error.statusCode === 504 || error.code === "UND_ERR_CONNECT_TIMEOUT") {
    return { status: 504, detail: `The ${service} service did not answer in time` };
  }
  return { status: 502, detail: `The ${service} service failed to answer` };
}
