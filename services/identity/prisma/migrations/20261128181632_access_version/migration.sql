-- AlterTable
ALTER TABLE "identity"."users" ADD COLUMN     "access_version" INTEGER NOT NULL DEFAULT 1;
