import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Throwaway certificates for TLS tests, made by {@link makeTestCertificates}: each as a file
 * path and as PEM text. Every key is EC P-256 (PKCS#8 PEM), every certificate is valid for 7
 * days from its making.
 */
export interface TestCertificates {
  /** The directory holding every file below. */
  readonly dir: string;
  /** Path of the test CA's certificate, which signed `cert` and `clientCert`: a client's `ca`. */
  readonly caCert: string;
  /** PEM of {@link TestCertificates.caCert}. */
  readonly caCertPem: string;
  /** Path of the server certificate, for 127.0.0.1, ::1 and localhost (serverAuth). */
  readonly cert: string;
  /** PEM of {@link TestCertificates.cert}. */
  readonly certPem: string;
  /** Path of the server certificate's private key. */
  readonly key: string;
  /** PEM of {@link TestCertificates.key}. */
  readonly keyPem: string;
  /** Path of a client certificate signed by the same CA (clientAuth), for mutual TLS. */
  readonly clientCert: string;
  /** PEM of {@link TestCertificates.clientCert}. */
  readonly clientCertPem: string;
  /** Path of the client certificate's private key. */
  readonly clientKey: string;
  /** PEM of {@link TestCertificates.clientKey}. */
  readonly clientKeyPem: string;
  /** Path of a key that belongs to no certificate: with `cert`, a key/certificate mismatch. */
  readonly otherKey: string;
  /** PEM of {@link TestCertificates.otherKey}. */
  readonly otherKeyPem: string;
  /** Deletes the files written, and the directory too when it was made for them. */
  remove(): Promise<void>;
}

const MISSING = "makeTestCertificates needs the openssl command (apt-get install openssl)";

// Our own config, so that `openssl req` needs no system openssl.cnf and the extensions are
// exactly these (a default config would add its own).
const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = tcp-echo test
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

function openssl(dir: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("openssl", [...args], { cwd: dir }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else if ((error as NodeJS.ErrnoException).code === "ENOENT") reject(new Error(MISSING));
      else {
        const reason = String(stderr).trim().split("\n")[0] || error.message;
        reject(new Error(`Cannot make test certificates: openssl ${args[0]} failed: ${reason}`));
      }
    });
  });
}

function newKey(dir: string, file: string): Promise<void> {
  return openssl(dir, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file]);
}

async function signed(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  await openssl(dir, [
    "req",
    "-new",
    "-config",
    "openssl.cnf",
    "-key",
    `${name}.key`,
    "-subj",
    subject,
    "-out",
    `${name}.csr`,
  ]);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    // A fresh random serial each time: a client that caches certificates by issuer and serial
    // must not confuse two runs.
    "-set_serial",
    `0x${randomBytes(16).toString("hex")}`,
    "-days",
    "7",
    "-extfile",
    "openssl.cnf",
    "-extensions",
    extensions,
    "-out",
    `${name}.crt`,
  ]);
}

/**
 * Makes a throwaway CA, a server certificate it signed for `127.0.0.1`, `::1` and `localhost`,
 * a client certificate it signed (for mutual TLS), and one unrelated key, with the `openssl`
 * command. Works on Node.js, Deno (`--allow-run=openssl --allow-read --allow-write`, or `-A`)
 * and Bun. The CA's key stays in `dir` (`ca.key`) and signs nothing else: trust `caCert` only
 * in tests.
 *
 * @param dir Where to write the files; by default a new directory under the system's temp
 *   directory.
 * @returns The files' paths and PEM text, and `remove()` to delete them.
 * @throws {Error} "makeTestCertificates needs the openssl command (apt-get install openssl)"
 *   when there is no `openssl` on the PATH, or the first line of openssl's complaint.
 *
 * @example Make certificates, check them, remove them
 * ```ts
 * import assert from "node:assert/strict";
 * import { X509Certificate } from "node:crypto";
 * import { makeTestCertificates } from "@tcp-echo/conformance";
 *
 * const certificates = await makeTestCertificates();
 * try {
 *   const server = new X509Certificate(certificates.certPem);
 *   assert.ok(server.checkIssued(new X509Certificate(certificates.caCertPem)));
 *   assert.equal(server.checkIP("127.0.0.1"), "127.0.0.1");
 * } finally {
 *   await certificates.remove();
 * }
 * ```
 */
export async function makeTestCertificates(dir?: string): Promise<TestCertificates> {
  const made = dir === undefined;
  const where = dir ?? (await mkdtemp(join(tmpdir(), "tcp-echo-certs-")));
  const files = ["openssl.cnf", "ca.key", "ca.crt", "server.key", "server.csr", "server.crt"];
  files.push("client.key", "client.csr", "client.crt", "other.key");
  const remove = async (): Promise<void> => {
    if (made) await rm(where, { recursive: true, force: true });
    else await Promise.all(files.map((file) => rm(join(where, file), { force: true })));
  };
  try {
    if (!made) await mkdir(where, { recursive: true });
    await writeFile(join(where, "openssl.cnf"), CONFIG);
    await Promise.all(["ca.key", "server.key", "client.key", "other.key"].map((file) => newKey(where, file)));
    await openssl(where, [
      "req",
      "-x509",
      "-new",
      "-config",
      "openssl.cnf",
      "-extensions",
      "ca_ext",
      "-key",
      "ca.key",
      "-subj",
      "/CN=tcp-echo test CA",
      "-days",
      "7",
      "-out",
      "ca.crt",
    ]);
    await Promise.all([
      signed(where, "server", "/CN=localhost", "server_ext"),
      signed(where, "client", "/CN=tcp-echo test client", "client_ext"),
    ]);
    const pem = (file: string) => readFile(join(where, file), "utf8");
    const [caCertPem, certPem, keyPem, clientCertPem, clientKeyPem, otherKeyPem] = await Promise.all(
      ["ca.crt", "server.crt", "server.key", "client.crt", "client.key", "other.key"].map(pem),
    );
    return {
      dir: where,
      caCert: join(where, "ca.crt"),
      caCertPem: caCertPem as string,
      cert: join(where, "server.crt"),
      certPem: certPem as string,
      key: join(where, "server.key"),
      keyPem: keyPem as string,
      clientCert: join(where, "client.crt"),
      clientCertPem: clientCertPem as string,
      clientKey: join(where, "client.key"),
      clientKeyPem: clientKeyPem as string,
      otherKey: join(where, "other.key"),
      otherKeyPem: otherKeyPem as string,
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
