/**
 * calculator: a math expression evaluated by mathjs, never by `eval`. The instance follows mathjs's security guidance
 * (https://mathjs.org/docs/expressions/security.html): the functions that reach the parser, change the instance or
 * its units are replaced by ones that throw. Evaluation is synchronous and cannot be interrupted by the call's
 * timeout, so the expression is parsed first and refused when it defines functions (recursion without a bound),
 * calls a disabled function, or names one that builds arbitrarily large results (sized matrices, fixed formatting).
 */
import { all, create, type MathNode } from "mathjs";
import type { ToolExecutor } from "../types";

export const MAX_EXPRESSION_LENGTH = 1_000;
/** significant digits of a result */
const PRECISION = 14;

const math = create(all!, { number: "number" });
const parse = math.parse;
const evaluate = math.evaluate;

/** mathjs's list of functions to disable inside expressions, and their relatives. */
const DISABLED = [
  "import",
  "createUnit",
  "reviver",
  "replacer",
  "evaluate",
  "parse",
  "compile",
  "parser",
  "simplify",
  "simplifyConstant",
  "simplifyCore",
  "rationalize",
  "derivative",
  "resolve",
  "leafCount",
  "symbolicEqual",
  "chain",
];
/**
 * Also refused by name: `config` changes the shared instance (overriding it breaks mathjs's own use of it); the rest
 * build results of any size, or (arbitrary precision) take seconds of CPU: factorial(bignumber(1e7)).
 */
const REFUSED_NAMES = new Set([
  ...DISABLED,
  "config",
  "format",
  "print",
  "range",
  "zeros",
  "ones",
  "identity",
  "resize",
  "random",
  "randomInt",
  "pickRandom",
  "kron",
  "matrixFromFunction",
  "matrixFromRows",
  "matrixFromColumns",
  "bignumber",
  "bigint",
]);

math.import(
  Object.fromEntries(
    DISABLED.map((name) => [
      name,
      () => {
        throw new Error(`the function ${name} is disabled`);
      },
    ]),
  ),
  { override: true },
);

/** Why an expression is refused before it runs, or null. */
function refusal(expression: string): string | null {
  let root: MathNode;
  try {
    root = parse(expression);
  } catch (error) {
    return (error as Error).message;
  }
  let reason: string | null = null;
  root.traverse((node) => {
    if (reason) return;
    if (node.type === "FunctionAssignmentNode") reason = "defining functions is not supported";
    else if (node.type === "RangeNode") reason = "ranges (a:b) are not supported";
    else if (node.type === "SymbolNode" && REFUSED_NAMES.has((node as unknown as { name: string }).name))
      reason = `the function ${(node as unknown as { name: string }).name} is disabled`;
  });
  return reason;
}

export const calculator: ToolExecutor = async (input) => {
  const expression = String((input as { expression?: unknown } | null)?.expression ?? "").trim();
  if (!expression) return { isError: true, output: "give an expression, e.g. (3 + 4) * 2" };
  if (expression.length > MAX_EXPRESSION_LENGTH) return { isError: true, output: `the expression is longer than ${MAX_EXPRESSION_LENGTH} characters` };
  const refused = refusal(expression);
  if (refused) return { isError: true, output: `cannot evaluate: ${refused}` };
  let value: unknown;
  try {
    value = evaluate(expression);
  } catch (error) {
    return { isError: true, output: `cannot evaluate: ${(error as Error).message}` };
  }
  // several statements (a = 2; a * 3) answer a ResultSet: the last statement's value is the result
  if (value && typeof value === "object" && (value as { type?: string }).type === "ResultSet") value = (value as { entries: unknown[] }).entries.at(-1);
  if (typeof value === "function") return { isError: true, output: "the expression is a function, not a value" };
  return { output: { expression, result: math.format(value, { precision: PRECISION }) } };
};
