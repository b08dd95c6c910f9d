/**
 * Failures as a user should read them (no imports: the command line loads this before anything else).
 */

/**
 * A failure as a user should read it: the database's own errors that have a known cause say that cause and
 * what to do; any other keeps its text and says where to look.
 */
export const explainFailure = (message: string): string => {
  const lock = /Could not set lock on file "([^"]+)": Conflicting lock is held in .*?\(PID (\d+)\)/.exec(message);
  if (lock !== null) {
    return `${lock[1]} is open in another process (PID ${lock[2]}), and only one process may write it: wait for that one to finish (a kpi import, project or rebuild), or stop it; a kpi serve on this data directory would take the command itself (see DIR/server.json)`;
  }
  const missing = /Cannot open database "([^"]+)" in read-only mode: database does not exist/.exec(message);
  if (missing !== null) {
    return `there is no event log at ${missing[1]} yet: import facts first (kpi import FILE), or point --data-dir or --log at an existing one`;
  }
  if (/^Out of Memory Error:/.test(message)) {
    const used = /\(([^()]*) used\)/.exec(message)?.[1];
    return `the database ran out of the memory it may use${used === undefined ? "" : ` (${used})`} and the command stopped (what it had not committed is not kept). Give it more with KPI_DUCKDB_MEMORY (e.g. KPI_DUCKDB_MEMORY=12GB; the default is half the machine's memory), or narrow the command (kpi publish --indicator CODE, --level province), then run it again`;
  }
  if (
    /^(IO|Catalog|Binder|Invalid Input|Conversion|Out of Range|Constraint|Internal|Fatal|Out of Memory|Permission|Serialization|Transaction|Dependency|Parser|Not implemented) Error:/.test(
      message,
    )
  ) {
    const disk = /No space left on device|disk is full/i.test(message);
    return `${message}\n(the database refused${disk ? ": the disk is full; free space and run the command again (nothing acknowledged was lost)" : "; run kpi verify-log to check the log, and if the data directory is damaged restore it from a backup"})`;
  }
  return message;
};
