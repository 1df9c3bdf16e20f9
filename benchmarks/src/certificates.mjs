/**
 * Throwaway TLS material for a benchmark run: a CA and a server certificate it signed (EC P-256,
 * SAN IP:127.0.0.1), made with the `openssl` command into a fresh temporary folder and removed
 * with it. No private key is ever committed.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * @typedef {object} Certificates
 * @property {string} dir the temporary folder holding every file
 * @property {string} ca the CA's certificate (PEM)
 * @property {string} cert the server's certificate (PEM)
 * @property {string} key the server's private key (PEM, PKCS#8, unencrypted)
 * @property {() => void} remove delete the folder and everything in it
 */

/**
 * Make a CA and a server certificate for 127.0.0.1, valid for two days.
 * @returns {Certificates}
 * @throws {Error} when `openssl` is missing or one of its steps fails, naming the step.
 */
export function makeCertificates() {
  const dir = mkdtempSync(join(tmpdir(), "tcp-echo-bench-tls-"));
  const file = (name) => join(dir, name);
  const openssl = (step, args) => {
    try {
      execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      if (error.code === "ENOENT")
        throw new Error("Cannot make the TLS certificates: no openssl on PATH (Debian: apt-get install openssl)");
      throw new Error(`Cannot make the TLS certificates: openssl failed to ${step}: ${String(error.stderr).trim()}`);
    }
  };
  const p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl("make the CA", [
    "req",
    "-x509",
    ...p256,
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=tcp-echo benchmark CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ]);
  openssl("make the server key", [
    "req",
    "-new",
    ...p256,
    "-keyout",
    file("server.key"),
    "-out",
    file("server.csr"),
    "-subj",
    "/CN=127.0.0.1",
  ]);
  writeFileSync(
    file("server.ext"),
    "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  openssl("sign the server certificate", [
    "x509",
    "-req",
    "-in",
    file("server.csr"),
    "-CA",
    file("ca.pem"),
    "-CAkey",
    file("ca.key"),
    "-set_serial",
    `0x${randomBytes(8).toString("hex")}`,
    "-days",
    "2",
    "-extfile",
    file("server.ext"),
    "-out",
    file("server.pem"),
  ]);
  return {
    dir,
    ca: file("ca.pem"),
    cert: file("server.pem"),
    key: file("server.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
