import type { FastifySchemaCompiler, FastifySchemaValidationError } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";

/**
 * Postgres `text` and `jsonb` cannot hold U+0000 (the insert fails with 22021 / 22P05, a 500 if
 * nothing catches it), and a lone UTF-16 surrogate is not text at all: node-postgres would store
 * U+FFFD in its place. bcrypt also stops reading a password at the first NUL, so "secret\0x" would
 * log in as "secret". Neither can be meant by any client, so every request is refused with them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this looks for.
const UNSTORABLE = /[\u0000\p{Cs}]/u;

export interface UnstorableText {
  /** Where the string sits inside the value, e.g. ["tickets", "0", "name"]. */
  path: string[];
  message: string;
}

interface Pending {
  value: unknown;
  key?: string;
  parent?: Pending;
}

/** Every string (and object key) inside `value` that Postgres cannot store faithfully. */
export function findUnstorableText(value: unknown): UnstorableText[] {
  const found: UnstorableText[] = [];
  // Iterative, and each entry only links to its parent, so no nesting a body can reach overflows
  // the stack or costs more than its size.
  const pending: Pending[] = [{ value }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const current = next.value;
    if (typeof current === "string") {
      if (UNSTORABLE.test(current))
        found.push({ path: pathOf(next), message: messageFor(current) });
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        pending.push({ value: current[index], key: String(index), parent: next });
      }
    } else if (isPlainObject(current)) {
      for (const [key, item] of Object.entries(current).reverse()) {
        const entry = { value: item, key, parent: next };
        if (UNSTORABLE.test(key)) found.push({ path: pathOf(entry), message: messageFor(key) });
        pending.push(entry);
      }
    }
  }
  return found;
}

function pathOf(entry: Pending): string[] {
  const path: string[] = [];
  for (let at: Pending | undefined = entry; at?.key !== undefined; at = at.parent) {
    path.push(at.key);
  }
  return path.reverse();
}

function messageFor(text: string): string {
  return text.includes("\u0000")
    ? "Text must not contain NUL (\\u0000) characters"
    : "Text must be valid Unicode (no lone surrogate halves)";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  // Fastify's params and query objects inherit from a prototype-less object of their own.
  return (
    prototype === Object.prototype ||
    prototype === null ||
    Object.getPrototypeOf(prototype) === null
  );
}

/**
 * The contracts' zod validation, then the text rule on what passed it: the value the handler
 * would get. It runs in Fastify's validation step, after every `preValidation` hook, so a route's
 * role guard still answers 401/403 before anything about the input is said; an app-level
 * `preValidation` hook would run before the route's own and answer 422 to callers without the
 * role. Failures take the shape of zod's, so the error handler lists them with their `loc`.
 */
export const storableTextValidatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
  const validate = validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
  return (data: unknown) => {
    // zod's compiler always answers synchronously with `{ value }` or `{ error }`.
    const result = validate(data) as { value?: unknown; error?: FastifySchemaValidationError[] };
    if (result.error) return result;
    const unstorable = findUnstorableText(result.value);
    if (unstorable.length === 0) return result;
    return { error: unstorable.map(toValidationIssue) };
  };
};

/** What Fastify puts in `error.validation`: the fields the error handler reads. */
function toValidationIssue({ path, message }: UnstorableText): FastifySchemaValidationError {
  return {
    keyword: "unstorable_text",
    instancePath: `/${path.join("/")}`,
    schemaPath: "#/unstorable_text",
    message,
    params: {},
  };
}
