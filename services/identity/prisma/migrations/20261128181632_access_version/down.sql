-- AlterTable
ALTER TABLE "identity"."users" DROP COLUMN "access_version";
