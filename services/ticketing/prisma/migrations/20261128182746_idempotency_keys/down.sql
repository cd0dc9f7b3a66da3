-- DropTable
DROP TABLE "ticketing"."idempotency_keys";
