import { z } from "zod";

/** One entry of a validation error list, shaped like FastAPI's so existing frontends can read it. */
export const ValidationIssue = z.object({
  loc: z.array(z.union([z.string(), z.number()])),
  msg: z.string(),
  type: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** Every error body: `{ "detail": "..." }`, or a list of issues for a request that failed validation. */
export const ErrorBody = z.object({ detail: z.union([z.string(), z.array(ValidationIssue)]) });
export type ErrorBody = z.infer<typeof ErrorBody>;
