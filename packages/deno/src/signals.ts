let primed = false;

// https://docs.deno.com/api/deno/~/Deno.addSignalListener
// Deno sets up its signal handling (a pipe) the first time anything listens for a signal, Deno
// itself included, and panics (ext/signals) when that happens while descriptors are exhausted
// (EMFILE), which a busy listener reaches. Adding and removing a listener at the first listen()
// sets it up while descriptors are still free.
/** Makes Deno set up its signal handling now, once per process. */
export function primeSignals(): void {
  if (primed || Deno.build.os === "windows") return;
  primed = true;
  const noop = () => {};
  Deno.addSignalListener("SIGWINCH", noop);
  Deno.removeSignalListener("SIGWINCH", noop);
}
