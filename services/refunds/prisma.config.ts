import { defineConfig } from "prisma/config";

// The URL is only needed by `prisma migrate deploy`; the service kit sets it when it runs that.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.PRISMA_MIGRATE_URL ?? "" },
});
