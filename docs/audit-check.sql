-- audit-check.sql: recompute a published figure's Merkle root and counts from an exported log, in plain SQL.
--
-- Needs only a DuckDB client (1.1 or later) and two files from the statistics office: the exported log
-- (`kpi export-log`) and the figure's contributing events (`kpi explain INDICATOR GEO YEAR --all --out FILE`).
-- No code from the warehouse's repository runs. Open the log read-only, name the CSV, read this file:
--
--   duckdb -readonly events-2026-01-15.duckdb
--   D SET VARIABLE contributing = 'PAYMENT_ACCT_15-province-2025.csv';
--   D SET VARIABLE reported_field = 'aged15plus';   -- only for a denominator summed from reports (shareOfReported)
--   D .read audit-check.sql
--
-- It answers one row: how many events the CSV lists and how many of them the log holds with the same id,
-- subject and chain hash (all of them, or the CSV is not this log's); the Merkle root (RFC 6962 over the
-- chain hashes the LOG holds, in position order; docs/audit.md) to compare with the publication's
-- `contribution.merkleRoot`; and, for a figure counted over entities (share, shareOfReported, entityCount),
-- the distinct subjects in the numerator and denominator, the denominator summed from the reports' field
-- `reported_field` when one is named, and 100 × numerator ÷ denominator, to compare with the publication's
-- numerator, denominator and value. Which events contribute is the office's claim, listed in the CSV;
-- `kpi verify` re-derives it from the definitions. The log's own hash chain is checked by `kpi verify-log`, or
-- by comparing its last hash with the head hash the office states.

CREATE OR REPLACE TEMP TABLE audit_listed AS
SELECT * FROM read_csv(getvariable('contributing'), header = true,
  columns = {'position': 'BIGINT', 'id': 'VARCHAR', 'type': 'VARCHAR', 'subject': 'VARCHAR',
             'occurred_on': 'VARCHAR', 'recorded_at': 'VARCHAR', 'in_numerator': 'BOOLEAN',
             'in_denominator': 'BOOLEAN', 'chain_hash': 'VARCHAR'});

CREATE OR REPLACE TEMP TABLE audit_leaves AS
SELECT e.position, e.subject, e.type, e.data, l.in_numerator, l.in_denominator,
       unhex(sha256('\x00'::BLOB || e.hash)) AS leaf,
       (e.id = l.id AND e.subject = l.subject AND lower(hex(e.hash)) = l.chain_hash) AS same
FROM audit_listed l JOIN events e ON e.position = l.position;

CREATE OR REPLACE TEMP TABLE audit_root AS
WITH RECURSIVE tree(level, i, h, n) AS (
  SELECT 0, row_number() OVER (ORDER BY position) - 1, leaf, (SELECT count(*) FROM audit_leaves)
  FROM audit_leaves
  UNION ALL
  -- neighbours (2j, 2j+1) hash into node j of the next level; an odd last node goes up unchanged
  SELECT level + 1, i // 2,
         CASE WHEN count(*) = 2 THEN unhex(sha256('\x01'::BLOB || arg_min(h, i) || arg_max(h, i))) ELSE any_value(h) END,
         (any_value(n) + 1) // 2
  FROM tree WHERE n > 1 GROUP BY level, i // 2
)
SELECT coalesce((SELECT lower(hex(h)) FROM tree WHERE n = 1), sha256('')) AS merkle_root;

WITH counts AS (
  SELECT count(*) FILTER (WHERE same) AS events_matching_log,
         count(DISTINCT subject) FILTER (WHERE in_numerator) AS numerator_subjects,
         count(DISTINCT subject) FILTER (WHERE in_denominator) AS denominator_subjects,
         sum(TRY_CAST(json_extract_string(data, '$.' || getvariable('reported_field')) AS DECIMAL(20, 3)))
           FILTER (WHERE in_denominator AND type <> 'FactRetracted') AS denominator_reported
  FROM audit_leaves
)
SELECT (SELECT count(*) FROM audit_listed) AS events_listed, events_matching_log,
       (SELECT merkle_root FROM audit_root) AS merkle_root, numerator_subjects, denominator_subjects,
       denominator_reported,
       100 * numerator_subjects / nullif(coalesce(denominator_reported, denominator_subjects), 0) AS percent
FROM counts;
