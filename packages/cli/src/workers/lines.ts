/**
 * Splits text that arrives in pieces into whole lines, so that a worker's line is written by the
 * supervisor in one piece and never interleaved with another's.
 *
 * @param onLine Gets each line, without its newline.
 * @returns `push()` for each piece; `end()` hands on an unterminated last line.
 */
export function lineSplitter(onLine: (line: string) => void): { push(text: string): void; end(): void } {
  let partial = "";
  return {
    push(text) {
      const parts = (partial + text).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) onLine(line);
    },
    end() {
      if (partial !== "") onLine(partial);
      partial = "";
    },
  };
}
