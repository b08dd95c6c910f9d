/**
 * The canonical JSON of a fact (RFC 8785, keys sorted) always reads
 * `{"data":D,"id":…,"occurredOn":…,"source":…,"subject":…,"type":…}`, with D the canonical JSON of `data`
 * (and `"reportedOn":…` after `occurredOn` when the fact has one).
 * The log stores D in its `data` column and the envelope fields in their own columns; `joinCanonical`
 * builds the canonical form from the two without re-serialising `data`.
 */
export interface EnvelopeColumns {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly occurredOn: string;
  readonly source: string;
  /** `YYYY-MM-DD`, or null/absent when the fact has none. */
  readonly reportedOn?: string | null;
}

const tail = (e: EnvelopeColumns): string =>
  `,"id":${JSON.stringify(e.id)},"occurredOn":${JSON.stringify(e.occurredOn)}${
    e.reportedOn === undefined || e.reportedOn === null ? "" : `,"reportedOn":${JSON.stringify(e.reportedOn)}`
  },"source":${JSON.stringify(e.source)},"subject":${JSON.stringify(e.subject)},"type":${JSON.stringify(e.type)}}`;

export const joinCanonical = (data: string, e: EnvelopeColumns): string => `{"data":${data}${tail(e)}`;
