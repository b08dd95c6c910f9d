/**
 * `buf.write(text, at, "utf8")` without its argument checks, which cost more than encoding a short text (an
 * import writes three per event): Node's `utf8Write`, the method `write` ends in, on every Buffer since Node's
 * first versions; `write` itself where it is missing. The caller makes sure the text fits (at most three bytes a
 * UTF-16 code unit).
 */
export const writeUtf8: (buf: Buffer, text: string, at: number) => number =
  typeof (Buffer.prototype as { utf8Write?: unknown }).utf8Write === "function"
    ? (buf, text, at) => (buf as unknown as { utf8Write(t: string, o: number): number }).utf8Write(text, at)
    : (buf, text, at) => buf.write(text, at, "utf8");

/**
 * Writes `n` in decimal at `at` (as `String(n)` would, without making the string) and gives the position after it.
 * For a non-negative integer up to 2^53; anything else goes through `String`. The caller makes sure it fits.
 */
export const writeDecimal = (buf: Buffer, n: number, at: number): number => {
  if (!Number.isSafeInteger(n) || n < 0) return at + writeUtf8(buf, String(n), at);
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let end = at + digits;
  let x = n;
  do {
    buf[--end] = 48 + (x % 10);
    x = Math.floor(x / 10);
  } while (x > 0);
  return at + digits;
};

/** A text's UTF-8 bytes, kept for the last text asked (the same `recordedAt` for every event of a batch). */
export class LastTextBytes {
  private text: string | undefined;
  private bytes: Buffer = Buffer.alloc(0);

  of(text: string): Buffer {
    if (text !== this.text) {
      this.bytes = Buffer.from(text, "utf8");
      this.text = text;
    }
    return this.bytes;
  }
}
