import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
  SqlResultSet,
} from "@prisma/driver-adapter-utils";
import { ColumnTypeEnum } from "@prisma/driver-adapter-utils";

/** The server the offline engine pretends to talk to; diffs target the Postgres we run (15). */
const SERVER_VERSION = "PostgreSQL 15.0";
const SERVER_VERSION_NUM = 150000;

/**
 * A driver adapter with no database behind it. The schema engine probes the server once when it
 * starts (schema exists? which version?) even when it only diffs datamodels; this answers that
 * probe and refuses everything else, so a diff that would need a database fails loudly.
 */
export function offlineAdapterFactory(): SqlMigrationAwareDriverAdapterFactory {
  const refuse = (what: string) => async (): Promise<never> => {
    throw new Error(`The offline schema engine cannot ${what}: this operation needs a database`);
  };
  const adapter: SqlDriverAdapter = {
    provider: "postgres",
    adapterName: "offline",
    async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
      if (!query.sql.includes("server_version_num")) return refuse(`run ${query.sql}`)();
      return {
        columnNames: ["exists", "version", "numeric_version"],
        columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
        rows: [[true, SERVER_VERSION, SERVER_VERSION_NUM]],
      };
    },
    executeRaw: refuse("execute SQL"),
    executeScript: refuse("execute a script"),
    startTransaction: refuse("start a transaction"),
    getConnectionInfo: () => ({ supportsRelationJoins: true }),
    dispose: async () => {},
  };
  return {
    provider: "postgres",
    adapterName: "offline",
    connect: async () => adapter,
    connectToShadowDb: refuse("create a shadow database"),
  };
}
