/**
 * The publication file: figures frozen as known at one log position, with what an auditor needs to recompute
 * them without trusting the server — the position and the chain hash there, the digest of the reference data
 * that resolves commune codes, the definition of every indicator as it was used, and per figure its numerator,
 * denominator, value, definition hash and the digest of its contributing events (`contribution.ts`).
 *
 * `digest` = SHA-256 (lower-case hex) of the RFC 8785 canonical JSON of the file's top-level object without
 * its `digest` and `signature` members; layout and key order of the file do not matter, any change of content does. Numerators
 * and denominators are decimal strings (`"1234"`, `"98765.432"`, no trailing zeros) because they are exact in
 * the warehouse (counts BIGINT, amounts DECIMAL(20,3)) and may exceed what a double holds exactly; values are
 * JSON numbers (doubles). A count reads the same whether it was stored as DECIMAL (before counts were integers)
 * or BIGINT, so publications of either time share this format (`oldPublication.int.spec.ts`).
 *
 * Optional members: `releaseAt`, the announced release time (figures under embargo until then, part of the
 * digest), and `signature`, the office's Ed25519 signature of the digest (`signature.ts`).
 *
 * Decoding is structural only: a figure whose numbers or definition were edited still decodes, and
 * `verifyPublication` reports it as a mismatch.
 */
import { createHash, type KeyObject } from "node:crypto";
import { canonicalJson, Definition, type FieldError, fieldErrors, IndicatorCode, Position, Sha256Hex } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { PublicationSignature, signDigest } from "./signature.js";

export const PUBLICATION_FORMAT = "kpi-publication/1";

export interface PublicationIdBrand {
  readonly PublicationId: unique symbol;
}
const PUBLICATION_ID = /^pub-[A-Za-z0-9._-]{1,60}$/;
/** `pub-` and up to 60 letters, digits, '.', '_' or '-' (also a valid fact id and file name). */
export const PublicationId = t.brand(
  t.string,
  (s: string): s is t.Branded<string, PublicationIdBrand> => PUBLICATION_ID.test(s),
  "PublicationId",
);
export type PublicationId = t.TypeOf<typeof PublicationId>;

export interface DecimalStringBrand {
  readonly DecimalString: unique symbol;
}
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/;
/** An exact decimal number in its shortest form: no leading zeros, no trailing zeros after the point. */
export const DecimalString = t.brand(
  t.string,
  (s: string): s is t.Branded<string, DecimalStringBrand> => DECIMAL.test(s) && s !== "-0",
  "DecimalString",
);
export type DecimalString = t.TypeOf<typeof DecimalString>;

/** The shortest form of a decimal as DuckDB writes a DECIMAL (`"12.500"` → `"12.5"`, `"7.000"` → `"7"`). */
export const normalizeDecimal = (s: string): DecimalString => {
  const m = /^(-?)0*(\d*?)(?:\.(\d*?)0*)?$/.exec(s.trim());
  if (m === null) throw new RangeError(`not a decimal: ${s}`);
  const int = m[2] === "" ? "0" : (m[2] as string);
  const frac = m[3] ?? "";
  const sign = int === "0" && frac === "" ? "" : (m[1] as string);
  const out = `${sign}${int}${frac === "" ? "" : `.${frac}`}`;
  if (!DecimalString.is(out)) throw new RangeError(`not a decimal: ${s}`);
  return out;
};

const GEO = /^(province|\d{5})$/;
/** `province`, or the 5-digit code of a current commune. */
export const Geo = t.refinement(t.string, (s) => GEO.test(s), "Geo");

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const IsoInstant = t.refinement(t.string, (s) => ISO_INSTANT.test(s), "IsoInstant");

const NonNegativeInt = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, "NonNegativeInt");

/** The digest of a figure's contributing events: how many, and their Merkle root (`merkle.ts`). */
export const Contribution = t.strict({ events: NonNegativeInt, merkleRoot: Sha256Hex });
export type Contribution = t.TypeOf<typeof Contribution>;

export const PublishedFigure = t.strict({
  indicator: IndicatorCode,
  geo: Geo,
  year: t.Int,
  /** '' unless the indicator is broken down `by` a field (e.g. a VSIC section). */
  breakdown: t.string,
  numerator: t.union([DecimalString, t.null]),
  denominator: t.union([DecimalString, t.null]),
  value: t.union([t.number, t.null]),
  definitionHash: Sha256Hex,
  contribution: Contribution,
});
export type PublishedFigure = t.TypeOf<typeof PublishedFigure>;

const PUBLICATION_FIELDS = {
  format: t.literal(PUBLICATION_FORMAT),
  id: PublicationId,
  createdAt: IsoInstant,
  /** Every figure is as known at this log position. */
  position: Position,
  /** The chain hash of the event at `position`: the log prefix the figures were computed from. */
  chainHead: Sha256Hex,
  /** SHA-256 of the commune-code resolution the warehouse used (`referenceDigest`). */
  reference: Sha256Hex,
  /** The definition of every indicator published, as used (keys: indicator codes). */
  catalogDefinitions: t.record(t.string, Definition),
  figures: t.array(PublishedFigure),
};
const UnsealedPublication = t.exact(t.intersection([t.type(PUBLICATION_FIELDS), t.partial({ releaseAt: IsoInstant })]));
export type UnsealedPublication = t.TypeOf<typeof UnsealedPublication>;

/** A sealed publication: its fields and `digest`, and the signature when it is signed. */
export const Publication = t.exact(
  t.intersection([
    t.type({ ...PUBLICATION_FIELDS, digest: Sha256Hex }),
    t.partial({ releaseAt: IsoInstant, signature: PublicationSignature }),
  ]),
);
export type Publication = t.TypeOf<typeof Publication>;

export type PublicationError =
  | { readonly _tag: "PublicationUnreadable"; readonly reason: string }
  | { readonly _tag: "PublicationInvalid"; readonly errors: readonly FieldError[] };

export const describePublicationError = (e: PublicationError): string =>
  e._tag === "PublicationUnreadable"
    ? `the publication cannot be read: ${e.reason}`
    : `the publication is not a valid ${PUBLICATION_FORMAT} document: ${e.errors
        .slice(0, 5)
        .map((x) => `${x.field}: ${x.reason}`)
        .join("; ")}${e.errors.length > 5 ? ` (and ${e.errors.length - 5} more)` : ""}`;

/** SHA-256 of the canonical JSON of a publication's JSON object without its `digest` and `signature` members. */
export const digestOfJson = (json: Readonly<Record<string, unknown>>): string => {
  const { digest: _ignored, signature: _signature, ...rest } = json;
  return createHash("sha256").update(canonicalJson(rest), "utf8").digest("hex");
};

/** The publication with its digest. */
export const sealPublication = (p: UnsealedPublication): Publication => ({
  ...p,
  digest: digestOfJson(JSON.parse(JSON.stringify(p)) as Record<string, unknown>),
});

/** The publication signed with the office's private key (Ed25519 over its digest). */
export const signPublication = (p: Publication, privateKey: KeyObject): Publication => ({
  ...p,
  signature: signDigest(p.digest, privateKey),
});

/** The file's text: indented JSON (the digest does not depend on layout). */
export const encodePublication = (p: Publication): string => `${JSON.stringify(p, null, 2)}\n`;

export interface DecodedPublication {
  readonly publication: Publication;
  /** The digest of the file's content as read; differs from `publication.digest` when the file was edited. */
  readonly computedDigest: string;
}

/** Parses and decodes a publication file's text. */
export const decodePublication = (text: string): E.Either<PublicationError, DecodedPublication> => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left({ _tag: "PublicationUnreadable", reason: e instanceof Error ? e.message : String(e) });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return E.left({ _tag: "PublicationInvalid", errors: [{ field: "(publication)", reason: "expected an object" }] });
  }
  const r = Publication.decode(json);
  if (E.isLeft(r)) {
    // the codec is an intersection (required and optional members): its member index is not a field
    const errors = fieldErrors(r.left).map((x) => ({ ...x, field: x.field.replace(/^[01]\./, "") }));
    return E.left({ _tag: "PublicationInvalid", errors });
  }
  return E.right({ publication: r.right, computedDigest: digestOfJson(json as Record<string, unknown>) });
};
