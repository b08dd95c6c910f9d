/**
 * A column of a DuckDB result chunk read as the memory DuckDB holds it, through DuckDB's C API
 * (`duckdb_vector_get_data`, as `@duckdb/node-bindings` exposes it): a typed array or a DataView over the
 * chunk's own data, no value made per row. `getItem` costs a call and a validity check per value, which for the
 * tens of millions of rows of a publish (positions, subject keys, chain hashes) cost more than the work done
 * with them. The views are valid until the next chunk is fetched. NULLs are refused (these columns have none).
 */
import type { DuckDBDataChunk } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";

/** Bytes of DuckDB's string_t (`duckdb_string_t`): a 4-byte length, then up to 12 bytes inline. */
const STRING_T = 16;

const vectorOf = (chunk: DuckDBDataChunk, column: number, what: string): duckdb.Vector => {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
  const n = chunk.rowCount;
  const validity = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8);
  if (validity !== null) {
    for (let r = 0; r < n; r++) {
      if ((((validity[r >>> 3] as number) >>> (r & 7)) & 1) === 0) {
        throw new Error(
          `${what}: row ${r} of a chunk is NULL where a value was expected. This is a fault of kpi, not of your data: please report it with the command you ran`,
        );
      }
    }
  }
  return vector;
};

/** The values of INTEGER column `column` of `chunk`. */
export const int32Column = (chunk: DuckDBDataChunk, column: number): Int32Array => {
  const n = chunk.rowCount;
  const data = duckdb.vector_get_data(vectorOf(chunk, column, "an INTEGER column"), 4 * n);
  return new Int32Array(data.buffer, data.byteOffset, n);
};

/** The values of DOUBLE column `column` of `chunk`. */
export const float64Column = (chunk: DuckDBDataChunk, column: number): Float64Array => {
  const n = chunk.rowCount;
  const data = duckdb.vector_get_data(vectorOf(chunk, column, "a DOUBLE column"), 8 * n);
  return new Float64Array(data.buffer, data.byteOffset, n);
};

/**
 * BLOB column `column` of `chunk`, its values held inline (at most 12 bytes): value r's length is
 * `inlineLength(view, r)` and its bytes start at `inlineAt(r)`. A longer value is not there (DuckDB holds it
 * elsewhere): check the length before reading.
 */
export const inlineBlobColumn = (chunk: DuckDBDataChunk, column: number): DataView => {
  const n = chunk.rowCount;
  const data = duckdb.vector_get_data(vectorOf(chunk, column, "a BLOB column"), STRING_T * n);
  return new DataView(data.buffer, data.byteOffset, STRING_T * n);
};

/** The length of value r of an `inlineBlobColumn`. */
export const inlineLength = (view: DataView, r: number): number => view.getUint32(STRING_T * r, true);

/** Where value r's bytes start in an `inlineBlobColumn` view. */
export const inlineAt = (r: number): number => STRING_T * r + 4;
