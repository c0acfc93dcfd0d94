import { describe, expect, it } from "vitest";
import { builtinTool, toolCall } from "@/test/tool-call";
import { calculator } from "./calculator";

const calc = (expression: unknown) => calculator({ expression }, toolCall(builtinTool("calculator")));

describe("calculator", () => {
  it.each([
    ["(3 + 4) * 2 / 7", "2"],
    ["sqrt(2)", "1.4142135623731"],
    ["0.1 + 0.2", "0.3"],
    ["2^100", "1.2676506002282e+30"],
    ["1e308 * 10", "Infinity"],
    ["5 cm to inch", "1.9685039370079 inch"],
    ["10 km/h to m/s", "2.7777777777778 m / s"],
    ["sin(pi / 2)", "1"],
    ["a = 6; a * 7", "42"],
    ["[1, 2; 3, 4] * 2", "[[2, 4], [6, 8]]"],
    ["sqrt(-4)", "2i"],
  ])("%s = %s", async (expression, result) => {
    expect(await calc(expression)).toEqual({ output: { expression, result } });
  });

  it.each([
    ['import({"a": 1}, {"override": true})', "import is disabled"],
    ['createUnit("foo")', "createUnit is disabled"],
    ['evaluate("1 + 1")', "evaluate is disabled"],
    ['parse("1 + 1")', "parse is disabled"],
    ['compile("1")', "compile is disabled"],
    ['simplify("x + x")', "simplify is disabled"],
    ['derivative("x^2", "x")', "derivative is disabled"],
    ['config({"number": "BigNumber"})', "config is disabled"],
    ["f(x) = x^2", "defining functions"],
    ["f(n) = n > 0 ? f(n - 1) + f(n - 1) : 1; f(40)", "defining functions"],
    ["1:1e9", "ranges"],
    ["zeros(100000, 100000)", "zeros is disabled"],
    ['format(1e1000000, {"notation": "fixed"})', "format is disabled"],
    ["factorial(bignumber(10000000))", "bignumber is disabled"],
    ["typeOf(import)", "import is disabled"],
    ["cos.constructor", "No access"],
    ["a + 1", "Undefined symbol a"],
    ["(1 + ", "Unexpected end"],
  ])("refuses %s", async (expression, says) => {
    const outcome = await calc(expression);
    expect(outcome.isError).toBe(true);
    expect(String(outcome.output)).toContain(says);
  });

  it("bounds the expression's length and needs one", async () => {
    expect(await calc(`1${"+1".repeat(600)}`)).toMatchObject({ isError: true, output: expect.stringContaining("longer than 1000") });
    expect(await calc("  ")).toMatchObject({ isError: true });
    expect(await calc(undefined)).toMatchObject({ isError: true });
  });

  it("the shared instance stays intact after refused expressions", async () => {
    await calc('config({"number": "BigNumber"})');
    await calc('import({"pi": 3}, {"override": true})');
    expect(await calc("pi")).toEqual({ output: { expression: "pi", result: "3.1415926535898" } });
    expect(await calc("factorial(200)")).toEqual({ output: { expression: "factorial(200)", result: "Infinity" } });
  });
});
