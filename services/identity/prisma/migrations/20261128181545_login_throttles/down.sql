-- DropTable
DROP TABLE "identity"."login_throttles";

-- CreateTable
CREATE TABLE "identity"."login_failures" (
    "id" BIGSERIAL NOT NULL,
    "account" TEXT NOT NULL,
    "failed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "login_failures_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "login_failures_account_failed_at_idx" ON "identity"."login_failures"("account", "failed_at");
