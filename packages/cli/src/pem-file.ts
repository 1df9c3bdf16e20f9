import type { Platform } from "./platform.ts";

/** A certificate or key file that cannot be used: the server does not start (exit 1). */
export class PemFileError extends Error {
  /** The stable code the JSON log carries. */
  readonly code = "ERR_TLS_FILE";
}

/**
 * Reads a PEM file named by `flag`, or throws one line naming the flag, the file and the problem.
 */
export function readPem(platform: Platform, flag: string, path: string): string {
  let text: string;
  try {
    text = platform.readTextFile(path);
  } catch (error) {
    throw new PemFileError(`Cannot read ${flag} ${path}: ${readProblem(error)}`, { cause: error });
  }
  if (!text.includes("-----BEGIN ")) {
    throw new PemFileError(`Cannot use ${flag} ${path}: it holds no PEM block ("-----BEGIN ..."); give a PEM file`);
  }
  return text;
}

const PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  NotFound: "no such file",
  EACCES: "permission denied",
  PermissionDenied: "permission denied",
  EISDIR: "it is a directory",
  IsADirectory: "it is a directory",
};

function readProblem(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  const known = (typeof code === "string" && PROBLEMS[code]) || (typeof name === "string" && PROBLEMS[name]);
  if (known) return known;
  return error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
}
