import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { errorMessage } from "@/lib/trpc/errors";
import { inputProblems } from "./input-guard";
import { displayName, hasSpoofingCharacters, hasUnsafeText, intColumn, text } from "./text";

describe("text()", () => {
  it("refuses NUL and unpaired surrogates anywhere, keeps every valid string", () => {
    for (const bad of ["\u0000", "a\u0000b", "\uD800", "\uDC00", "a\uD83Db", "x\uDE00", "\uDE00\uD83D"])
      expect(hasUnsafeText(bad), JSON.stringify(bad)).toBe(true);
    for (const ok of ["", "plain", "\u{1F600}", "a\u{1F600}b\u{10FFFF}", "\t\n\r", "\u0001", "\uFFFD", "\u202E"])
      expect(hasUnsafeText(ok), JSON.stringify(ok)).toBe(false);
    expect(text().safeParse("a\u0000").success).toBe(false);
    expect(text().trim().min(1).parse("  ok  ")).toBe("ok");
  });
});

describe("displayName()", () => {
  it("refuses bidi controls and invisible characters; joiners only between non-ASCII characters", () => {
    for (const bad of [
      "\u202Aa",
      "a\u202E",
      "\u2066x\u2069",
      "a\u200Bb",
      "\u200Ex",
      "\u200Fx",
      "a\u2060b",
      "a\u2064",
      "\uFEFFa",
      "sh\u00ADy",
      "a\u200Db",
      "\u200Cx",
      "x\u200D",
    ]) {
      expect(hasSpoofingCharacters(bad), JSON.stringify(bad)).toBe(true);
      expect(displayName().safeParse(bad).success).toBe(false);
    }
    for (const ok of ["Zoë", "\u{1F469}\u200D\u{1F4BB}", "\u0645\u06CC\u200C\u062E", "\u0915\u094D\u200D\u0937", "Ω-team 2"]) {
      expect(hasSpoofingCharacters(ok), JSON.stringify(ok)).toBe(false);
    }
  });
});

describe("intColumn()", () => {
  it("stops at the largest PostgreSQL integer", () => {
    expect(intColumn(1).safeParse(2_147_483_647).success).toBe(true);
    expect(intColumn(1).safeParse(2_147_483_648).success).toBe(false);
    expect(intColumn(1).safeParse(0).success).toBe(false);
  });
});

describe("inputProblems", () => {
  it("names the path of unsafe text in values and keys, and the bounds", () => {
    expect(inputProblems({ a: [{ b: "x\u0000" }] })).toEqual([{ path: "a.0.b", message: expect.stringContaining("NUL") }]);
    expect(inputProblems({ "k\uD800": 1 })).toEqual([{ path: "", message: expect.stringContaining("key") }]);
    expect(inputProblems({ list: Array(10_001).fill(0) })[0]!.path).toBe("list");
    expect(inputProblems(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])))[0]!.message).toContain("1000 keys");
    expect(inputProblems(JSON.parse("[".repeat(40) + "]".repeat(40)))[0]!.message).toContain("32 levels");
    expect(inputProblems({ fine: ["ok", 1, null, true, { nested: "\u{1F600}" }], when: new Date() })).toEqual([]);
  });
});

describe("the web app's error message for a refusal before tRPC", () => {
  it("shows the envelope's message (the body size limit)", () => {
    const error = TRPCClientError.from(new Error("Unknown"), {
      meta: {
        responseJSON: { error: { code: "PAYLOAD_TOO_LARGE", message: "The request body is larger than the limit of 1048576 bytes", requestId: "req_1" } },
      },
    });
    expect(errorMessage(error)).toBe("The request body is larger than the limit of 1048576 bytes");
  });
});
