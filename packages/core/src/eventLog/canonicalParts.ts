/**
 * The canonical JSON of a fact (RFC 8785, keys sorted) always reads
 * `{"data":D,"id":…,"occurredOn":…,"source":…,"subject":…,"type":…}`, with D the canonical JSON of `data`.
 * The log stores D in its `data` column and the envelope fields in their own columns; these two functions
 * move between the two forms without re-serialising `data`.
 */
export interface EnvelopeColumns {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly occurredOn: string;
  readonly source: string;
}

const tail = (e: EnvelopeColumns): string =>
  `,"id":${JSON.stringify(e.id)},"occurredOn":${JSON.stringify(e.occurredOn)},"source":${JSON.stringify(
    e.source,
  )},"subject":${JSON.stringify(e.subject)},"type":${JSON.stringify(e.type)}}`;

export const joinCanonical = (data: string, e: EnvelopeColumns): string => `{"data":${data}${tail(e)}`;

export const dataOfCanonical = (canonical: string, e: EnvelopeColumns): string => {
  const t = tail(e);
  if (!canonical.startsWith('{"data":') || !canonical.endsWith(t)) {
    throw new Error(`not the canonical form of fact ${e.id}`);
  }
  return canonical.slice(8, canonical.length - t.length);
};
