-- DropTable
DROP TABLE "transfers"."transfers";

-- DropTable
DROP TABLE "transfers"."transfer_tickets";

-- DropTable
DROP TABLE "transfers"."transfer_accounts";
