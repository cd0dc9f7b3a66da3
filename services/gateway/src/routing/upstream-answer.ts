import type { Readable } from "node:stream";
import type { FastifyReplyFromHooks } from "@fastify/reply-from";

type ProxyReply = Parameters<NonNullable<FastifyReplyFromHooks["onResponse"]>>[1];

/** What reply-from hands `onResponse`: the service's status and headers are already on the reply. */
export interface UpstreamAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  stream: Readable;
}

export type BodyErrorHandler = (reply: ProxyReply, error: Error) => void;

/**
 * Answers up to this size (every JSON answer of the API) are read whole and sent with one
 * `reply.send(buffer)`: piping a stream into the reply cost more CPU than the bytes themselves
 * (stream and event machinery per request). Larger ones (ticket images, exports) keep streaming.
 */
export const BUFFERED_ANSWER_MAX_BYTES = 64 * 1024;

/** Headers of the service's body, wrong on the gateway's own error answer that replaces it. */
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-disposition"];

/**
 * Sends the service's answer to the client. Only a body whose length is announced and small is
 * buffered: HEAD, 204 and 304 announce a length they do not send, so they stream (nothing), and
 * a body of unknown length may be of any size. Bytes pass unchanged, compressed or not.
 */
export function sendUpstreamAnswer(
  reply: ProxyReply,
  answer: UpstreamAnswer,
  onBodyError: BodyErrorHandler,
): void {
  const length = Number(answer.headers["content-length"]);
  if (
    !(length > 0 && length <= BUFFERED_ANSWER_MAX_BYTES) ||
    reply.request.method === "HEAD" ||
    answer.statusCode === 204 ||
    answer.statusCode === 304
  ) {
    reply.send(answer.stream);
    return;
  }
  const chunks: Buffer[] = [];
  answer.stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  answer.stream.once("end", () => {
    reply.send(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  });
  answer.stream.once("error", (error) => {
    if (reply.sent) return;
    for (const name of BODY_HEADERS) reply.removeHeader(name);
    onBodyError(reply, error);
  });
}
