-- Back to accounts without usernames (hand-written, as the up migration is).
ALTER TABLE "identity"."login_failures" RENAME COLUMN "account" TO "email";
ALTER INDEX "identity"."login_failures_account_failed_at_idx" RENAME TO "login_failures_email_failed_at_idx";

-- Dropping the column drops its unique index on lower(username) too.
ALTER TABLE "identity"."users" DROP COLUMN "username";

-- Accounts registered without a full name get their email, so the old NOT NULL holds.
UPDATE "identity"."users" SET "full_name" = "email" WHERE "full_name" IS NULL;
ALTER TABLE "identity"."users" ALTER COLUMN "full_name" SET NOT NULL;
