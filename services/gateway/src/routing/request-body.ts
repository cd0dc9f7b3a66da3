import type { IncomingMessage } from "node:http";
import { HttpError } from "@concert/service-kit";

/** Fastify's own wording, which the gateway answered with before it forwarded on node:http. */
const TOO_LARGE = "Request body is too large";

/**
 * The request's body, whole, as the bytes the client sent (the service behind validates them):
 * `undefined` for GET and HEAD, whose bodies no route reads, and for an empty one. Bodies are
 * short JSON or forms, read whole so that each leaves for the service in one write; one over
 * `limit` is refused with 413 as soon as it is known (announced or read), and the rest of it
 * is drained by Node. A client that hangs up mid-body gets no answer: nobody is left to read it.
 */
export function readRequestBody(
  request: IncomingMessage,
  limit: number,
  done: (error: HttpError | undefined, body: Buffer | undefined) => void,
): void {
  if (request.method === "GET" || request.method === "HEAD") {
    request.resume();
    done(undefined, undefined);
    return;
  }
  if (Number(request.headers["content-length"]) > limit) {
    request.resume();
    done(new HttpError(413, TOO_LARGE), undefined);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) {
      chunks.push(chunk);
      return;
    }
    request.off("data", onData);
    request.off("end", onEnd);
    request.resume();
    done(new HttpError(413, TOO_LARGE), undefined);
  };
  const onEnd = () => {
    if (size === 0) done(undefined, undefined);
    else done(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  };
  request.on("data", onData);
  request.on("end", onEnd);
}
