/**
 * What to do about a storage failure DuckDB reports, for the messages of every layer that writes a DuckDB file
 * (the event log, the warehouse, its snapshot): a full disk is named as such, with the remedy.
 */
export const storageAdvice = (message: string): string | undefined =>
  /No space left on device|ENOSPC|Could not write all bytes|disk is full/i.test(message)
    ? "the disk is full: free disk space (or move the data directory, --data-dir), then run the command again"
    : undefined;
