/**
 * A line diff (longest common subsequence) for version history: instructions, descriptions, specs as JSON.
 * Common leading and trailing lines are matched first; the middle is an LCS table, bounded: beyond
 * MAX_CELLS (two texts of ~2000 changed lines each) the middle is shown as removed then added.
 */
export interface DiffLine {
  op: "equal" | "add" | "remove";
  text: string;
}

const MAX_CELLS = 4_000_000;

export function splitLines(text: string): string[] {
  if (text === "") return [];
  return text.replace(/\r\n?/g, "\n").split("\n");
}

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = a.slice(0, start).map((text) => ({ op: "equal", text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  out.push(...middle(midA, midB));
  out.push(...a.slice(endA).map((text): DiffLine => ({ op: "equal", text })));
  return out;
}

function middle(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((text) => ({ op: "add", text }));
  if (m === 0) return a.map((text) => ({ op: "remove", text }));
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    return [...a.map((text): DiffLine => ({ op: "remove", text })), ...b.map((text): DiffLine => ({ op: "add", text }))];
  }
  // lcs[i][j] = LCS length of a[i..] and b[j..], in one flat array
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: "equal", text: a[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
      out.push({ op: "remove", text: a[i++]! });
    } else {
      out.push({ op: "add", text: b[j++]! });
    }
  }
  while (i < n) out.push({ op: "remove", text: a[i++]! });
  while (j < m) out.push({ op: "add", text: b[j++]! });
  return out;
}

/** JSON with object keys in a fixed order ("topology" first, then alphabetical): equal values give equal text. */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(canonicalize(value), null, indent);
}

function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    keys.sort((x, y) => (x === "topology" ? -1 : y === "topology" ? 1 : x < y ? -1 : x > y ? 1 : 0));
    return Object.fromEntries(keys.map((k) => [k, canonicalize((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** Deep equality of JSON values, ignoring object key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
