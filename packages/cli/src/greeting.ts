import { UsageError } from "./usage-error.ts";

/** The values a greeting's placeholders stand for. */
export interface GreetingValues {
  /** `{host}`: the machine's host name. */
  readonly host: string;
  /** `{pid}`: the process id. */
  readonly pid: number;
  /** `{runtime}`: the runtime and its version, `node 20.20.2`. */
  readonly runtime: string;
  /** `{pod}`: `POD_NAME` from the environment (Kubernetes' downward API), else the host name. */
  readonly pod: string;
}

const PLACEHOLDER = /\{(\w+)\}/g;
const KNOWN: readonly (keyof GreetingValues)[] = ["host", "pid", "runtime", "pod"];
const ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t", "\\": "\\" };

/**
 * Checks a `--greeting` template: every `{name}` must be a known placeholder.
 *
 * @param template The text as given.
 * @param source Where it came from, for the message.
 * @returns The template.
 * @throws {UsageError} Naming the unknown placeholder.
 */
export function checkGreeting(template: string, source: string): string {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!(KNOWN as readonly string[]).includes(name as string)) {
      const known = KNOWN.map((key) => `{${key}}`).join(", ");
      throw new UsageError(`invalid ${source}: unknown placeholder {${name}}; known: ${known}`);
    }
  }
  return template;
}

/** Whether the template names `{host}` or `{pod}`, which need the host name. */
export function needsHostName(template: string): boolean {
  return template.includes("{host}") || template.includes("{pod}");
}

/**
 * The greeting's text: placeholders filled in, and `\n`, `\r`, `\t` and `\\` turned into the
 * characters they name, so a shell can pass a line ending.
 *
 * @param template A template that passed {@link checkGreeting}.
 * @param values What the placeholders stand for.
 * @returns The text to send.
 */
export function expandGreeting(template: string, values: GreetingValues): string {
  return template
    .replace(PLACEHOLDER, (_, name: keyof GreetingValues) => String(values[name]))
    .replace(/\\([nrt\\])/g, (_, letter: string) => ESCAPES[letter] as string);
}
