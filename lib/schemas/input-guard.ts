import { AppError } from "../errors";
import { hasUnsafeText, UNSAFE_TEXT_MESSAGE } from "./text";

/**
 * Generic bounds on any decoded input (a JSON body, a tRPC input, a query), checked before the zod schema sees it:
 * the schema would refuse most of it anyway, but only after walking all of it. Strings (values and keys) are checked
 * for NUL and unpaired surrogates here too, so that fields typed as any JSON (a team's spec) are covered.
 */
export const INPUT_LIMITS = {
  /** keys of one object */
  maxKeys: 1_000,
  /** items of one array */
  maxArrayLength: 10_000,
  /** nesting of objects and arrays */
  maxDepth: 32,
} as const;

export interface InputProblem {
  path: string;
  message: string;
}

const MAX_PROBLEMS = 20;

/** Every problem of a decoded input (at most 20), with the dotted path of the field. */
export function inputProblems(value: unknown): InputProblem[] {
  const problems: InputProblem[] = [];
  const visit = (node: unknown, path: string[], depth: number): void => {
    if (problems.length >= MAX_PROBLEMS) return;
    const at = path.join(".");
    if (typeof node === "string") {
      if (hasUnsafeText(node)) problems.push({ path: at, message: UNSAFE_TEXT_MESSAGE });
      return;
    }
    if (node === null || typeof node !== "object") return;
    if (depth > INPUT_LIMITS.maxDepth) {
      problems.push({ path: at, message: `Nested deeper than ${INPUT_LIMITS.maxDepth} levels` });
      return;
    }
    if (Array.isArray(node)) {
      if (node.length > INPUT_LIMITS.maxArrayLength) {
        problems.push({ path: at, message: `An array has at most ${INPUT_LIMITS.maxArrayLength} items, got ${node.length}` });
        return;
      }
      node.forEach((item, i) => visit(item, [...path, String(i)], depth + 1));
      return;
    }
    const proto = Object.getPrototypeOf(node);
    if (proto !== Object.prototype && proto !== null) return; // Date and other decoded values
    const keys = Object.keys(node);
    if (keys.length > INPUT_LIMITS.maxKeys) {
      problems.push({ path: at, message: `An object has at most ${INPUT_LIMITS.maxKeys} keys, got ${keys.length}` });
      return;
    }
    for (const key of keys) {
      if (hasUnsafeText(key)) {
        problems.push({ path: at, message: `A key ${UNSAFE_TEXT_MESSAGE.toLowerCase()}` });
        continue;
      }
      visit((node as Record<string, unknown>)[key], [...path, key], depth + 1);
    }
  };
  visit(value, [], 0);
  return problems;
}

/** Throws VALIDATION_FAILED (422, the problems as `issues`) when the input breaks a bound or carries unsafe text. */
export function assertInputBounds(value: unknown): void {
  const problems = inputProblems(value);
  if (problems.length === 0) return;
  const message = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");
  throw new AppError("VALIDATION_FAILED", message, { issues: problems });
}
