import type { KeyObject } from "node:crypto";
import { concertHandlers } from "./concert.handlers.js";
import { ticketHandlers } from "./ticket.handlers.js";
import { userHandlers } from "./user.handlers.js";

/**
 * Every event ticketing consumes, each with a durable consumer of its own; `key` signs the codes
 * some of them issue.
 */
export const ticketingEventHandlers = (key: KeyObject) => [
  ...concertHandlers,
  ...userHandlers,
  ...ticketHandlers(key),
];
