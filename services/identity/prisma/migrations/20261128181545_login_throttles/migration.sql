-- Failed logins move from one row per failure (counted, then checked: beaten by concurrency) to one
-- row per key reserved by a single upsert. The old rows are throttling state minutes long: dropped.
-- DropTable
DROP TABLE "identity"."login_failures";

-- CreateTable
CREATE TABLE "identity"."login_throttles" (
    "key" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "window_started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "blocked_until" TIMESTAMPTZ(3),
    "lockouts" INTEGER NOT NULL DEFAULT 0,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "login_throttles_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "login_throttles_expires_at_idx" ON "identity"."login_throttles"("expires_at");
