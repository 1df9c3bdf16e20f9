/**
 * The packages this repository publishes, as the release scripts see them: every package under
 * packages/ whose package.json is not private, and the JSR config beside it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The published packages, in name order.
 * @param {string} root the repository root
 * @returns {{ name: string, dir: string, pkg: Record<string, any> }[]}
 */
export function publishedPackages(root) {
  const found = [];
  for (const name of readdirSync(join(root, "packages")).sort()) {
    const dir = join(root, "packages", name);
    if (!existsSync(join(dir, "package.json"))) continue;
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    if (!pkg.private) found.push({ name, dir, pkg });
  }
  return found;
}

/**
 * The JSR config of a package directory: its deno.json (or a jsr.json), or undefined when the
 * package is not published to JSR.
 * @param {string} dir
 * @returns {string | undefined} the file's path
 */
export function jsrConfigFile(dir) {
  for (const name of ["deno.json", "jsr.json"]) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}
