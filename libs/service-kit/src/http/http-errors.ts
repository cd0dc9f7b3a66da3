/**
 * An error whose message is safe to show the caller. Anything thrown that is not an HttpError
 * (or a 4xx Fastify raises itself) becomes a 500 whose internals stay in the log.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "HttpError";
  }
}

export class UnauthorizedError extends HttpError {
  constructor(detail: string) {
    // RFC 6750: tells clients which scheme to retry with.
    super(401, detail, { "www-authenticate": "Bearer" });
  }
}

export class ForbiddenError extends HttpError {
  constructor(detail: string) {
    super(403, detail);
  }
}

export class NotFoundError extends HttpError {
  constructor(detail: string) {
    super(404, detail);
  }
}

export class ConflictError extends HttpError {
  constructor(detail: string) {
    super(409, detail);
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(detail: string, retryAfterSeconds: number) {
    super(429, detail, { "retry-after": String(retryAfterSeconds) });
  }
}
