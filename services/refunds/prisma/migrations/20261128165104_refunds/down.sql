-- DropTable
DROP TABLE "refunds"."refunds";

-- DropTable
DROP TABLE "refunds"."refund_tickets";

-- DropTable
DROP TABLE "refunds"."payouts";
