/**
 * What the routes of figures put in an SDMX message, with the SDMX REST API's `updatedAfter` and
 * `includeHistory`:
 *
 * - neither: the figures the route answers (current, or as of `asOf`), one data set;
 * - `updatedAfter=T`: only the figures that changed in a vintage on or after T's UTC day (vintages are recording
 *   days, so a change earlier on that day is included too), with their current values;
 * - `includeHistory=true`: every vintage of each figure (the days on which it changed), one data set per
 *   vintage with its `validFrom`; with `updatedAfter`, the vintages from T's day on.
 *
 * Vintages are read as the warehouse published them that day (`figuresAsOf` with a day: small cells withheld
 * by the rule of that day's figures), so history never shows what the current answer would withhold.
 * History reads are as-of reads: the routes limit them per client, and they do not combine with `asOf`.
 */

import type { CatalogIndicator } from "@kpi/reference";
import * as E from "fp-ts/lib/Either.js";
import type { ApiContext } from "../context.js";
import { fail } from "../errors.js";
import type { Figure } from "../figures.js";
import { type View, viewFigures } from "../publications.js";
import type { FigureRow } from "../routes/figureTable.js";
import type { SdmxDataSet } from "./sdmxMessages.js";

export interface SdmxQuery {
  readonly updatedAfter?: string;
  readonly includeHistory?: boolean;
  readonly asOf?: string;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The querystring properties the routes of figures add for SDMX. */
export const sdmxQueryProperties = {
  updatedAfter: {
    type: "string",
    pattern: INSTANT.source,
    description:
      "SDMX REST: only figures revised since this instant (ISO 8601, e.g. 2025-03-02T00:00:00Z; vintages are UTC recording days)",
  },
  includeHistory: {
    type: "boolean",
    description: "SDMX REST: every vintage of each figure, one data set per vintage (validFrom)",
  },
} as const;

const key = (f: Figure) => `${f.geo}\u0000${f.breakdown}\u0000${f.year}`;
const signature = (f: Figure) =>
  JSON.stringify([f.value, f.numerator, f.denominator, f.status, f.suppressed, f.withheld]);

/** The UTC day of an `updatedAfter` instant, or a 400 when it is not a real instant. */
const sinceDay = (updatedAfter: string): string => {
  const d = new Date(updatedAfter);
  const [y, m, dd] = updatedAfter.slice(0, 10).split("-").map(Number) as [number, number, number];
  const calendarDay = new Date(Date.UTC(y, m - 1, dd)).toISOString().slice(0, 10) === updatedAfter.slice(0, 10);
  if (!INSTANT.test(updatedAfter) || Number.isNaN(d.getTime()) || !calendarDay) {
    return fail({
      _tag: "InvalidRequest",
      message: `updatedAfter ${JSON.stringify(updatedAfter)} is not an instant; send ISO 8601, e.g. 2025-03-02T00:00:00Z`,
    });
  }
  return d.toISOString().slice(0, 10);
};

/** The data sets of an SDMX answer (see the module comment). */
export const sdmxDataSets = async (
  ctx: ApiContext,
  entry: CatalogIndicator,
  current: readonly Figure[],
  inSlice: (f: Figure) => boolean,
  toRow: (f: Figure) => FigureRow,
  q: SdmxQuery,
  view: View,
): Promise<SdmxDataSet[]> => {
  const history = q.includeHistory === true;
  if (!history && q.updatedAfter === undefined) return [{ validFrom: null, rows: current.map(toRow) }];
  if (q.asOf !== undefined) {
    return fail({
      _tag: "InvalidRequest",
      message: "asOf does not combine with updatedAfter or includeHistory; ask for the history, or one state",
    });
  }
  const since = q.updatedAfter === undefined ? undefined : sinceDay(q.updatedAfter);
  const last = new Map<string, string>();
  const changedSince = new Set<string>();
  const vintages: SdmxDataSet[] = [];
  for (const day of await ctx.live.vintages(entry.code)) {
    const r = await ctx.live.figuresAsOf(entry, { date: day });
    if (E.isLeft(r)) return fail(r.left);
    const changed: Figure[] = [];
    for (const figures of viewFigures(view, r.right.figures).byYear.values()) {
      for (const f of figures) {
        if (!inSlice(f)) continue;
        const k = key(f);
        const sig = signature(f);
        if (last.get(k) === sig) continue;
        last.set(k, sig);
        changed.push(f);
        if (since !== undefined && day >= since) changedSince.add(k);
      }
    }
    if (history && changed.length > 0 && (since === undefined || day >= since)) {
      vintages.push({ validFrom: `${day}T00:00:00Z`, rows: changed.map(toRow) });
    }
  }
  if (history) return vintages.length > 0 ? vintages : [{ validFrom: null, rows: [] }];
  return [{ validFrom: null, rows: current.filter((f) => changedSince.has(key(f))).map(toRow) }];
};
