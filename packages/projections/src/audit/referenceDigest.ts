/**
 * The digest of the reference data a figure depends on: how each commune code resolves onto a current commune
 * in each era (`commune_resolution`, loaded from the shipped communes and crosswalk). SHA-256 of the canonical
 * JSON of its rows `[code, era, commune, partial]` in (code, era) order. A publication records it, and verify
 * compares it with the reference data of the replay, so a changed crosswalk is named rather than guessed.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "@kpi/core";
import type { Warehouse } from "../warehouse/projector.js";

export const referenceDigest = async (w: Warehouse): Promise<string> => {
  const rows = await w.query<{ code: string; era: string; commune: string; partial: boolean }>(
    "SELECT code, era, commune, partial FROM commune_resolution ORDER BY code, era",
  );
  const json = canonicalJson(rows.map((r) => [r.code, r.era, r.commune, r.partial]));
  return createHash("sha256").update(json, "utf8").digest("hex");
};
