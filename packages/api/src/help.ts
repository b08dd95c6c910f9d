/**
 * `kpi COMMAND --help`: what each command does, its arguments and options, and an example. Plain text, no
 * imports, so help answers at once.
 */

const COMMON = `
Every command also takes:
  --data-dir DIR   where the log and warehouse live (default ./var, or KPI_DATA_DIR)
  --log FILE       the event log file (default DIR/events.duckdb, or KPI_LOG)
`;

const HELP: Readonly<Record<string, string>> = {
  demo: `kpi demo [--scale tiny|small|province] [--no-serve] [--port 8080] [--host 127.0.0.1]

Makes the sample province (default small: the whole province, people and businesses sampled 1 in 70),
imports and projects it, prints the 2025 scorecard, then serves the API and dashboard until Ctrl-C.

  --scale S     tiny, small (default) or province (the full-size sample, 17 million facts)
  --no-serve    stop after the scorecard

Example: kpi demo --scale tiny --no-serve
`,
  serve: `kpi serve [--port 8080] [--host 127.0.0.1]

Serves the HTTP API (/v1, OpenAPI documentation at /docs) and the dashboard (/), folding facts posted to
POST /v1/facts as they arrive. It holds the log and warehouse open while it runs. The API's settings come
from the environment (KPI_API_TOKENS, KPI_API_CORS_ORIGINS, …; see the README). SIGTERM or Ctrl-C stops it
after the writes in flight.

Example: kpi serve --port 8080
`,
  sample: `kpi sample --scale tiny|small|province [--seed 1] --out FILE

Writes a deterministic sample fact stream (NDJSON) for the province, calibrated on its published figures.

Example: kpi sample --scale small --seed 1 --out var/sample-small.ndjson
`,
  import: `kpi import FILE... [--skip-invalid] [--show-errors 50]

Validates and appends facts from NDJSON (.ndjson, .jsonl) or CSV (.csv) files; each file is one unit. Any bad
line is reported as file:line: field: reason and nothing of that file is appended, unless --skip-invalid:
then the good lines are appended and the bad ones written to <name>.rejected.ndjson with reasons in
<name>.rejected.txt. Re-sending a fact with the same id and content is a no-op.

  --skip-invalid     append the good lines, set the bad ones aside
  --show-errors N    print at most N line errors (default 50)

Example: kpi import reports-2025-q3.ndjson --skip-invalid
`,
  project: `kpi project

Folds the events appended since the last run into the warehouse, then refreshes the snapshot that DuckDB
clients open. Events the fold cannot take are quarantined and named (see kpi quarantine).
`,
  rebuild: `kpi rebuild

Recomputes every table of the warehouse from the whole log (the same tables as any sequence of kpi project).
`,
  quarantine: `kpi quarantine [list]
kpi quarantine clear POSITION [--note TEXT] [--force]

Lists the events of the log the fold could not take, with the error; they are left out of every figure and
GET /v1/health says degraded while any is held. Once the event's source has retracted it (a FactRetracted
naming it, with the corrected fact if needed), clear records that; --force with --note accepts the event as
it is, without a retraction.

Example: kpi quarantine clear 120345 --note "resent as 120400"
`,
  export: `kpi export --out DIR [--format parquet|csv] [--restricted]

Writes the published tables and views (small cells withheld) to DIR, one file each; with --restricted, also
the raw figures, their revisions and the cell counts (for those allowed to see small cells).

Example: kpi export --out var/export --format csv
`,
  figure: `kpi figure INDICATOR [--geo province|CODE] [--year Y] [--as-of POSITION|YYYY-MM-DD]

Prints an indicator's figures for a geography (default the province): as known now, as known at a log
position, or as known at the end of a recording day.

Example: kpi figure DIGSIG_ADULT --geo 29926 --year 2025 --as-of 2025-03-01
`,
  migrate: `kpi migrate --from embedded|kurrentdb --to embedded|kurrentdb [--from-log FILE] [--to-log FILE]

Copies the log into an empty store (or upgrades an embedded log to the current format) and proves the copy:
the same events in the same order with the same chain.

Example: kpi migrate --from embedded --to embedded --from-log old.duckdb --to-log var/events.duckdb
`,
  "verify-log": `kpi verify-log [--checkpoint FILE | --no-checkpoint]

Checks the event log's hash chain and names the first position that was edited, deleted or reordered. The
head verified is kept in a checkpoint (default: one file per log in KPI_CHECKPOINT_DIR, else
$XDG_CONFIG_HOME/kpi/checkpoints or ~/.config/kpi/checkpoints); the next check starts there, provided the
log still holds the checkpointed hash at that position (else it says so, checks the whole chain and fails).

  --checkpoint FILE   the checkpoint file to read and update
  --no-checkpoint     check the whole chain, read and keep no checkpoint
`,
  publish: `kpi publish [--year Y] [--indicator CODE]... [--level province|commune|all] [--release-at TIME] [--out FILE]

Freezes figures into a publication (a JSON file with the position and chain hash they were computed at,
the definitions and a Merkle root per figure) and records its digest in the log. With KPI_PUBLICATION_KEY
naming the office's Ed25519 private key (PKCS #8 PEM), the publication is signed.

  --release-at TIME   the announced release time, with its zone (2026-01-15T09:00:00+07:00)

Example: kpi publish --year 2025 --level all --out var/publications/2025.json
`,
  verify: `kpi verify PUBLICATION [--public-key FILE] [--verbose] [--log FILE] [--checkpoint FILE | --no-checkpoint]

With --public-key, first checks that the publication is signed by that key (the office's, obtained apart
from the file) over its content as read, and refuses it otherwise. Then checks the log's hash chain (from the auditor's checkpoint, as kpi verify-log does), then replays the facts
the publication's figures read, up to its position, in an in-memory DuckDB and checks every figure of the
publication, reporting match or mismatch with the difference.

  --checkpoint FILE   the chain checkpoint to read and update (default: the log's, see kpi verify-log --help)
  --no-checkpoint     check the whole chain, read and keep no checkpoint
  --public-key FILE   the office's Ed25519 public key (SPKI PEM)
  --verbose           list every figure (the summary lists only mismatches)

Example: kpi verify var/publications/2025.json --public-key office.pub.pem --log auditor-copy.duckdb
`,
  explain: `kpi explain INDICATOR GEO YEAR [--as-of POSITION|YYYY-MM-DD] [--breakdown B] [--all [--out FILE]]

The facts behind one figure (counts per fact type and source, the first ones by position) and the vintages
that moved it.

  --all        also every contributing event (the leaves of the figure's Merkle root) with its chain hash,
               as CSV: docs/audit-check.sql recomputes the root and the counts from it and the exported log
  --out FILE   write that CSV to FILE (a new file) instead of after the explanation

Example: kpi explain PAYMENT_ACCT_15 province 2025
`,
  "export-log": `kpi export-log --out FILE

Writes a standalone copy of the event log for an auditor (kpi verify and kpi verify-log read it).
`,
  head: `kpi head

Prints the log's last position.
`,
};

/** The help of one command, or undefined if there is no such command. */
export const commandHelp = (command: string): string | undefined => {
  const h = HELP[command];
  return h === undefined ? undefined : `${h}${COMMON}`;
};

export const COMMANDS: readonly string[] = Object.keys(HELP);
