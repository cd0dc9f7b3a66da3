import fastJson from "fast-json-stringify";
import type { FastifySerializerCompiler } from "fastify/types/schema.js";
import { serializerCompiler } from "fastify-type-provider-zod";
import { z } from "zod";

type JsonSchema = Record<string, unknown>;
type RouteSchema = Parameters<typeof serializerCompiler>[0];

/**
 * A response serializer for hot routes whose handler builds its answer typed: each object schema
 * is compiled once into fast-json-stringify (from the same JSON Schema the docs show), instead of
 * zod re-checking every field of a value TypeScript already checked (the scan answer: ~10 µs
 * against ~1.5 µs). Same bytes: fields in the schema's order, unknown fields dropped, a missing
 * required field still a 500. Formats (uuid, date-time) are not re-checked. Any other schema (a
 * union, something JSON Schema cannot say) keeps the kit's zod serializer. Opt in per route with
 * `serializerCompiler: compiledSerializerCompiler`.
 */
export const compiledSerializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
  const zodCompiled = () => serializerCompiler(route as RouteSchema);
  if (!(route.schema instanceof z.ZodObject)) return zodCompiled();
  let jsonSchema: JsonSchema;
  try {
    jsonSchema = z.toJSONSchema(route.schema, { io: "output", target: "draft-7" }) as JsonSchema;
  } catch {
    return zodCompiled();
  }
  return fastJson(nullableAsTypeLists(jsonSchema) as Parameters<typeof fastJson>[0]);
};

/**
 * zod writes `.nullable()` as `anyOf: [X, {type: "null"}]`, which fast-json-stringify serializes
 * by validating each branch with ajv, slower than zod itself; `type: [X's type, "null"]` says
 * the same and compiles to a null check.
 */
function nullableAsTypeLists(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableAsTypeLists);
  if (!schema || typeof schema !== "object") return schema;
  const out: JsonSchema = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, nullableAsTypeLists(value)]),
  );
  const branches = out.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return out;
  const isNull = (b: JsonSchema) => b.type === "null" && Object.keys(b).length === 1;
  const other = (branches as JsonSchema[]).find((b) => !isNull(b));
  if (!other || typeof other.type !== "string" || !(branches as JsonSchema[]).some(isNull)) {
    return out;
  }
  const { anyOf: _, ...rest } = out;
  return { ...rest, ...other, type: [other.type, "null"] };
}
