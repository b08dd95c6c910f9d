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
