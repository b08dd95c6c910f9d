/**
 * The publications folder as every reader of figures sees it, and the embargo it puts on them: a publication
 * with a `releaseAt` still to come holds its cells (indicator × geography × year × breakdown) back from the
 * public until then. One rule, read by the API (`PublicationRegistry`) and by what the warehouse writes for the
 * public — the snapshot for any DuckDB client and `kpi export` — so none of them shows a figure before its release.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { decodePublication, describePublicationError, type Publication } from "./publication.js";

export interface StoredPublication {
  readonly publication: Publication;
  /** The file's text, as served. */
  readonly text: string;
}

export interface PublicationFolder {
  /** Every publication that decodes, oldest position first. */
  readonly publications: readonly StoredPublication[];
  /** Files that did not decode, each with why. */
  readonly skipped: readonly string[];
}

/** Reads the publication files (`*.json`, not hidden) of `dir`; a missing folder holds none. */
export const readPublications = (dir: string | undefined): PublicationFolder => {
  const publications: StoredPublication[] = [];
  const skipped: string[] = [];
  if (dir !== undefined && existsSync(dir)) {
    for (const name of readdirSync(dir).filter((n) => /^[^.].*\.json$/.test(n))) {
      const text = readFileSync(join(dir, name), "utf8");
      const d = decodePublication(text);
      if (E.isLeft(d)) skipped.push(`${name}: ${describePublicationError(d.left)}`);
      else publications.push({ publication: d.right.publication, text });
    }
  }
  publications.sort((a, b) => a.publication.position - b.publication.position);
  return { publications, skipped };
};

/** Whether a publication is out at `now`: it has no release time, or that time has come. */
export const isReleased = (p: Publication, now: Date): boolean =>
  p.releaseAt === undefined || Date.parse(p.releaseAt) <= now.getTime();

/** The first release time after `now` of a publication still under embargo, if any (when the public view changes). */
export const nextRelease = (publications: readonly StoredPublication[], now: Date): Date | undefined => {
  const upcoming = publications.flatMap(({ publication: p }) =>
    p.releaseAt !== undefined && Date.parse(p.releaseAt) > now.getTime() ? [Date.parse(p.releaseAt)] : [],
  );
  return upcoming.length === 0 ? undefined : new Date(Math.min(...upcoming));
};

/** A cell of the indicator cube. */
export interface Cell {
  readonly indicator: string;
  readonly geo: string;
  readonly year: number;
  readonly breakdown: string;
}

/** The cells held back from the public at `now`: those of every publication not yet released. */
export const heldCells = (publications: readonly StoredPublication[], now: Date): Cell[] => {
  const seen = new Set<string>();
  const out: Cell[] = [];
  for (const { publication: p } of publications) {
    if (isReleased(p, now)) continue;
    for (const f of p.figures) {
      const k = `${f.indicator}\u0000${f.geo}\u0000${f.year}\u0000${f.breakdown}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ indicator: f.indicator, geo: f.geo, year: f.year, breakdown: f.breakdown });
    }
  }
  return out;
};
