/**
 * The sample's calendar: facts occur from 2019-01-01 to 2026-12-31 (after an initial load describing the state
 * at the end of 2018); statistics for a year are reported in the following year, so reports run to 2027-10-31.
 * Before 2025-07-01 a fact carries its old unit's code, from then on the current commune's code.
 */
import type { CommuneCode } from "@kpi/core";
import { dayOf } from "./days.js";
import type { Geography } from "./geography.js";

export const SIM_START = dayOf(2019, 1, 1);
export const SIM_END = dayOf(2026, 12, 31);
export const REPORT_END = dayOf(2027, 10, 31);
export const MERGER_DAY = dayOf(2025, 7, 1);

/** The code a fact about something in old unit `unit` / current commune `commune` carries on `day`. */
export const codeOn = (geo: Geography, unit: number, commune: number, day: number): CommuneCode =>
  day < MERGER_DAY
    ? (geo.units[unit]?.code ?? fail(`unit ${unit}`))
    : (geo.communes[commune]?.code ?? fail(`commune ${commune}`));

const fail = (what: string): never => {
  throw new Error(`no ${what} in the geography`);
};

/** Gap-closing speed of the share-tracking processes: a twentieth of the gap to the target per day. */
export const DAILY_CATCH_UP = 0.05;
