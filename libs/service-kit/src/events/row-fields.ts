import type { EventDefinition } from "@concert/contracts";
import type { z } from "zod";

/**
 * Payload fields an event-recording statement fills from the row it changed (which ticket a
 * "next available" sale took, its new revision): payload field → SQL expression over that row.
 */
export type RowFields<K extends string> = Record<K, string>;

/** The envelope's SQL (`envelope`, a jsonb expression) with the row's fields merged into its payload. */
export function envelopeWithRowFields(envelope: string, fromRow: RowFields<string>): string {
  const fields = Object.entries(fromRow);
  if (fields.length === 0) return envelope;
  return `jsonb_set(${envelope}, '{payload}',
                   (${envelope} -> 'payload') || jsonb_build_object(${fields
                     .map(([field, sql]) => `'${field}', ${sql}`)
                     .join(", ")}))`;
}

/**
 * The event as Node validates it before the statement: its payload without the fields the row
 * fills. Those come from typed columns (a uuid, an int, a numeric), which the statement turns into
 * the same JSON types; the service's tests check the stored envelope against the contract.
 */
export function withoutRowFields<E extends EventDefinition>(
  event: E,
  fromRow: RowFields<string>,
): E {
  const fields = Object.keys(fromRow);
  if (fields.length === 0) return event;
  return {
    ...event,
    payload: (event.payload as unknown as z.ZodObject).omit(
      Object.fromEntries(fields.map((field) => [field, true])) as Record<string, never>,
    ),
  } as unknown as E;
}
