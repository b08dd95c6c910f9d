/**
 * The auditor's commands (docs/audit.md): `publish` freezes figures into a publication file and a
 * `PublicationIssued` fact; `verify` checks a publication against a copy of the log in a fresh DuckDB;
 * `explain` lists the facts behind a figure and how it moved; `export-log` writes the copy an auditor takes
 * away. Each returns an exit code: 0 done (verified), 1 refused, failed or not verified.
 */
import { createHash, type KeyObject } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { EventLog } from "@kpi/core";
import {
  type AsOf,
  checkChainFrom,
  describeCheckpointUse,
  describeExplainError,
  describeExportLogError,
  describeKeyFileError,
  describePublishError,
  describeSignatureCheck,
  describeVerifyError,
  type Explanation,
  type ExportedLog,
  type ExportLogError,
  explainFigure,
  exportLog,
  type FactList,
  type PublishLevel,
  publishFigures,
  readPrivateKey,
  readPublicKey,
  type VerifyReport,
  verifyPublication,
} from "@kpi/projections";
import * as E from "fp-ts/lib/Either.js";
import type { Config } from "../config.js";
import { nothingKnownAt, ownWarehouse, type WarehouseAccess } from "./warehouseCommands.js";

const n = (x: number) => x.toLocaleString("en-US");
const seconds = (s: number) => `${s.toFixed(2)} s`;

export interface PublishCommandOptions {
  readonly years?: readonly number[];
  readonly indicators?: readonly string[];
  readonly level: PublishLevel;
  /** The file to write (default: DIR/publications/<id>.json). */
  readonly file?: string;
  /** The announced release time: the figures are under embargo until then. */
  readonly releaseAt?: Date;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly access?: WarehouseAccess;
}

/**
 * `kpi publish [--year Y] [--indicator CODE]... [--level province|commune|all] [--release-at TIME] [--out FILE]`;
 * signed with the key `KPI_PUBLICATION_KEY` names (read here, before any work), unsigned without one.
 */
export const publishCommand = async (config: Config, o: PublishCommandOptions): Promise<number> => {
  let signingKey: KeyObject | undefined;
  if (config.publicationKeyFile !== undefined) {
    const k = readPrivateKey(config.publicationKeyFile);
    if (E.isLeft(k)) {
      o.err.write(`kpi publish: KPI_PUBLICATION_KEY: ${describeKeyFileError(k.left)}\n`);
      return 1;
    }
    signingKey = k.right;
  }
  const started = performance.now();
  let said = started;
  return (o.access ?? ownWarehouse(config)).use(async (w) => {
    const r = await publishFigures(w, {
      // a long publish (a whole year at province scale) says how far it is, every 10 s; a short one says nothing
      onProgress: (p) => {
        const now = performance.now();
        if (now - said < 10_000 || p.done === p.total) return;
        said = now;
        o.err.write(
          `kpi publish: contributing events hashed for ${n(p.done)} of ${n(p.total)} indicator-years (last ${p.indicator} ${p.year}), ${seconds((now - started) / 1000)}\n`,
        );
      },
      dir: join(config.dataDir, "publications"),
      level: o.level,
      ...(signingKey === undefined ? {} : { signingKey }),
      ...(o.releaseAt === undefined ? {} : { releaseAt: o.releaseAt }),
      ...(o.file === undefined ? {} : { out: o.file }),
      ...(o.years === undefined ? {} : { years: o.years }),
      ...(o.indicators === undefined ? {} : { indicators: o.indicators }),
    });
    if (E.isLeft(r)) {
      o.err.write(`kpi publish: ${describePublishError(r.left)}\n`);
      return 1;
    }
    const p = r.right.publication;
    const years = [...new Set(p.figures.map((f) => f.year))].sort((a, b) => a - b);
    o.out.write(
      [
        `Published ${p.id}: ${n(p.figures.length)} figures of ${n(Object.keys(p.catalogDefinitions).length)} indicators (${years.join(", ")}; ${o.level}) as known at log position ${n(p.position)}`,
        `  file      ${r.right.file}`,
        `  digest    ${p.digest}`,
        `  signed    ${
          p.signature === undefined
            ? "NO: set KPI_PUBLICATION_KEY to the office's Ed25519 key (docs/audit.md) to sign publications"
            : `Ed25519, key ${p.signature.keyId}`
        }`,
        `  release   ${p.releaseAt ?? "at once (no embargo)"}`,
        `  recorded  PublicationIssued at log position ${n(r.right.eventPosition)}`,
        `  time      ${seconds(r.right.seconds)}`,
        "",
      ].join("\n"),
    );
    return 0;
  });
};

const ok = (b: boolean) => (b ? "ok" : "FAILED");

const differenceText = (f: VerifyReport["figures"][number]): string =>
  f.differences
    .map(
      (d) =>
        `${d.field}: published ${d.published}, recomputed ${d.recomputed}${
          d.difference === undefined ? "" : ` (difference ${d.difference})`
        }`,
    )
    .join("; ");

const figureName = (f: VerifyReport["figures"][number]): string =>
  `${f.indicator} ${f.geo} ${f.year}${f.breakdown === "" ? "" : ` ${f.breakdown}`}`;

/**
 * The report: the summary first (signature, figures matched, each mismatch with its difference, the head of the
 * copy verified), then the other checks and the verdict; each figure only with `verbose`.
 */
export const formatVerifyReport = (r: VerifyReport, verbose = false): string => {
  const mismatches = r.figures.filter((f) => f.status === "mismatch");
  const lines = [
    `Publication ${r.publicationId}: ${n(r.figures.length)} figures as known at log position ${n(r.position)}`,
    `  signature        ${
      r.signature._tag === "Valid"
        ? `ok: ${describeSignatureCheck(r.signature)}`
        : r.signature.keyId === null
          ? "NOT CHECKED: the publication is not signed"
          : `NOT CHECKED: signed by key ${r.signature.keyId}; give --public-key FILE (the office's public key, obtained apart from the file) to check it`
    }`,
    `  figures          ${n(r.matched)} match, ${n(r.mismatched)} mismatch`,
    ...mismatches.slice(0, 20).map((f) => `    ${figureName(f)}: ${differenceText(f)}`),
    ...(mismatches.length > 20 ? [`    … and ${n(mismatches.length - 20)} more (--verbose lists every figure)`] : []),
    `  copy verified    head position ${n(r.log.head)}, chain hash ${r.log.headHash ?? "(empty log)"}`,
    "                   (compare with the head hash the office stated when it exported the log)",
    `  release          ${r.releaseAt ?? "not announced (released when published)"}`,
    `  file digest      ${ok(r.digest.ok)}${r.digest.ok ? "" : ` (the file says ${r.digest.stated}, its content hashes to ${r.digest.computed})`}`,
    `  recorded in log  ${
      r.logged.found
        ? `${ok(r.logged.ok)} (PublicationIssued at position ${n(r.logged.position)}${r.logged.ok ? "" : `, digest ${r.logged.digest}`})`
        : "FAILED (no PublicationIssued with this id in the log)"
    }`,
    `  hash chain       ${
      r.log.firstBad === undefined
        ? `ok: ${n(r.log.checked)} events${r.log.checkpoint._tag === "Used" ? ` after position ${n(r.log.checkpoint.position)}` : ""}, head ${n(r.log.head)}`
        : `BROKEN at position ${n(r.log.firstBad.position)}: ${r.log.firstBad.reason}`
    }`,
    `  checkpoint       ${describeCheckpointUse(r.log.checkpoint)}${
      r.log.saved === undefined ? "" : `; now at position ${n(r.log.saved.position)}`
    }`,
    ...(r.log.logMeta === undefined
      ? []
      : [`  log metadata     FAILED: log_meta ${r.log.logMeta.key} ${r.log.logMeta.reason}`]),
    `  reference data   ${ok(r.reference.ok)}`,
    "",
    r.ok
      ? `VERIFIED: every check passed (${n(r.matched)} figures)${r.signature._tag === "Valid" ? ", signature valid" : ""}`
      : `NOT VERIFIED${
          r.log.firstBad !== undefined
            ? `: first bad log position ${n(r.log.firstBad.position)}`
            : r.log.checkpoint._tag === "Mismatch" || r.log.checkpoint._tag === "Unreadable"
              ? ": the log does not agree with the auditor's checkpoint"
              : ""
        }`,
    `time: chain ${seconds(r.seconds.chain)}, replay ${seconds(r.seconds.replay)} (${
      r.replayed === "counted entities"
        ? "of the entities the figures can count"
        : "of every entity: a figure's cell held none of those it can count"
    }), recompute ${seconds(r.seconds.recompute)}, total ${seconds(r.seconds.total)}`,
    ...(verbose
      ? [
          "",
          "status\tindicator\tgeo\tyear\tbreakdown\tdifferences",
          ...r.figures.map(
            (f) => `${f.status}\t${f.indicator}\t${f.geo}\t${f.year}\t${f.breakdown}\t${differenceText(f)}`,
          ),
        ]
      : []),
    "",
  ];
  return lines.join("\n");
};

/**
 * The default checkpoint file of a log: in the auditor's checkpoint folder (not beside the log, whose folder
 * belongs to whoever writes the log), named after the log and a digest of its full name.
 */
export const defaultCheckpointFile = (config: Config, log: string): string =>
  join(
    config.checkpointDir,
    `${basename(log)
      .replace(/\.duckdb$/, "")
      .replace(/[^\w.-]+/g, "_")
      .slice(0, 60)}-${createHash("sha256").update(log).digest("hex").slice(0, 12)}.json`,
  );

/** Which checkpoint a verify uses: `--checkpoint FILE`, none (`--no-checkpoint`), or the log's default. */
export interface CheckpointChoice {
  /** The checkpoint file (default: `defaultCheckpointFile`); false: check the whole chain and keep nothing. */
  readonly checkpoint?: string | false;
  /** The log the checkpoint is of, when the file checked is a copy of it (default: the file checked). */
  readonly checkpointFor?: string;
}

const checkpointOf = (
  config: Config,
  o: CheckpointChoice,
): { readonly file: string; readonly log: string } | undefined => {
  if (o.checkpoint === false) return undefined;
  const log = o.checkpointFor ?? config.logPath;
  return { file: o.checkpoint ?? defaultCheckpointFile(config, log), log };
};

/**
 * `kpi verify PUBLICATION [--public-key FILE] [--verbose] [--log FILE] [--checkpoint FILE | --no-checkpoint]`:
 * with a public key, the signature first (refused at once when it does not match); exit 0 only when everything
 * verifies.
 */
export const verifyCommand = async (
  config: Config,
  o: CheckpointChoice & {
    readonly publication: string;
    /** The office's public key (SPKI PEM) as the auditor holds it. */
    readonly publicKey?: string;
    readonly verbose?: boolean;
    readonly out: NodeJS.WritableStream;
    readonly err: NodeJS.WritableStream;
  },
): Promise<number> => {
  let publicKey: KeyObject | undefined;
  if (o.publicKey !== undefined) {
    const k = readPublicKey(o.publicKey);
    if (E.isLeft(k)) {
      o.err.write(`kpi verify: --public-key: ${describeKeyFileError(k.left)}\n`);
      return 1;
    }
    publicKey = k.right;
  }
  const checkpoint = checkpointOf(config, o);
  const r = await verifyPublication(o.publication, config.logPath, {
    tmpDir: tmpdir(),
    ...(checkpoint === undefined ? {} : { checkpoint }),
    ...(publicKey === undefined ? {} : { publicKey }),
  });
  if (E.isLeft(r)) {
    o.err.write(`kpi verify: ${describeVerifyError(r.left, config.logPath)}\n`);
    return 1;
  }
  o.out.write(formatVerifyReport(r.right, o.verbose ?? false));
  return r.right.ok ? 0 : 1;
};

/**
 * `kpi verify-log [--checkpoint FILE | --no-checkpoint]`: checks `log`'s chain from the auditor's checkpoint (the
 * whole chain the first time) and records the new head. `name` is the log the checkpoint is of. Exit 0 only
 * when the chain, the log's metadata and the checkpoint all agree.
 */
export const verifyLogCommand = async (
  config: Config,
  log: EventLog,
  o: CheckpointChoice & { readonly out: NodeJS.WritableStream },
): Promise<number> => {
  const checkpoint = checkpointOf(config, o);
  const r = await checkChainFrom(log, checkpoint?.log ?? config.logPath, checkpoint?.file);
  const c = r.chain;
  const from = r.checkpoint._tag === "Used" ? ` after position ${r.checkpoint.position}` : "";
  if (c.ok) o.out.write(`chain verifies: ${c.checked} events${from}, head ${c.head}\n`);
  if (c.firstBad !== undefined) o.out.write(`chain BROKEN at position ${c.firstBad.position}: ${c.firstBad.reason}\n`);
  if (c.logMeta !== undefined) o.out.write(`log metadata FAILED: log_meta ${c.logMeta.key} ${c.logMeta.reason}\n`);
  o.out.write(
    `checkpoint ${describeCheckpointUse(r.checkpoint)}${r.saved === undefined ? "" : `; now at position ${n(r.saved.position)}`}\n`,
  );
  return r.ok ? 0 : 1;
};

const factTable = (title: string, list: FactList): string[] => [
  `${title}: ${n(list.total)} fact(s)${list.total > list.shown.length ? ` (the first ${list.shown.length} by position)` : ""}`,
  ...(list.shown.length === 0
    ? []
    : [
        "  position\tid\ttype\tsubject\toccurred_on\trecorded_at",
        ...list.shown.map((f) => `  ${f.position}\t${f.id}\t${f.type}\t${f.subject}\t${f.occurredOn}\t${f.recordedAt}`),
      ]),
];

export const formatExplanation = (x: Explanation): string =>
  [
    `${x.indicator} for ${x.geo} in ${x.year}${x.breakdown === "" ? "" : ` (${x.breakdown})`}, as known at log position ${n(x.position)}`,
    `  numerator ${x.numerator ?? "—"}, denominator ${x.denominator ?? "—"}, value ${x.value ?? "—"} (${x.kind})`,
    `  definition hash ${x.definitionHash}`,
    `  contributing events ${n(x.contribution.events)}, Merkle root ${x.contribution.merkleRoot}`,
    ...(x.numeratorSubjects + x.denominatorSubjects === 0
      ? []
      : [
          `  subjects counted (pseudonyms): ${n(x.numeratorSubjects)} in the numerator${
            x.kind === "share" ? `, ${n(x.denominatorSubjects)} in the denominator` : ""
          }`,
        ]),
    "",
    ...factTable("Numerator", x.numeratorFacts),
    "",
    ...factTable("Denominator", x.denominatorFacts),
    "",
    `Reports used: ${x.reports.length}`,
    ...(x.reports.length === 0
      ? []
      : [
          "  role\tposition\tid\ttype\tsubject\tyear\tcommune\tfield\tvalue",
          ...x.reports.map(
            (r) =>
              `  ${r.role}\t${r.position}\t${r.id}\t${r.type}\t${r.subject}\t${r.year ?? ""}\t${r.commune ?? "(province)"}\t${r.field}\t${r.value ?? ""}`,
          ),
        ]),
    "",
    "Revisions (vintage = recording day; moved by = facts recorded that day that concern this figure)",
    "  vintage\tposition\tnumerator\tdenominator\tvalue\tmoved by",
    ...x.revisions.map(
      (r) =>
        `  ${r.vintage}\t${r.position}\t${r.numerator ?? ""}\t${r.denominator ?? ""}\t${r.value ?? ""}\t${r.movedBy.shown
          .map((f) => `${f.id} (${f.type} @${f.position})`)
          .join(
            ", ",
          )}${r.movedBy.total > r.movedBy.shown.length ? ` … and ${n(r.movedBy.total - r.movedBy.shown.length)} more` : ""}`,
    ),
    "",
  ].join("\n");

/**
 * Every contributing event of an explanation made with `all`, as CSV (RFC 4180, header line): what
 * docs/audit-check.sql reads beside the exported log to recompute the Merkle root and the counts.
 */
export const contributingCsv = (x: Explanation): string =>
  [
    "position,id,type,subject,occurred_on,recorded_at,in_numerator,in_denominator,chain_hash",
    ...(x.contributing ?? []).map((e) =>
      [e.position, e.id, e.type, e.subject, e.occurredOn, e.recordedAt, e.inNumerator, e.inDenominator, e.chainHash]
        .map((v) => {
          const t = String(v);
          return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
        })
        .join(","),
    ),
    "",
  ].join("\r\n");

/** `kpi explain INDICATOR GEO YEAR [--as-of P|DATE] [--breakdown B] [--all [--out FILE]]` */
export const explainCommand = async (
  config: Config,
  o: {
    readonly indicator: string;
    readonly geo: string;
    readonly year: number;
    readonly asOf?: string;
    readonly breakdown?: string;
    /** Facts shown per list (default 20). */
    readonly limit?: number;
    /** Every contributing event with its chain hash: as CSV into `file`, else listed after the explanation. */
    readonly all?: boolean;
    readonly file?: string;
    readonly out: NodeJS.WritableStream;
    readonly err: NodeJS.WritableStream;
    readonly access?: WarehouseAccess;
  },
): Promise<number> =>
  (o.access ?? ownWarehouse(config)).use(async (w) => {
    if (o.asOf !== undefined) {
      const nothing = await nothingKnownAt(w, o.asOf);
      if (nothing !== undefined) {
        o.err.write(`kpi explain: ${nothing}\n`);
        return 1;
      }
    }
    const asOf: AsOf | undefined =
      o.asOf === undefined ? undefined : /^\d+$/.test(o.asOf) ? { position: Number(o.asOf) } : { date: o.asOf };
    const r = await explainFigure(w, o.indicator, o.geo, o.year, {
      limit: o.limit ?? 20,
      ...(asOf === undefined ? {} : { asOf }),
      ...(o.breakdown === undefined ? {} : { breakdown: o.breakdown }),
      ...(o.all === true ? { all: true } : {}),
    });
    if (E.isLeft(r)) {
      o.err.write(`kpi explain: ${describeExplainError(r.left)}\n`);
      return 1;
    }
    o.out.write(formatExplanation(r.right));
    if (o.all === true) {
      const csv = contributingCsv(r.right);
      const n = r.right.contributing?.length ?? 0;
      if (o.file === undefined) {
        o.out.write(`Contributing events (${n}), with their chain hashes:\n${csv}`);
      } else {
        if (existsSync(o.file)) {
          o.err.write(`kpi explain: ${o.file} exists already; name a new file\n`);
          return 1;
        }
        writeFileSync(o.file, csv);
        o.out.write(
          `Wrote ${n} contributing events with their chain hashes to ${o.file}; docs/audit-check.sql recomputes the Merkle root ${r.right.contribution.merkleRoot} from them and the exported log\n`,
        );
      }
    }
    return 0;
  });

/**
 * `kpi export-log --out FILE`: a standalone copy of the log for an auditor — made here, or by `through` (the
 * running server that holds the log).
 */
export const exportLogCommand = async (
  config: Config,
  o: {
    readonly file: string;
    readonly out: NodeJS.WritableStream;
    readonly err: NodeJS.WritableStream;
    readonly through?: (file: string) => Promise<E.Either<ExportLogError, ExportedLog>>;
  },
): Promise<number> => {
  const r = await (o.through ?? ((file: string) => exportLog(config.logPath, file)))(o.file);
  if (E.isLeft(r)) {
    o.err.write(`kpi export-log: ${describeExportLogError(r.left, config.logPath)}\n`);
    return 1;
  }
  o.out.write(
    [
      `Exported ${n(r.right.events)} events of ${config.logPath}${o.through === undefined ? "" : " (through the server that holds it)"} to ${r.right.file} in ${seconds(r.right.seconds)}`,
      `  head position ${n(r.right.head)}, chain hash ${r.right.headHash}`,
      "  (keep the head hash apart from the copy: it anchors the copy's chain)",
      "",
    ].join("\n"),
  );
  return 0;
};
