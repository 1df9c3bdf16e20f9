import { TcpEchoError } from "@tcp-echo/core";
import { type ListenFailureCode, listenError } from "@tcp-echo/core/transport";

const LISTEN_FAILURES: ReadonlySet<string> = new Set<ListenFailureCode>(["EADDRINUSE", "EACCES", "EADDRNOTAVAIL"]);

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

// Bun.listen throws synchronously with a system error: { code: "EADDRINUSE", errno, syscall: "listen" }.
/** Maps a `Bun.listen` error to the core's error for `address`. */
export function mapListenError(error: unknown, address: string): TcpEchoError {
  const code = codeOf(error);
  const known = typeof code === "string" && LISTEN_FAILURES.has(code) ? (code as ListenFailureCode) : undefined;
  return listenError(known, address, error);
}

// With `tls`, Bun.listen loads the certificate and key first and throws BoringSSL's error:
// ERR_OSSL_X509_KEY_VALUES_MISMATCH, ERR_OSSL_ASN1_DECODE_ERROR, or ERR_BORINGSSL ("Invalid CA").
/** Maps a TLS `Bun.listen` error: the certificate or key it cannot use, else a listen error. */
export function mapTlsListenError(error: unknown, address: string): TcpEchoError {
  const code = codeOf(error);
  if (typeof code !== "string" || !(code.startsWith("ERR_OSSL_") || code === "ERR_BORINGSSL")) {
    return mapListenError(error, address);
  }
  return new TcpEchoError(
    "ERR_TLS_CREDENTIALS",
    `Cannot listen on ${address}: the TLS certificate or key cannot be used: ${sslReason(error)}`,
    { cause: error },
  );
}

// BoringSSL's messages read "error:0b000074:X.509 certificate routines:OPENSSL_internal:KEY_VALUES_MISMATCH".
/** BoringSSL's reason in words, with the error's code: "key values mismatch (ERR_OSSL_X509_KEY_VALUES_MISMATCH)". */
export function sslReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split("\n")[0] ?? "";
  const text = /^error:[0-9a-f]+:/i.test(line)
    ? (line.split(":").at(-1) ?? line).toLowerCase().replaceAll("_", " ")
    : line;
  const code = codeOf(error);
  return typeof code === "string" ? `${text} (${code})` : text;
}
