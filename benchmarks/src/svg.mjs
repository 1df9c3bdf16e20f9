/**
 * Two charts as plain SVG, no dependency: throughput per scenario and runtime with ours beside
 * the control, and the ours/control throughput ratio with its 95% interval against the 97%
 * target and the 93% floor.
 */
import { SCENARIOS, scenarioById } from "./scenarios.mjs";
import { RUNTIMES } from "./servers.mjs";
import { pairCount } from "./summary.mjs";
import { TARGETS } from "./verdict.mjs";

const COLORS = { ours: "#2563eb", control: "#9ca3af", node: "#3c873a", deno: "#111827", bun: "#c2410c" };
/** The ratio's colour under each pair of bars, by throughput verdict. */
const VERDICT_COLORS = { met: "#374151", undecided: "#b45309", missed: "#b91c1c" };
/** Wide enough for the title and the footnote when only a few scenarios ran. */
const MIN_WIDTH = 760;
/** The ratio chart's widest axis: one wild interval (a disturbed pair) would flatten every other cell. */
const RATIO_AXIS = Object.freeze({ min: 0.4, max: 1.6 });
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

const esc = (s) => String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
const r1 = (n) => Math.round(n * 10) / 10;
const pct = (x) => `${Math.round(x * 1000) / 10}%`;
const whole = (x) => `${Math.round(x * 100)}%`;

function compact(n) {
  if (n >= 1e6) return `${r1(n / 1e6)}M`;
  if (n >= 1e3) return `${r1(n / 1e3)}k`;
  return `${Math.round(n)}`;
}

/** A round axis maximum at or above `n`: 1, 2 or 5 times a power of ten. */
function niceMax(n) {
  if (!(n > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 2.5, 5, 10].map((f) => f * p).find((v) => v >= n);
}

function text(x, y, s, attrs = "") {
  return `<text x="${r1(x)}" y="${r1(y)}" ${attrs}>${esc(s)}</text>`;
}

/**
 * Throughput: one panel per scenario; in each, a pair of bars per runtime (ours, control) with
 * the [min-max] range as a whisker. Stream scenarios are in MiB/s, the others in messages/s.
 * @param {object} result
 * @returns {string}
 */
export function throughputChart(result) {
  const rows = result.summary.rows;
  // A memory-only scenario's short load is no throughput figure.
  const scenarios = SCENARIOS.filter((s) => !s.memoryOnly && rows.some((r) => r.scenario === s.id));
  const panelW = 230;
  const panelH = 240;
  const top = 56;
  const left = 44;
  const width = Math.max(MIN_WIDTH, left + scenarios.length * panelW + 10);
  const height = top + panelH + 66;
  const parts = [];
  parts.push(
    text(
      10,
      22,
      "Throughput: tcp-echo beside the raw control (median, whisker = min-max)",
      `font-size="15" font-weight="600"`,
    ),
  );
  parts.push(
    `<rect x="10" y="32" width="12" height="12" fill="${COLORS.ours}"/>`,
    text(27, 42, "tcp-echo", `font-size="12"`),
  );
  parts.push(
    `<rect x="92" y="32" width="12" height="12" fill="${COLORS.control}"/>`,
    text(109, 42, "raw control", `font-size="12"`),
  );
  scenarios.forEach((scenario, i) => {
    const x0 = left + i * panelW;
    const stream = scenario.mode === "stream";
    const metric = stream ? "mibPerSec" : "messagesPerSec";
    const unit = stream ? "MiB/s" : scenario.transport === "udp" ? "dgram/s" : "msg/s";
    const mine = RUNTIMES.map((runtime) => rows.find((r) => r.scenario === scenario.id && r.runtime === runtime));
    const peak = Math.max(...mine.flatMap((r) => (r ? [r.ours[metric]?.max ?? 0, r.control[metric]?.max ?? 0] : [0])));
    const max = niceMax(peak);
    const plotH = panelH - 40;
    const y = (v) => top + 20 + plotH - (v / max) * plotH;
    parts.push(
      text(x0 + panelW / 2 - 10, top + 6, scenario.short, `font-size="13" font-weight="600" text-anchor="middle"`),
    );
    for (const f of [0, 0.5, 1]) {
      parts.push(
        `<line x1="${x0}" x2="${x0 + panelW - 30}" y1="${r1(y(max * f))}" y2="${r1(y(max * f))}" stroke="#e5e7eb"/>`,
      );
      parts.push(text(x0 - 4, y(max * f) + 4, compact(max * f), `font-size="10" text-anchor="end" fill="#6b7280"`));
    }
    parts.push(text(x0 + panelW - 30, top + 16, unit, `font-size="10" text-anchor="end" fill="#6b7280"`));
    const groupW = (panelW - 40) / RUNTIMES.length;
    mine.forEach((row, g) => {
      const gx = x0 + 6 + g * groupW;
      parts.push(text(gx + groupW / 2 - 4, top + panelH - 4, RUNTIMES[g], `font-size="11" text-anchor="middle"`));
      if (row === undefined) return;
      ["ours", "control"].forEach((kind, k) => {
        const d = row[kind][metric];
        if (d === undefined) return;
        const bx = gx + 4 + k * (groupW / 2 - 4);
        const bw = groupW / 2 - 8;
        parts.push(
          `<rect x="${r1(bx)}" y="${r1(y(d.median))}" width="${r1(bw)}" height="${r1(y(0) - y(d.median))}" fill="${COLORS[kind]}"><title>${esc(`${row.runtime} ${kind}: ${compact(d.median)} ${unit}`)}</title></rect>`,
        );
        const cx = bx + bw / 2;
        parts.push(`<line x1="${r1(cx)}" x2="${r1(cx)}" y1="${r1(y(d.min))}" y2="${r1(y(d.max))}" stroke="#111827"/>`);
      });
      const ratio = row.ratios.throughput?.median;
      if (ratio !== undefined) {
        const fill = VERDICT_COLORS[verdictOf(result, row)];
        parts.push(
          text(
            gx + groupW / 2 - 4,
            top + panelH + 10,
            `${Math.round(ratio * 1000) / 10}%`,
            `font-size="10" text-anchor="middle" fill="${fill}"`,
          ),
        );
      }
    });
  });
  parts.push(
    text(
      10,
      height - 22,
      "percent under each pair: tcp-echo / control, pair by pair; red: target missed, amber: undecided",
      `font-size="10" fill="#6b7280"`,
    ),
  );
  parts.push(text(10, height - 8, footnote(result), `font-size="10" fill="#6b7280"`));
  return svg(width, height, parts);
}

/**
 * The ours/control throughput ratio per scenario and runtime: median dot, 95% interval as an
 * error bar (the [min-max] range for a summary without intervals), a line at 100%, a dashed line
 * at the 97% target and a dotted one at the 93% floor. A hollow dot is a cell still undecided.
 * @param {object} result
 * @returns {string}
 */
export function ratioChart(result) {
  const rows = result.summary.rows.filter(
    (r) => r.ratios.throughput !== undefined && !scenarioById(r.scenario)?.memoryOnly,
  );
  const scenarios = SCENARIOS.filter((s) => rows.some((r) => r.scenario === s.id));
  const bar = (r) => {
    const i = r.intervals?.throughput;
    return i === undefined ? { low: r.ratios.throughput.min, high: r.ratios.throughput.max } : i;
  };
  const values = rows.flatMap((r) => [bar(r).low, bar(r).high]);
  const lo = Math.max(RATIO_AXIS.min, Math.min(0.9, Math.floor((Math.min(...values, 1) - 0.01) * 50) / 50));
  const hi = Math.min(RATIO_AXIS.max, Math.max(1.06, Math.ceil((Math.max(...values, 1) + 0.01) * 50) / 50));
  const left = 56;
  const top = 50;
  const groupW = 170;
  const plotH = 260;
  const width = Math.max(MIN_WIDTH, left + Math.max(1, scenarios.length) * groupW + 120);
  // The plot ends short of the right edge, where the target lines are labelled clear of the bars.
  const right = width - 110;
  const height = top + plotH + 70;
  const clip = (v) => Math.min(hi, Math.max(lo, v));
  const y = (v) => top + plotH - ((clip(v) - lo) / (hi - lo)) * plotH;
  const parts = [];
  parts.push(
    text(
      10,
      22,
      "tcp-echo throughput as a share of the raw control's (median of the pairs, bar = 95% interval)",
      `font-size="15" font-weight="600"`,
    ),
  );
  RUNTIMES.forEach((runtime, i) => {
    parts.push(
      `<circle cx="${16 + i * 80}" cy="38" r="5" fill="${COLORS[runtime]}"/>`,
      text(25 + i * 80, 42, runtime, `font-size="12"`),
    );
  });
  const step = hi - lo > 0.3 ? 0.1 : 0.05;
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
    parts.push(`<line x1="${left}" x2="${right}" y1="${r1(y(v))}" y2="${r1(y(v))}" stroke="#f3f4f6"/>`);
    parts.push(text(left - 6, y(v) + 4, `${Math.round(v * 100)}%`, `font-size="10" text-anchor="end" fill="#6b7280"`));
  }
  parts.push(`<line x1="${left}" x2="${right}" y1="${r1(y(1))}" y2="${r1(y(1))}" stroke="#6b7280"/>`);
  const target = TARGETS.throughput.min;
  parts.push(
    `<line x1="${left}" x2="${right}" y1="${r1(y(target))}" y2="${r1(y(target))}" stroke="#b91c1c" stroke-dasharray="5 4"/>`,
  );
  parts.push(text(right + 6, y(target) - 2, `target ${whole(target)}`, `font-size="10" fill="#b91c1c"`));
  const floor = TARGETS.throughput.floor;
  parts.push(
    `<line x1="${left}" x2="${right}" y1="${r1(y(floor))}" y2="${r1(y(floor))}" stroke="#b91c1c" stroke-dasharray="1 3"/>`,
  );
  parts.push(text(right + 6, y(floor) + 9, `interval floor ${whole(floor)}`, `font-size="10" fill="#b91c1c"`));
  scenarios.forEach((scenario, i) => {
    const gx = left + i * groupW;
    parts.push(text(gx + groupW / 2, top + plotH + 18, scenario.short, `font-size="11" text-anchor="middle"`));
    RUNTIMES.forEach((runtime, k) => {
      const row = rows.find((r) => r.scenario === scenario.id && r.runtime === runtime);
      if (row === undefined) return;
      const median = row.ratios.throughput.median;
      const { low, high } = bar(row);
      const verdict = verdictOf(result, row);
      const cx = gx + groupW / 2 + (k - 1) * 34;
      const color = COLORS[runtime];
      // An end past the axis runs to its edge without a cap; the tooltip has its value.
      parts.push(
        `<line x1="${r1(cx)}" x2="${r1(cx)}" y1="${r1(y(low))}" y2="${r1(y(high))}" stroke="${color}" stroke-width="2"/>`,
        ...[low, high]
          .filter((v) => v === clip(v))
          .map(
            (v) =>
              `<line x1="${r1(cx - 5)}" x2="${r1(cx + 5)}" y1="${r1(y(v))}" y2="${r1(y(v))}" stroke="${color}" stroke-width="2"/>`,
          ),
      );
      const label = `${runtime}, ${scenario.title}: ${pct(median)} [${pct(low)}, ${pct(high)}], ${verdict}`;
      parts.push(
        `<circle cx="${r1(cx)}" cy="${r1(y(median))}" r="5" fill="${verdict === "undecided" ? "#ffffff" : color}" stroke="${color}" stroke-width="2"><title>${esc(label)}</title></circle>`,
      );
    });
  });
  parts.push(
    text(
      10,
      height - 24,
      `filled dot: target met or missed; hollow dot: undecided, the interval cannot tell; bars past ${whole(RATIO_AXIS.min)} or ${whole(RATIO_AXIS.max)} are cut at the edge`,
      `font-size="10" fill="#6b7280"`,
    ),
  );
  parts.push(text(10, height - 10, footnote(result), `font-size="10" fill="#6b7280"`));
  return svg(width, height, parts);
}

/** The row's throughput verdict; a summary stored before verdicts existed has only `met`. */
function verdictOf(result, row) {
  const t = result.summary.targets.find(
    (x) => x.scenario === row.scenario && x.runtime === row.runtime && x.target.startsWith("throughput"),
  );
  return t === undefined ? "undecided" : (t.verdict ?? (t.met ? "met" : "missed"));
}

function footnote(result) {
  const m = result.machine;
  const pinning = result.method.pinning.startsWith("none") ? "not pinned" : "server and client on separate cores";
  return `${result.startedAt.slice(0, 10)}, ${pairCount(result.method)} pair(s) per cell; node ${m.runtimes.node}, deno ${m.runtimes.deno}, bun ${m.runtimes.bun}; ${m.cores} cores, ${pinning}`;
}

function svg(width, height, parts) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r1(width)}" height="${r1(height)}" viewBox="0 0 ${r1(width)} ${r1(height)}" ${FONT}>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
