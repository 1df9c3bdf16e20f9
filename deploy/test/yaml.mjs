/**
 * Reads the YAML the manifests in deploy/kubernetes use, and no more: `---` between documents,
 * block mappings and block sequences (`- ` items, a mapping's first key on the dash's line),
 * plain, 'single' and "double" quoted scalars (true, false, null and numbers typed as YAML 1.2
 * core has them), and # comments. Anything else (flow collections, anchors, multi-line scalars,
 * tabs) throws, naming the line, so a manifest cannot silently mean something else here than
 * to kubectl.
 *
 * @param {string} text
 * @returns {unknown[]} One value per document.
 */
export function parseYamlDocuments(text) {
  const documents = [];
  let lines = [];
  text.split("\n").forEach((raw, index) => {
    if (/^---\s*$/.test(raw)) {
      if (lines.length > 0) documents.push(parseBlock(lines));
      lines = [];
      return;
    }
    const content = stripComment(raw, index + 1);
    if (content.trim() === "") return;
    if (/^\t| \t/.test(content.match(/^\s*/)[0])) throw new Error(`line ${index + 1}: tabs in indentation`);
    lines.push({ indent: content.match(/^ */)[0].length, text: content.trim(), line: index + 1 });
  });
  if (lines.length > 0) documents.push(parseBlock(lines));
  return documents;
}

function stripComment(raw, line) {
  let quote;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(raw[i - 1]))) return raw.slice(0, i).trimEnd();
  }
  if (quote !== undefined) throw new Error(`line ${line}: unterminated quote`);
  return raw.trimEnd();
}

/** Parses lines that all belong to one node, indented at least as much as the first. */
function parseBlock(lines) {
  const state = { lines, at: 0 };
  const value = parseNode(state, lines[0].indent);
  if (state.at < lines.length) throw new Error(`line ${lines[state.at].line}: unexpected indentation`);
  return value;
}

function parseNode(state, indent) {
  const first = state.lines[state.at];
  return first.text === "-" || first.text.startsWith("- ") ? parseSequence(state, indent) : parseMapping(state, indent);
}

function parseSequence(state, indent) {
  const items = [];
  while (state.at < state.lines.length) {
    const line = state.lines[state.at];
    if (line.indent !== indent || !(line.text === "-" || line.text.startsWith("- "))) break;
    const rest = line.text.slice(1).trimStart();
    if (rest === "") {
      state.at++;
      items.push(nested(state, indent, line));
    } else if (keyOf(rest) !== undefined) {
      // "- key: value": a mapping whose keys sit where "key" does.
      const inner = indent + (line.text.length - rest.length);
      state.lines[state.at] = { ...line, indent: inner, text: rest };
      items.push(parseMapping(state, inner));
    } else {
      state.at++;
      items.push(scalar(rest, line.line));
    }
  }
  return items;
}

function parseMapping(state, indent) {
  const map = {};
  while (state.at < state.lines.length) {
    const line = state.lines[state.at];
    if (line.indent < indent) break;
    if (line.indent > indent) throw new Error(`line ${line.line}: unexpected indentation`);
    const key = keyOf(line.text);
    if (key === undefined) throw new Error(`line ${line.line}: expected "key: value"`);
    if (Object.hasOwn(map, key.name)) throw new Error(`line ${line.line}: duplicate key ${key.name}`);
    state.at++;
    map[key.name] = key.value === "" ? nested(state, indent, line) : scalar(key.value, line.line);
  }
  return map;
}

/** The node under a key or a dash: more indented lines, or a sequence at the key's own indent. */
function nested(state, indent, parent) {
  const next = state.lines[state.at];
  if (next === undefined || next.indent < indent) return null;
  if (next.indent > indent) return parseNode(state, next.indent);
  if (next.text.startsWith("- ") && keyOf(parent.text) !== undefined) return parseSequence(state, indent);
  return null;
}

function keyOf(text) {
  const match = text.match(/^([A-Za-z0-9_./-]+|"[^"]*"|'[^']*'):(?:\s+(.*))?$/);
  if (match === null) return undefined;
  const name = /^["']/.test(match[1]) ? match[1].slice(1, -1) : match[1];
  return { name, value: match[2] ?? "" };
}

function scalar(text, line) {
  if (/^[[{&*!|>]/.test(text))
    throw new Error(`line ${line}: flow collections, anchors, tags and block scalars are not read here`);
  if (text.startsWith('"')) return JSON.parse(text);
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  if (text === "true" || text === "false") return text === "true";
  if (text === "null" || text === "~") return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) return Number(text);
  return text;
}
