/**
 * Lenient reading of a model's JSON answer: models wrap JSON in code fences or prose. The first JSON object of the
 * text (fences stripped), or undefined when there is none. Only the transport's reading: whether the object means
 * anything (its schema) is for the caller to decide.
 */
export function parseJsonLoose(text: string): unknown {
  const trimmed = text.trim();
  const whole = tryParse(trimmed);
  if (isObject(whole)) return whole;
  const fenced = /```[a-zA-Z0-9_-]*\s*\n?([\s\S]*?)```/.exec(trimmed);
  if (fenced) {
    const inner = tryParse(fenced[1]!.trim());
    if (isObject(inner)) return inner;
  }
  for (let start = trimmed.indexOf("{"); start >= 0; start = trimmed.indexOf("{", start + 1)) {
    const end = objectEnd(trimmed, start);
    if (end < 0) continue;
    const value = tryParse(trimmed.slice(start, end + 1));
    if (value !== undefined) return value;
  }
  return undefined;
}

const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The index of the brace closing the object that opens at `start` (strings and escapes respected), or -1. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}
