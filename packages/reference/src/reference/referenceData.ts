/**
 * The communes and the crosswalk loaded together and checked against each other: every crosswalk row points at
 * a commune with the same name, type and resolution clause; every commune's own code is the code of one of its
 * old units (codes were reused); a fully merged old unit has one row, a split one exactly two. `referenceData()`
 * loads the shipped files once and throws if they fail these checks (a broken shipped file is a bug, not input).
 */
import * as E from "fp-ts/lib/Either.js";
import { type Commune, loadCommunes } from "./communes.js";
import { type CrosswalkRow, loadCrosswalk } from "./crosswalk.js";
import { formatReferenceDataError, type ReferenceDataError, type RowProblem, referenceDataError } from "./csvRows.js";

export interface ReferenceData {
  readonly communes: readonly Commune[];
  readonly crosswalk: readonly CrosswalkRow[];
}

/** Problems between the two files, as data (empty when they agree). */
export const checkReference = (communes: readonly Commune[], crosswalk: readonly CrosswalkRow[]): RowProblem[] => {
  const problems: RowProblem[] = [];
  const byCode = new Map(communes.map((c) => [c.code as string, c]));
  const rowsTo = new Map<string, CrosswalkRow[]>();
  const rowsFrom = new Map<string, CrosswalkRow[]>();
  for (const r of crosswalk) {
    const c = byCode.get(r.new.code);
    if (c === undefined) {
      problems.push({ line: r.line, column: "new_commune_code", reason: `${r.new.code} is not a current commune` });
      continue;
    }
    if (c.name !== r.new.name) {
      problems.push({ line: r.line, column: "new_commune_name", reason: `${r.new.name} ≠ ${c.name}` });
    }
    if (c.type !== r.new.type) {
      problems.push({ line: r.line, column: "new_commune_type", reason: `${r.new.type} ≠ ${c.type}` });
    }
    if (c.resolutionClause !== r.resolutionClause) {
      problems.push({
        line: r.line,
        column: "resolution_clause",
        reason: `${r.resolutionClause} ≠ ${c.resolutionClause} of ${c.code}`,
      });
    }
    rowsTo.set(r.new.code, [...(rowsTo.get(r.new.code) ?? []), r]);
    rowsFrom.set(r.old.code, [...(rowsFrom.get(r.old.code) ?? []), r]);
  }
  for (const c of communes) {
    const rows = rowsTo.get(c.code) ?? [];
    if (rows.length !== c.nOldUnits) {
      problems.push({
        line: c.line,
        column: "n_old_units",
        reason: `${c.nOldUnits} but the crosswalk has ${rows.length} rows`,
      });
    }
    if (!rows.some((r) => r.old.code === c.code)) {
      problems.push({
        line: c.line,
        column: "commune_code",
        reason: `${c.code} is not the code of any of its old units`,
      });
    }
  }
  for (const [code, rows] of rowsFrom) {
    const first = rows[0];
    if (first === undefined) continue;
    const want = first.mergeType === "full" ? 1 : 2;
    if (rows.length !== want || rows.some((r) => r.mergeType !== first.mergeType)) {
      problems.push({
        line: first.line,
        column: "merge_type",
        reason: `old unit ${code} has ${rows.length} rows (${rows.map((r) => r.mergeType).join(", ")}); a full merge has 1, a split 2`,
      });
    }
    if (rows.some((r) => r.old.name !== first.old.name || r.old.districtCode !== first.old.districtCode)) {
      problems.push({
        line: first.line,
        column: "old_commune_name",
        reason: `old unit ${code} is described differently`,
      });
    }
  }
  return problems;
};

/** Load both files and check them against each other. */
export const loadReferenceData = (): E.Either<ReferenceDataError, ReferenceData> => {
  const communes = loadCommunes();
  if (E.isLeft(communes)) return communes;
  const crosswalk = loadCrosswalk();
  if (E.isLeft(crosswalk)) return crosswalk;
  const problems = checkReference(communes.right, crosswalk.right);
  return problems.length > 0
    ? E.left(referenceDataError("communes × crosswalk", problems))
    : E.right({ communes: communes.right, crosswalk: crosswalk.right });
};

let cached: ReferenceData | undefined;

/** The shipped reference data, loaded and checked once per process; throws if the shipped files are broken. */
export const referenceData = (): ReferenceData => {
  if (cached === undefined) {
    const r = loadReferenceData();
    if (E.isLeft(r)) throw new Error(`reference data is invalid: ${formatReferenceDataError(r.left)}`);
    cached = r.right;
  }
  return cached;
};
