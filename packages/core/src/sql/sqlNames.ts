/**
 * Names pasted into SQL text. A table, column or attached database cannot be a bound parameter, so every name the
 * code writes into a statement goes through `ident` (or `qualified`), which refuses anything but lower-case
 * letters, digits and `_`. Values never go this way: they are bound parameters.
 */

const SAFE = /^[a-z_][a-z0-9_]*$/;

/** `s` when it is a safe SQL identifier; throws, naming it, otherwise. */
export const ident = (s: string): string => {
  if (!SAFE.test(s)) {
    throw new Error(
      `not a safe SQL identifier: ${JSON.stringify(s)} (a name written into SQL is lower-case letters, digits and _)`,
    );
  }
  return s;
};

/** `table` or `database.table`, each part checked by `ident`. */
export const qualified = (s: string): string => {
  const parts = s.split(".");
  if (parts.length > 2) throw new Error(`not a safe SQL name: ${JSON.stringify(s)} (at most database.table)`);
  parts.forEach(ident);
  return s;
};

/** The prefix `alias.` naming tables of an attached database, or "" for the connection's own. */
export const prefixOf = (alias: string | undefined): string => (alias === undefined ? "" : `${ident(alias)}.`);
