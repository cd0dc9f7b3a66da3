/**
 * Schema names end up inside SQL identifiers, a `search_path` startup option and advisory lock keys,
 * so only plain lowercase identifiers are accepted: no quoting rules to get wrong anywhere.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `Invalid Postgres schema name "${schema}": use lowercase letters, digits and _`,
    );
  }
  return schema;
}
