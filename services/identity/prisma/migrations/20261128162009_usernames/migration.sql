-- Usernames, as the original system had them (hand-written: the data step has no Prisma form).
-- Every existing account gets one derived from its email, by the rule of
-- services/identity/src/domain/usernames.ts (`deriveUsername`), documented in
-- docs/SEED-COMPATIBILITY.md (Users and login):
--   the email's local part (before the last "@"), lower-cased, each character other than
--   a-z 0-9 . _ - replaced by "_", cut to 50 characters, padded with "_" to 3.
--   If taken (case-insensitively), the first free of base2, base3, ... (base cut so it fits 50),
--   accounts taking their turn oldest first (created_at, then id).
-- No semicolon may appear inside a statement or comment here: the WASM migration path
-- (@prisma/adapter-pg's executeScript) splits the script on every one. Hence no DO block.

-- AlterTable: nullable until every row has one.
ALTER TABLE "identity"."users" ADD COLUMN "username" TEXT,
ALTER COLUMN "full_name" DROP NOT NULL;

-- CreateIndex: unique regardless of case (NULLs never collide).
CREATE UNIQUE INDEX "users_username_lower_key" ON "identity"."users"(lower("username"));

-- Each account's base name and its turn.
CREATE TABLE "identity"."_username_derivation" AS
SELECT "id",
       row_number() OVER (ORDER BY "created_at", "id") AS "turn",
       rpad("base", greatest(3, length("base")), '_') AS "base"
  FROM (SELECT "id", "created_at",
               left(regexp_replace(lower(substring("email" from '^(.*)@')), '[^a-z0-9._-]', '_', 'g'), 50) AS "base"
          FROM "identity"."users") AS "bases";

CREATE UNIQUE INDEX "_username_derivation_turn" ON "identity"."_username_derivation"("turn");

-- Turn by turn, the first candidate not yet taken: base, then base2, base3, ...
WITH RECURSIVE "assigned"("turn", "id", "username", "taken") AS (
  SELECT d."turn", d."id", d."base", ARRAY[d."base"]
    FROM "identity"."_username_derivation" AS d WHERE d."turn" = 1
  UNION ALL
  SELECT d."turn", d."id", pick."username", a."taken" || pick."username"
    FROM "assigned" AS a
    JOIN "identity"."_username_derivation" AS d ON d."turn" = a."turn" + 1
    CROSS JOIN LATERAL (
      SELECT c."username"
        FROM (SELECT 1 AS "n", d."base" AS "username"
              UNION ALL
              SELECT s."n", left(d."base", 50 - length(s."n"::text)) || s."n"::text
                FROM generate_series(2, cardinality(a."taken") + 2) AS s("n")) AS c
       WHERE c."username" <> ALL (a."taken")
       ORDER BY c."n"
       LIMIT 1
    ) AS pick
)
UPDATE "identity"."users" AS u SET "username" = a."username" FROM "assigned" AS a WHERE u."id" = a."id";

DROP TABLE "identity"."_username_derivation";

-- From now on no account is without a username.
ALTER TABLE "identity"."users" ALTER COLUMN "username" SET NOT NULL;

-- Failed logins now count per account, whichever identifier was typed. Old rows keep counting.
ALTER TABLE "identity"."login_failures" RENAME COLUMN "email" TO "account";
ALTER INDEX "identity"."login_failures_email_failed_at_idx" RENAME TO "login_failures_account_failed_at_idx";
