// Every statement of a sale, with named parameters numbered once at module load. The benchmark
// runs PURCHASE_NEXT's same SQL through pgbench to compare the service with the bare database:
// change the SQL here only, never inline it elsewhere.
//
// Tables resolve in the service's schema (the connection's search_path is "ticketing").

import {
  ConcertStatus,
  SOLD_STATUSES,
  TicketSold,
  TicketStatus,
  UNSOLD_STATUS,
} from "@concert/contracts";
import { namedStatement, recordEventsWith, recordEventWith } from "@concert/service-kit";

/** The contracts' rules a sale applies, passed as parameters so no status is re-typed in SQL. */
export const SALE_RULES = {
  unsold_status: UNSOLD_STATUS,
  sold_status: TicketStatus.enum.sold,
  cancelled: ConcertStatus.enum.cancelled,
  /** What counts against the per-buyer limit: every ticket held but a refunded one. */
  held_statuses: SOLD_STATUSES,
};

/** A ticket row as the Ticket model names its fields, the price as text (numeric, exact). */
const TICKET_COLUMNS = `id, concert_id AS "concertId", ticket_number AS "ticketNumber", status::text AS status,
       code_version AS "codeVersion", code_digest AS "codeDigest", revision, owner_id AS "ownerId", owner_email AS "ownerEmail",
       buyer_name AS "buyerName", buyer_email AS "buyerEmail", buyer_phone AS "buyerPhone",
       price::text AS price, sold_at AS "soldAt", qr_png AS "qrPng", qr_png_text AS "qrPngText",
       qr_png_key AS "qrPngKey", created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * The concert, if it may sell, locked `FOR KEY SHARE` until the sale commits: sales do not block
 * each other, but a cancellation being applied (lockConcertAgainstSales, `FOR UPDATE`) waits for
 * the sale to commit and then voids it if it came after the cancellation; a sale arriving while
 * the cancellation is applied waits for it, then reads the row again (Read Committed re-checks a
 * locked row's newest version) and finds it cancelled. Materialized: locked once, before any
 * ticket is touched.
 */
const concertLocked = (id: string) => `concert AS MATERIALIZED (
  SELECT id, status, ticket_price FROM concerts WHERE id = ${id} FOR KEY SHARE
)`;

/**
 * The TicketSold payload fields the sold row holds (which ticket a purchase took, its owner found
 * by email, its new revision and price); the rest is built and validated before the statement.
 */
const SOLD_FROM_ROW = {
  ticket_id: "sold.id",
  concert_id: `sold."concertId"`,
  owner_id: `sold."ownerId"`,
  ticket_number: `sold."ticketNumber"`,
  code_version: `sold."codeVersion"`,
  code_digest: `sold."codeDigest"`,
  revision: "sold.revision",
  price: "sold.price::numeric",
} as const;
type SoldFromRow = keyof typeof SOLD_FROM_ROW;

/** TicketSold's fields known before the statement; the sold row adds the others (SOLD_FROM_ROW). */
export function soldPayload(sale: { email: string; sold_at: Date }) {
  return {
    status: SALE_RULES.sold_status,
    buyer_email: sale.email,
    sold_at: sale.sold_at.toISOString(),
  };
}

/**
 * What a sale answers: one row, the sold ticket's fields (all null when nothing was sold), `sold`,
 * the concert's status (null: unknown concert), and what the statement adds to say why not.
 */
const saleResult = (why: string) => `
SELECT s.*, s.id IS NOT NULL AS sold, (SELECT status FROM concert) AS concert_status, ${why}
  FROM (SELECT 1) AS one LEFT JOIN sold s ON true`;

/** RETURNING of the sold row: TICKET_COLUMNS of the updated ticket `t`. */
const SOLD_COLUMNS = TICKET_COLUMNS.replace(/(^|,\s*)(\w+)/g, "$1t.$2");

export interface MarkSoldParams {
  ticket_id: string;
  email: string;
  buyer_name: string;
  buyer_phone: string | null;
  /** The price the box office charges; null: the ticket's, else the concert's. */
  price: number | null;
  sold_at: Date;
}

/**
 * Where a sale reads its own values: the statement's parameters when it sells one ticket, the
 * batch row `b` when it sells many. Each sale is written once, over this, so a batch applies
 * exactly a single sale's rules.
 */
type SaleValue = (name: keyof MarkSoldParams | "buyer_id", type: string) => string;
const fromParams: SaleValue = (name, type) => `:${name}::${type}`;
const fromBatch: SaleValue = (name) => `b.${name}`;

/**
 * The box office's UPDATE of ticket `t`, joined with its concert `c` (and, for a batch, its batch
 * row): sold if still unsold and the concert not cancelled; the account with the buyer's email
 * owns it (none yet: the account that registers with it later does).
 */
const markSoldUpdate = (sale: SaleValue, from: string) => `
  UPDATE tickets t
     SET status = :sold_status::text::"TicketStatus",
         owner_id = (SELECT u.id FROM known_users u WHERE u.email = ${sale("email", "text")}),
         owner_email = ${sale("email", "text")}, buyer_name = ${sale("buyer_name", "text")}, buyer_email = ${sale("email", "text")},
         buyer_phone = ${sale("buyer_phone", "text")},
         price = COALESCE(${sale("price", "numeric")}, t.price, c.ticket_price),
         sold_at = ${sale("sold_at", "timestamptz")}, revision = t.revision + 1, updated_at = now()
    FROM ${from}
   WHERE t.id = ${sale("ticket_id", "uuid")} AND t.status = :unsold_status::text::"TicketStatus"
     AND c.status <> :cancelled::text`;

/**
 * The box office sells one ticket, in one statement (one implicit transaction): lock its concert
 * against cancellation, sell it if it is still unsold (the status in the WHERE makes two racing
 * sales of one ticket end with one winner: the second waits for the row, re-checks, matches
 * nothing), make the account with the buyer's email its owner, and record TicketSold. Nothing
 * sold: `current_status` is the ticket's status as this statement saw it (null: unknown ticket).
 */
export const MARK_SOLD = recordEventWith<
  MarkSoldParams & typeof SALE_RULES,
  typeof TicketSold,
  SoldFromRow
>(TicketSold, {
  with: `${concertLocked("(SELECT concert_id FROM tickets WHERE id = :ticket_id::uuid)")},
sold AS (${markSoldUpdate(fromParams, "concert c")}
  RETURNING ${SOLD_COLUMNS}
)`,
  when: "sold",
  fromRow: SOLD_FROM_ROW,
  select: saleResult(
    "(SELECT status::text FROM tickets WHERE id = :ticket_id::uuid) AS current_status",
  ),
});

/** The sale values a batch takes per ticket, one array each, and their SQL types. */
const BATCH_COLUMNS = {
  ticket_id: "uuid",
  email: "text",
  buyer_name: "text",
  buyer_phone: "text",
  price: "numeric",
  sold_at: "timestamptz",
} as const satisfies Record<keyof MarkSoldParams, string>;
type BatchColumn = keyof typeof BATCH_COLUMNS;
const batchColumns = Object.keys(BATCH_COLUMNS) as BatchColumn[];

/** A batch sale's parameters: each sale value as a list (`email_list`...), and the rules. */
export type MarkSoldBatchParams = {
  [K in BatchColumn as `${K}_list`]: MarkSoldParams[K][];
} & typeof SALE_RULES;

/**
 * The box office sells many tickets in one statement: what MARK_SOLD does for each, under the
 * same rules, in one round trip and one commit. Only sales are answered (each with its `ordinal`
 * in the batch, from 1); a ticket not sold (already sold, unknown, its concert cancelled, named
 * twice in the batch, or held by other work) is sold again alone, whose statement says why. The
 * concerts are locked first (`FOR KEY SHARE`, in id order; the tickets' lock waits for all of
 * them, since its sort reads the whole join first), so a batch and a cancellation wait for each
 * other instead of deadlocking. The tickets are taken `SKIP LOCKED`: a batch waits on no ticket,
 * so it closes no cycle with another batch or with a purchase waiting for a held ticket (which
 * keeps locks on tickets it found sold; docs/DECISIONS.md). A skipped ticket's sale waits alone.
 */
export const MARK_SOLD_BATCH = recordEventsWith<
  MarkSoldBatchParams,
  typeof TicketSold,
  SoldFromRow
>(TicketSold, {
  with: `batch AS (
  SELECT * FROM unnest(${batchColumns.map((c) => `:${c}_list::${BATCH_COLUMNS[c]}[]`).join(", ")})
           WITH ORDINALITY AS b(${batchColumns.join(", ")}, ordinal)
),
concert AS MATERIALIZED (
  SELECT id, status, ticket_price FROM concerts
   WHERE id IN (SELECT concert_id FROM tickets WHERE id IN (SELECT ticket_id FROM batch))
   ORDER BY id
     FOR KEY SHARE
),
locked AS MATERIALIZED (
  SELECT t.id FROM tickets t JOIN concert c ON c.id = t.concert_id
   WHERE t.id IN (SELECT ticket_id FROM batch)
   ORDER BY t.id
     FOR UPDATE OF t SKIP LOCKED
),
sold AS (${markSoldUpdate(fromBatch, "batch b, concert c")}
     AND c.id = t.concert_id AND t.id IN (SELECT id FROM locked)
  RETURNING b.ordinal, ${SOLD_COLUMNS}
)`,
  when: "sold",
  fromRow: SOLD_FROM_ROW,
  select: "SELECT s.*, true AS sold FROM sold s",
});

/**
 * The batch statement's parameters for these sales: each BATCH_COLUMNS value as a list, in the
 * sales' order (their ordinals).
 */
export function markSoldBatchParams(sales: readonly MarkSoldParams[]): MarkSoldBatchParams {
  const lists = Object.fromEntries(
    batchColumns.map((column) => [`${column}_list`, sales.map((sale) => sale[column])]),
  );
  return { ...SALE_RULES, ...lists } as MarkSoldBatchParams;
}

export interface PurchaseParams {
  concert_id: string;
  buyer_id: string;
  email: string;
  sold_at: Date;
  /** Tickets of this concert the buyer may hold; null: no limit. */
  limit_per_buyer: number | null;
}

/**
 * The self-service UPDATE of ticket `t` (joined with `from`, which holds the concert `c`): the
 * buyer owns it, named by their account's full name (else their email), at the ticket's price,
 * else the concert's.
 */
const purchaseUpdate = (sale: SaleValue, from: string, where: string) => `
  UPDATE tickets t
     SET status = :sold_status::text::"TicketStatus", owner_id = ${sale("buyer_id", "uuid")},
         owner_email = ${sale("email", "text")},
         buyer_name = COALESCE((SELECT u.full_name FROM known_users u WHERE u.id = ${sale("buyer_id", "uuid")}),
                               ${sale("email", "text")}),
         buyer_email = ${sale("email", "text")}, price = COALESCE(t.price, c.ticket_price),
         sold_at = ${sale("sold_at", "timestamptz")}, revision = t.revision + 1, updated_at = now()
    FROM ${from}
   WHERE ${where}`;

/** An unsold ticket of the concert, while the concert may sell and the buyer is under the limit. */
const NEXT_FOR_SALE = `t.concert_id = :concert_id::uuid AND t.status = :unsold_status::text::"TicketStatus"
     AND EXISTS (SELECT 1 FROM concert WHERE status <> :cancelled::text)
     AND NOT (SELECT reached FROM at_limit)`;

/**
 * Self-service: the signed-in buyer takes the next unsold ticket of a concert, in one statement
 * (`purchaseStatement`). The concert is locked against cancellation as in MARK_SOLD. With a limit,
 * the buyer's held tickets are counted in this statement's snapshot: the caller takes the buyer's
 * advisory lock in an earlier statement of the same transaction, so the count sees every earlier
 * purchase committed. Nothing sold: `at_limit` says whether the limit stopped it; otherwise the
 * concert was sold out, or (`others_hold`, PURCHASE_NEXT only) every unsold ticket was held.
 */
const purchaseStatement = (take: "skip held" | "wait for held", others: string) =>
  recordEventWith<PurchaseParams & typeof SALE_RULES, typeof TicketSold, SoldFromRow>(TicketSold, {
    with: `${concertLocked(":concert_id::uuid")},
at_limit AS (
  SELECT :limit_per_buyer::int IS NOT NULL AND (
           SELECT count(*) FROM tickets h
            WHERE h.concert_id = :concert_id::uuid AND h.owner_id = :buyer_id::uuid
              AND h.status::text = ANY(:held_statuses::text[])) >= :limit_per_buyer::int AS reached
),
next AS (
  SELECT t.id FROM tickets t
   WHERE ${NEXT_FOR_SALE}
   ORDER BY t.created_at, t.ticket_number
   LIMIT 1
   FOR UPDATE OF t${take === "skip held" ? " SKIP LOCKED" : ""}
),
sold AS (${purchaseUpdate(fromParams, "next, concert c", "t.id = next.id")}
  RETURNING ${SOLD_COLUMNS}
)`,
    when: "sold",
    fromRow: SOLD_FROM_ROW,
    select: saleResult(`(SELECT reached FROM at_limit) AS at_limit, ${others} AS others_hold`),
  });

/**
 * The purchase as it runs first: the first unsold ticket in sale order that no one else holds
 * (`FOR UPDATE SKIP LOCKED`), so each of many simultaneous buyers gets a different ticket, and no
 * buyer waits on another's sale. `others_hold`: nothing was free, but the snapshot shows unsold
 * tickets (held by other work: a sale, a batch's QR images being stored); the caller then runs
 * PURCHASE_HELD, in a transaction that holds none of this statement's locks. This one must not
 * wait itself: `SKIP LOCKED` keeps the lock on a ticket it stepped onto that was sold after its
 * snapshot, and a statement that then waited for a ticket in sale order could close a cycle with
 * another that holds that ticket and waits for the stale one (docs/DECISIONS.md, "A purchase
 * waits in a statement of its own").
 */
export const PURCHASE_NEXT = purchaseStatement(
  "skip held",
  `(s.id IS NULL AND EXISTS (SELECT 1 FROM tickets t WHERE ${NEXT_FOR_SALE}))`,
);

/**
 * A purchase that found every unsold ticket held: waits for the first in sale order, then, if that
 * one was sold meanwhile, for the next. Only ever as the first statement of its transaction, or
 * after rolling back to a savepoint taken before PURCHASE_NEXT, so the only tickets it holds while
 * it waits are earlier ones in the same order: two waiting purchases never wait for each other.
 */
export const PURCHASE_HELD = purchaseStatement("wait for held", "false");

/** A batch purchase's parameters: one concert, each buyer's values as a list, and the rules. */
export type PurchaseBatchParams = {
  concert_id: string;
  buyer_id_list: string[];
  email_list: string[];
  sold_at_list: Date[];
} & typeof SALE_RULES;

/**
 * Many buyers without a per-buyer limit take the next unsold tickets of one concert in one
 * statement: what PURCHASE_NEXT does for each, in one round trip and one commit. The free tickets
 * (`SKIP LOCKED`, in sale order, as many as buyers) go to the buyers in the batch's order; only
 * those are answered (`ordinal`, from 1). A buyer left without one (tickets held by others, sold
 * out, the concert cancelled or unknown) buys again alone (purchaseAlone), which waits for a held
 * ticket or answers why. It waits on no ticket, so it closes no deadlock with another sale.
 */
export const PURCHASE_NEXT_BATCH = recordEventsWith<
  PurchaseBatchParams,
  typeof TicketSold,
  SoldFromRow
>(TicketSold, {
  with: `batch AS (
  SELECT * FROM unnest(:buyer_id_list::uuid[], :email_list::text[], :sold_at_list::timestamptz[])
           WITH ORDINALITY AS b(buyer_id, email, sold_at, ordinal)
),
${concertLocked(":concert_id::uuid")},
free AS MATERIALIZED (
  SELECT t.id, t.created_at, t.ticket_number FROM tickets t
   WHERE t.concert_id = :concert_id::uuid AND t.status = :unsold_status::text::"TicketStatus"
     AND EXISTS (SELECT 1 FROM concert WHERE status <> :cancelled::text)
   ORDER BY t.created_at, t.ticket_number
   LIMIT (SELECT count(*) FROM batch)
   FOR UPDATE OF t SKIP LOCKED
),
taken AS (
  SELECT id, row_number() OVER (ORDER BY created_at, ticket_number) AS ordinal FROM free
),
sold AS (${purchaseUpdate(fromBatch, "taken k JOIN batch b ON b.ordinal = k.ordinal, concert c", "t.id = k.id")}
  RETURNING b.ordinal, ${SOLD_COLUMNS}
)`,
  when: "sold",
  fromRow: SOLD_FROM_ROW,
  select: "SELECT s.*, true AS sold FROM sold s",
});

/**
 * Purchases of one buyer for one concert take turns on this lock (transaction-scoped) when a
 * limit applies, so simultaneous ones cannot together pass it; other buyers never wait.
 */
export const BUYER_LIMIT_LOCK = namedStatement<{ concert_id: string; buyer_id: string }>(`
SELECT pg_advisory_xact_lock(hashtextextended('buyer-limit:' || :concert_id::text || ':' || :buyer_id::text, 0))::text`);

/** A row of a batch sale: a sale of the batch (`ordinal`, from 1) that sold its ticket. */
export type SaleBatchRow = SaleRow & { ordinal: string | number };

/** One row of a sale statement: the ticket's fields (Ticket's names), and the outcome. */
export interface SaleRow {
  id: string | null;
  concertId: string;
  ticketNumber: string;
  status: TicketStatus;
  codeVersion: number;
  revision: number;
  ownerId: string | null;
  ownerEmail: string | null;
  buyerName: string | null;
  buyerEmail: string | null;
  buyerPhone: string | null;
  price: string | null;
  soldAt: Date | null;
  qrPng: Uint8Array | null;
  qrPngText: string | null;
  qrPngKey: string | null;
  createdAt: Date;
  updatedAt: Date;
  sold: boolean;
  /** Null: the concert is unknown. */
  concert_status: string | null;
  /** MARK_SOLD: the ticket's status as the statement saw it; null: no such ticket. */
  current_status?: string | null;
  /** PURCHASE_NEXT / PURCHASE_HELD: the buyer already holds the limit. */
  at_limit?: boolean;
  /** PURCHASE_NEXT: nothing sold, but other work held unsold tickets (run PURCHASE_HELD). */
  others_hold?: boolean;
}
