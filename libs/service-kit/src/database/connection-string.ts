import { assertSchemaName } from "./schema-name.js";

const SEARCH_PATH_OPTION = /(^|\s)-c\s*search_path=\S*/g;

/**
 * Points a Postgres URL at one service's schema. node-postgres (so adapter-pg and the WASM engine)
 * honours `options=-c search_path=<schema>`; Prisma's native engine reads `schema=<schema>` and would
 * otherwise reset search_path to `public`. Both are set, so `_prisma_migrations` lands in the
 * service's schema whichever engine runs. Spaces become %20: libpq does not decode `+`.
 */
export function connectionStringForSchema(databaseUrl: string, schema: string): string {
  assertSchemaName(schema);
  const queryStart = databaseUrl.indexOf("?");
  const base = queryStart === -1 ? databaseUrl : databaseUrl.slice(0, queryStart);
  const pairs =
    queryStart === -1
      ? []
      : databaseUrl
          .slice(queryStart + 1)
          .split("&")
          .filter(Boolean);

  let otherOptions = "";
  const kept: string[] = [];
  for (const pair of pairs) {
    const key = decodeParam(pair.split("=", 1)[0] ?? "");
    if (key === "schema") continue;
    if (key === "options") {
      otherOptions = decodeParam(pair.slice(pair.indexOf("=") + 1))
        .replace(SEARCH_PATH_OPTION, "")
        .trim();
      continue;
    }
    kept.push(pair);
  }

  const options = [otherOptions, `-c search_path=${schema}`].filter(Boolean).join(" ");
  kept.push(`schema=${schema}`, `options=${encodeURIComponent(options)}`);
  return `${base}?${kept.join("&")}`;
}

function decodeParam(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, " "));
}
