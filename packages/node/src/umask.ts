/**
 * Runs `create` (which must make its file synchronously) under the umask that leaves exactly
 * `mode`, restoring the process's umask after. Nothing else runs in between: it is synchronous.
 */
export function withUmask<T>(mode: number | undefined, create: () => T): T {
  if (mode === undefined) return create();
  const previous = process.umask(0o777 & ~mode);
  try {
    return create();
  } finally {
    process.umask(previous);
  }
}
