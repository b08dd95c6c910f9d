/**
 * Compiles a definition's `Condition` into a SQL boolean over an entity-year table (columns named after the
 * entity attributes in snake_case, plus `year`). An attribute that is unknown (NULL) makes an atomic condition
 * false, so `not` of it is true, as docs/semantics.md says; values are bound parameters.
 */
import type { Condition } from "@kpi/core";
import type { Params } from "./sql.js";

export const column = (attr: string): string => attr.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export const conditionSql = (c: Condition, p: Params): string => {
  if ("all" in c) return c.all.length === 0 ? "true" : `(${c.all.map((x) => conditionSql(x, p)).join(" AND ")})`;
  if ("any" in c) return c.any.length === 0 ? "false" : `(${c.any.map((x) => conditionSql(x, p)).join(" OR ")})`;
  if ("not" in c) return `(NOT ${conditionSql(c.not, p)})`;
  if ("age" in c) {
    const parts: string[] = [];
    if (c.age.gte !== undefined) parts.push(`year - birth_year >= ${p.bind(c.age.gte)}`);
    if (c.age.lt !== undefined) parts.push(`year - birth_year < ${p.bind(c.age.lt)}`);
    return parts.length === 0 ? "(birth_year IS NOT NULL)" : `coalesce(${parts.join(" AND ")}, false)`;
  }
  const col = column(c.attr);
  if ("isYear" in c) return `coalesce(${col} = year, false)`;
  if ("eq" in c) return `coalesce(${col} = ${p.bind(c.eq)}, false)`;
  return c.in.length === 0 ? "false" : `coalesce(${col} IN (${c.in.map((v) => p.bind(v)).join(", ")}), false)`;
};
