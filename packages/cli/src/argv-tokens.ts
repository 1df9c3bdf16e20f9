/**
 * Splits a command line into tokens the way `node:util`'s `parseArgs` does with
 * `{ strict: false, allowPositionals: true, tokens: true }`, and nothing more: `args.ts` reads
 * the tokens and says what is wrong with them in its own words.
 *
 * Why not `parseArgs` itself: on Bun, `node:util` is a JavaScript module of about 1,900 heap
 * objects, and every garbage collection the echo's read buffers bring about walks them for the
 * life of the server: without it (and with `node:os` loaded only when needed) Bun's p99 latency
 * at 1 KiB x 100 connections, one in flight, was 96.7% [94.9, 99.7] of what it was (14 pairs,
 * benchmarks/). The tests check this tokenizer against `parseArgs` on Node.js.
 *
 * @module
 */

/** What the tokenizer needs to know of a flag: whether it takes a value, and its one-letter alias. */
export interface TokenOption {
  /** `string` flags take the next argument (or the part after `=`) as their value. */
  readonly type: "string" | "boolean";
  /** The letter of its short form (`h` for `-h`). */
  readonly short?: string;
}

/** One piece of a command line, named as `parseArgs` names it. */
export type ArgvToken =
  | {
      readonly kind: "option";
      /** The flag's long name, or the letter of a short flag that has none. */
      readonly name: string;
      /** The flag as written: `--port`, `-h`. */
      readonly rawName: string;
      /** Its value: after `=`, or the next argument for a string flag; undefined when there is none. */
      readonly value: string | undefined;
    }
  | { readonly kind: "positional"; readonly value: string }
  | { readonly kind: "option-terminator" };

/**
 * Tokens of a command line: `--name`, `--name=value`, `--name value` for a string flag (the
 * value may start with a dash), `-x`, `-xVALUE` and groups such as `-hV`, positionals, and
 * everything after `--` as positionals. Unknown flags are tokens like the others.
 *
 * @param args The arguments after the program name.
 * @param options The flags by long name.
 * @returns The tokens, in order.
 *
 * @example Split a command line
 * ```ts
 * import { argvTokens } from "./argv-tokens.ts";
 *
 * const tokens = argvTokens(["--port", "7", "-h", "--quiet=1"], { port: { type: "string" }, help: { type: "boolean", short: "h" } });
 * if (tokens.map((token) => token.kind === "option" ? `${token.name}:${token.value}` : token.kind).join(" ") !== "port:7 help:undefined quiet:1") {
 *   throw new Error(JSON.stringify(tokens));
 * }
 * ```
 */
export function argvTokens(args: readonly string[], options: Readonly<Record<string, TokenOption>>): ArgvToken[] {
  const longOf = (letter: string): string => {
    for (const [name, option] of Object.entries(options)) if (option.short === letter) return name;
    return letter;
  };
  const takesValue = (name: string): boolean => Object.hasOwn(options, name) && options[name]?.type === "string";
  const tokens: ArgvToken[] = [];
  const rest = [...args];
  while (rest.length > 0) {
    const arg = rest.shift() as string;
    if (arg === "--") {
      tokens.push({ kind: "option-terminator" });
      for (const value of rest) tokens.push({ kind: "positional", value });
      break;
    }
    if (arg.length >= 2 && arg[0] === "-" && arg[1] !== "-") {
      const name = longOf(arg[1] as string);
      if (arg.length === 2) {
        // -x, or -x VALUE for a string flag.
        const value = takesValue(name) && rest.length > 0 ? rest.shift() : undefined;
        tokens.push({ kind: "option", name, rawName: arg, value });
      } else if (takesValue(name)) {
        // -xVALUE
        tokens.push({ kind: "option", name, rawName: `-${arg[1]}`, value: arg.slice(2) });
      } else {
        // -abc is -a -b -c, and a string flag inside the group takes the rest as its value.
        const expanded: string[] = [];
        for (let index = 1; index < arg.length; index++) {
          const letter = arg[index] as string;
          if (!takesValue(longOf(letter)) || index === arg.length - 1) expanded.push(`-${letter}`);
          else {
            expanded.push(`-${arg.slice(index)}`);
            break;
          }
        }
        rest.unshift(...expanded);
      }
      continue;
    }
    if (arg.length > 2 && arg.startsWith("--")) {
      const equals = arg.indexOf("=", 3);
      if (equals === -1) {
        const name = arg.slice(2);
        const value = takesValue(name) && rest.length > 0 ? rest.shift() : undefined;
        tokens.push({ kind: "option", name, rawName: arg, value });
      } else {
        const name = arg.slice(2, equals);
        tokens.push({ kind: "option", name, rawName: `--${name}`, value: arg.slice(equals + 1) });
      }
      continue;
    }
    tokens.push({ kind: "positional", value: arg });
  }
  return tokens;
}
