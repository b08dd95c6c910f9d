/**
 * Audit records the engine writes itself (not reported by a source): `PublicationIssued`, appended by
 * `kpi publish` under subject `stat:publications` when a set of figures is frozen into a publication. It binds
 * the publication file's digest to a log position, so an edited publication file no longer matches the log.
 * No indicator reads it: it is neither an entity fact nor a statistics report.
 */
import * as t from "io-ts";
import { defineFact } from "./defineFact.js";
import { codeOf, count, describe, field } from "./fields.js";
import { Position } from "./ids.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A SHA-256 digest written as 64 lower-case hexadecimal digits. */
export const Sha256Hex = field(
  t.refinement(t.string, (s) => SHA256_HEX.test(s), "Sha256Hex"),
  "a SHA-256 digest: 64 lower-case hexadecimal digits",
  { kind: "pattern", pattern: SHA256_HEX },
  ["3b5f0a8e9c1d2e4f60718293a4b5c6d7e8f9011223344556677889900aabbccd"],
);

const INDICATOR_LIST = /^[A-Z][A-Z0-9_]{1,63}(,[A-Z][A-Z0-9_]{1,63}){0,99}$/;
/** Indicator codes separated by commas, e.g. `DE_GRDP,PAYMENT_ACCT_15`. */
export const IndicatorList = field(
  t.refinement(t.string, (s) => INDICATOR_LIST.test(s), "IndicatorList"),
  '1 to 100 indicator codes separated by commas, e.g. "DE_GRDP,PAYMENT_ACCT_15"',
  { kind: "pattern", pattern: INDICATOR_LIST },
  ["DE_GRDP,PAYMENT_ACCT_15", "OCOP_ONLINE"],
);

export const PublicationIssued = defineFact({
  type: "PublicationIssued",
  subject: "stat",
  family: "Audit",
  summary: "The engine froze a set of figures into a publication (written by `kpi publish`, not by a source).",
  meaning:
    "None: no indicator reads it. `kpi verify` looks the publication up by its id and checks that the file's digest is the one recorded in the log. The engine writes it with the subject `stat:publications`.",
  required: {
    publicationId: codeOf("a publication id", ["pub-20260115T080000Z-3f9a2c"]),
    digest: Sha256Hex,
    position: describe(Position, Position.expected, [120000, 17301844]),
    figures: count,
    indicators: IndicatorList,
  },
  docs: {
    publicationId: "the publication's id (its file is `<id>.json`)",
    digest: "SHA-256 of the publication's canonical JSON without its digest field (docs/audit.md)",
    position: "the log position every figure of the publication is computed as known at",
    figures: "how many figures it holds",
    indicators: "the indicator codes it covers, in alphabetical order",
  },
});

export const publicationFacts = [PublicationIssued] as const;
