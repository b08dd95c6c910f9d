/**
 * Days as integers (days since 1970-01-01) so the simulation can count and compare them cheaply, with
 * conversions to and from the calendar (Howard Hinnant's days_from_civil / civil_from_days, proleptic
 * Gregorian) and a cache of `YYYY-MM-DD` strings. No time zones are involved: a day is a calendar day.
 */
import type { IsoDate } from "@kpi/core";

/** Days since 1970-01-01 of the calendar day `year-month-day` (month 1–12). */
export const dayOf = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
};

/** The calendar day of `day` as [year, month 1–12, day of month]. */
export const civilOf = (day: number): [number, number, number] => {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
};

const CACHE_FROM = dayOf(1970, 1, 1);
const CACHE_TO = dayOf(2040, 12, 31);
const isoCache: (IsoDate | undefined)[] = [];

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

export const isoOf = (day: number): IsoDate => {
  const k = day - CACHE_FROM;
  const hit = day <= CACHE_TO ? isoCache[k] : undefined;
  if (hit !== undefined) return hit;
  const [y, m, d] = civilOf(day);
  const s = `${String(y).padStart(4, "0")}-${pad2(m)}-${pad2(d)}` as IsoDate;
  if (k >= 0 && day <= CACHE_TO) isoCache[k] = s;
  return s;
};

export const yearOfDay = (day: number): number => civilOf(day)[0];

/** 0 = Sunday … 6 = Saturday. */
export const weekdayOf = (day: number): number => (((day + 4) % 7) + 7) % 7;

export const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
export const daysInYear = (year: number): number => (isLeap(year) ? 366 : 365);
