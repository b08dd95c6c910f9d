/** Corrections: a fact is never edited; a retraction names the event that no longer counts. */
import { defineFact } from "./defineFact.js";
import { text } from "./fields.js";
import { FactId } from "./ids.js";

export const FactRetracted = defineFact({
  type: "FactRetracted",
  subject: "any",
  family: "Corrections",
  summary: "An earlier fact is withdrawn by its source.",
  meaning:
    "The named event no longer counts, from this position on; it stays in the log. The retraction's subject must be the retracted fact's subject (any kind), so it lands in the same stream. Its source must be the retracted fact's source: a source retracts only its own facts, unless the operator granted it more (KPI_RETRACTION_GRANTS, e.g. the statistics office correcting a wrong load). A fact is retracted once; a second retraction of it is refused. A retraction naming a fact the sender may not see is refused as naming an unknown one.",
  required: { eventId: FactId, reason: text(500, ["reported twice", "wrong commune code", "entered in error"]) },
  docs: { eventId: "the id of the fact withdrawn", reason: "why, in words" },
});

export const correctionFacts = [FactRetracted] as const;
