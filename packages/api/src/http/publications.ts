/**
 * Publications as the API sees them, and the embargo they put on figures.
 *
 * - The registry reads the publication files of `DIR/publications` (`kpi publish`, or POST
 *   /v1/operator/publications) at start and after each publish; a file that does not decode is skipped and named.
 * - Embargo: a publication with a `releaseAt` still to come holds its figures (indicator × geography × year ×
 *   breakdown) back from the public: every read of figures — current, as of a position or a day, SDMX history,
 *   JSON, CSV, Arrow, SDMX, hence the dashboard — goes through `viewFor`, which leaves them out unless the
 *   request carries a pre-release token (`"prerelease": true` in KPI_API_TOKENS). At `releaseAt` they appear.
 * - Link: a served figure names the latest released publication that holds it with the same value
 *   (`publication`); a figure revised since then names none.
 * - Answers depend on the view: its `tag` (pre-release, or the set of publications still embargoed) enters the
 *   ETag (`representation.ts`), so a cached public answer is never served to a pre-release reader or after a
 *   release.
 */
import { createHash } from "node:crypto";
import { isReleased, nextRelease, type Publication, readPublications, sameValue } from "@kpi/projections";
import type { FastifyRequest } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import type { ApiConfig } from "./apiConfig.js";
import { authenticate } from "./auth.js";
import type { Figure } from "./figures.js";
import type { IndicatorFigures, ReadModel } from "./readModel.js";

const cell = (indicator: string, geo: string, year: number, breakdown: string) =>
  `${indicator}\u0000${geo}\u0000${year}\u0000${breakdown}`;

export interface PublicationSummary {
  readonly id: string;
  readonly createdAt: string;
  readonly releaseAt: string | null;
  readonly released: boolean;
  readonly position: number;
  readonly digest: string;
  /** The signer's key id (SHA-256 of its public key), or null when unsigned. */
  readonly keyId: string | null;
  readonly figures: number;
  readonly indicators: readonly string[];
}

interface Entry {
  readonly publication: Publication;
  readonly text: string;
  /** cell → published value */
  readonly values: ReadonlyMap<string, number | null>;
}

export class PublicationRegistry {
  private entries: Entry[] = [];
  /** Files that did not decode, with why (shown by GET /v1/health's operators, and in tests). */
  skipped: string[] = [];

  /** Told after each reload (a publish may bring a release time to wait for). */
  onReload: (() => void) | undefined;

  constructor(readonly dir: string | undefined) {
    this.reload();
  }

  /** Reads the folder again (after a publish). */
  reload(): void {
    const folder = readPublications(this.dir);
    this.entries = folder.publications.map(({ publication: p, text }) => ({
      publication: p,
      text,
      values: new Map(p.figures.map((f) => [cell(f.indicator, f.geo, f.year, f.breakdown), f.value])),
    }));
    this.skipped = [...folder.skipped];
    this.onReload?.();
  }

  /** The first release time after `now` of a publication still under embargo, if any. */
  nextRelease(now: Date): Date | undefined {
    return nextRelease(this.entries, now);
  }

  /** The publications a reader may see, oldest first. */
  list(now: Date, prerelease: boolean): PublicationSummary[] {
    return this.entries
      .filter((e) => prerelease || isReleased(e.publication, now))
      .map(({ publication: p }) => ({
        id: p.id,
        createdAt: p.createdAt,
        releaseAt: p.releaseAt ?? null,
        released: isReleased(p, now),
        position: p.position,
        digest: p.digest,
        keyId: p.signature?.keyId ?? null,
        figures: p.figures.length,
        indicators: Object.keys(p.catalogDefinitions).sort(),
      }));
  }

  /** A publication file's text, if the reader may see it. */
  file(id: string, now: Date, prerelease: boolean): string | undefined {
    const e = this.entries.find((x) => x.publication.id === id);
    return e !== undefined && (prerelease || isReleased(e.publication, now)) ? e.text : undefined;
  }

  /** What a reader sees at `now` (see the module comment). */
  view(now: Date, prerelease: boolean): View {
    const embargoed = this.entries.filter((e) => !isReleased(e.publication, now));
    const hidden = new Set<string>();
    if (!prerelease) for (const e of embargoed) for (const k of e.values.keys()) hidden.add(k);
    const visible = this.entries.filter((e) => prerelease || isReleased(e.publication, now));
    const tag = prerelease
      ? "pre"
      : embargoed.length === 0
        ? "pub"
        : `emb${createHash("sha1")
            .update(embargoed.map((e) => e.publication.id).join(","))
            .digest("hex")
            .slice(0, 8)}`;
    return { tag, prerelease, hidden, linked: visible };
  }
}

export interface View {
  /** Enters the ETag. */
  readonly tag: string;
  readonly prerelease: boolean;
  /** Cells held back. */
  readonly hidden: ReadonlySet<string>;
  /** The publications whose figures may be linked, oldest first. */
  readonly linked: readonly {
    readonly publication: Publication;
    readonly values: ReadonlyMap<string, number | null>;
  }[];
}

/** Leaves out held-back figures and names the publication of each other one (see the module comment). */
const applyView = (view: View, figures: readonly Figure[]): Figure[] => {
  const out: Figure[] = [];
  for (const f of figures) {
    const k = cell(f.indicator, f.geo, f.year, f.breakdown);
    if (view.hidden.has(k)) continue;
    let publication: string | null = null;
    for (let i = view.linked.length - 1; i >= 0; i--) {
      const e = view.linked[i];
      if (e === undefined || !e.values.has(k)) continue;
      // withheld figures are not in publications; a published value must still be the one served
      if (!f.suppressed && sameValue(e.values.get(k) ?? null, f.value)) publication = e.publication.id;
      break;
    }
    out.push(f.publication === publication ? f : { ...f, publication });
  }
  return out;
};

export const viewFigures = (view: View, figures: IndicatorFigures): IndicatorFigures => {
  const byGeo = new Map<string, Figure[]>();
  const byYear = new Map<number, Figure[]>();
  for (const [geo, list] of figures.byGeo) byGeo.set(geo, applyView(view, list));
  for (const [year, list] of figures.byYear) byYear.set(year, applyView(view, list));
  return { byGeo, byYear };
};

const views = new WeakMap<FastifyRequest, View>();
const models = new WeakMap<ReadModel, Map<string, ReadModel>>();

/** Whether the request carries a known token with pre-release access. */
export const hasPrerelease = (config: ApiConfig, request: FastifyRequest): boolean => {
  const r = authenticate(config, request.headers.authorization);
  return E.isRight(r) && r.right?.prerelease === true;
};

/** The request's view (computed once per request). */
export const viewOf = (
  ctx: { readonly config: ApiConfig; readonly publications: PublicationRegistry; readonly now: () => Date },
  request: FastifyRequest,
): View => {
  let v = views.get(request);
  if (v === undefined) {
    v = ctx.publications.view(ctx.now(), hasPrerelease(ctx.config, request));
    views.set(request, v);
  }
  return v;
};

/** The view's tag for a request that took one, for its ETag. */
export const viewTagOf = (request: FastifyRequest): string | undefined => views.get(request)?.tag;

/** The read model as the request may see it (cached per model and view). */
export const modelFor = (
  ctx: {
    readonly config: ApiConfig;
    readonly publications: PublicationRegistry;
    readonly now: () => Date;
    readonly live: { readonly current: ReadModel };
  },
  request: FastifyRequest,
): ReadModel => {
  const view = viewOf(ctx, request);
  const model = ctx.live.current;
  let byTag = models.get(model);
  if (byTag === undefined) {
    byTag = new Map();
    models.set(model, byTag);
  }
  const key = `${view.tag}|${view.linked.map((e) => e.publication.id).join(",")}`;
  let seen = byTag.get(key);
  if (seen === undefined) {
    seen = {
      ...model,
      figures: new Map([...model.figures].map(([code, figs]) => [code, viewFigures(view, figs)])),
    };
    byTag.set(key, seen);
  }
  return seen;
};
