// The Kubernetes manifests in deploy/kubernetes, read as kubectl would and checked against what
// the server needs: its ports, a drain that ends before the kubelet's SIGKILL, a locked-down
// container, and TCP_ECHO_* variables that the command really reads, with values it accepts.
// Needs the build (`npm test` builds first): the variables are checked by @tcp-echo/cli's parser.
import { readFileSync } from "node:fs";
import { parseCommandLine } from "@tcp-echo/cli";
import { describe, expect, test } from "vitest";
import { parseYamlDocuments } from "./yaml.mjs";

const root = new URL("../../", import.meta.url);
const read = (path) => parseYamlDocuments(readFileSync(new URL(path, root), "utf8"));
const [deployment] = read("deploy/kubernetes/deployment.yaml");
const [service] = read("deploy/kubernetes/service.yaml");
const pod = deployment.spec.template.spec;
const container = pod.containers.find((c) => c.name === "tcp-echo");
const env = Object.fromEntries(container.env.filter((v) => "value" in v).map((v) => [v.name, v.value]));

/** Kubernetes quantities as the manifests write them: 100m, "1", 64Mi. */
function quantity(value) {
  const match = String(value).match(/^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/);
  if (match === null) throw new Error(`not a quantity this test reads: ${value}`);
  const unit = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[match[2]] ?? 1;
  return Number(match[1]) * unit;
}

describe("the YAML reader", () => {
  test("reads documents, nested mappings, sequences of mappings, quotes and comments", () => {
    const text = "a: 1 # one\nb:\n  - x: \"q # not a comment\"\n    y: true\n  - plain\n---\nc: 'it''s'\n";
    expect(parseYamlDocuments(text)).toEqual([
      { a: 1, b: [{ x: "q # not a comment", y: true }, "plain"] },
      { c: "it's" },
    ]);
  });

  test("refuses what it does not read, naming the line", () => {
    expect(() => parseYamlDocuments("a:\n  b: [1, 2]\n")).toThrow("line 2: flow collections");
    expect(() => parseYamlDocuments("a: 1\na: 2\n")).toThrow("line 2: duplicate key a");
  });
});

describe("deploy/kubernetes", () => {
  test("the Deployment's pods are the Service's endpoints, on TCP and UDP port 7007", () => {
    expect(deployment).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "tcp-echo" } });
    expect(service).toMatchObject({ apiVersion: "v1", kind: "Service", metadata: { name: "tcp-echo" } });
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const ports = (list, key) => list.map((p) => `${p[key]}/${p.protocol}`).sort();
    expect(ports(container.ports, "containerPort")).toEqual(["7007/TCP", "7007/UDP"]);
    expect(ports(service.spec.ports, "port")).toEqual(["7007/TCP", "7007/UDP"]);
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual([7007, 7007]);
  });

  test("readiness and liveness connect to TCP port 7007", () => {
    expect(container.readinessProbe.tcpSocket).toEqual({ port: 7007 });
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 7007 });
  });

  test("every TCP_ECHO_ variable is one the command reads, with a value it accepts", () => {
    const names = Object.keys(env).filter((name) => name.startsWith("TCP_ECHO_"));
    const asked = new Set();
    const command = parseCommandLine([], (name) => {
      asked.add(name);
      return env[name];
    });
    expect(names.filter((name) => !asked.has(name))).toEqual([]);
    expect(command).toMatchObject({ kind: "serve", options: { host: "", port: 7007, udp: { alone: false } } });
  });

  test("the drain ends before the kubelet's SIGKILL, after the preStop sleep", () => {
    expect(env.TCP_ECHO_SHUTDOWN_TIMEOUT).toBeDefined();
    const command = parseCommandLine([], (name) => env[name]);
    const drainSeconds = command.options.shutdownTimeout / 1000;
    const sleepSeconds = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(sleepSeconds + drainSeconds);
  });

  test("the container runs as 65532 with nothing to escalate to and a read-only root", () => {
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    // A Service named tcp-echo would otherwise inject TCP_ECHO_PORT=tcp://<ip>:7007.
    expect(pod.enableServiceLinks).toBe(false);
  });

  test("resources request and limit CPU and memory, the request within the limit", () => {
    const { requests, limits } = container.resources;
    for (const kind of ["cpu", "memory"]) expect(quantity(requests[kind])).toBeLessThanOrEqual(quantity(limits[kind]));
    // The highest RSS measured (README, Deploy): 83 MiB; the limit leaves room above it.
    expect(quantity(limits.memory)).toBeGreaterThanOrEqual(2 * 83 * 2 ** 20);
  });
});

describe("deploy/container/Containerfile", () => {
  const file = readFileSync(new URL("deploy/container/Containerfile", root), "utf8");
  const instruction = (name) => file.match(new RegExp(`^${name} (.+)$`, "m"))?.[1];

  test("runs the binary as 65532 on 7007/tcp and 7007/udp, stopped by SIGTERM", () => {
    expect(instruction("ARG")).toBe("BASE=gcr.io/distroless/cc-debian12:nonroot");
    expect(instruction("FROM")).toMatch(/^\$\{BASE\}$/);
    expect(instruction("USER")).toBe("65532:65532");
    expect(instruction("EXPOSE")).toBe("7007/tcp 7007/udp");
    expect(instruction("STOPSIGNAL")).toBe("SIGTERM");
    expect(instruction("ENTRYPOINT")).toBe('["/usr/local/bin/tcp-echo"]');
  });
});
