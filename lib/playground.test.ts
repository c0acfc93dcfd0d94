import { describe, expect, it } from "vitest";
import { answerStatus, CHAT_TITLE_CHARS, chatTitle, lastTargetKey, parseTarget, sessionFromUrl, sessionTarget, urlWithSession } from "./playground";

describe("the playground's targets and sessions", () => {
  it("reads a target value and writes a session's", () => {
    expect(parseTarget("agent:writer")).toEqual({ agent: "writer" });
    expect(parseTarget("team:pair")).toEqual({ team: "pair" });
    expect(parseTarget("team:")).toBeNull();
    expect(parseTarget("tool:x")).toBeNull();
    expect(parseTarget("writer")).toBeNull();
    expect(sessionTarget({ agent: { slug: "writer" }, team: null })).toBe("agent:writer");
    expect(sessionTarget({ agent: null, team: { slug: "pair" } })).toBe("team:pair");
  });

  it("takes a session id from the URL only when it is one, and writes it back keeping the rest", () => {
    expect(sessionFromUrl("ses_0123456789abcdefghjkmnpqrs")).toBe("ses_0123456789abcdefghjkmnpqrs");
    expect(sessionFromUrl("run_0123456789abcdefghjkmnpqrs")).toBeNull();
    expect(sessionFromUrl("ses_<script>")).toBeNull();
    expect(sessionFromUrl(null)).toBeNull();
    const page = "https://cadre.test/w/acme/playground";
    expect(urlWithSession(`${page}?target=agent:writer`, "ses_1")).toBe("/w/acme/playground?session=ses_1");
    expect(urlWithSession(`${page}?session=ses_1&x=1`, null)).toBe("/w/acme/playground?x=1");
  });

  it("titles a chat after its first message's first line", () => {
    expect(chatTitle("  When does\tORD-1  ship?\nThanks")).toBe("When does ORD-1 ship?");
    const long = chatTitle("a".repeat(500));
    expect(long).toHaveLength(CHAT_TITLE_CHARS);
    expect(long.endsWith("…")).toBe(true);
  });

  it("maps an answer's status to its run's and keeps the last target per person and workspace", () => {
    expect(answerStatus("ok")).toBe("succeeded");
    expect(answerStatus("failed")).toBe("failed");
    expect(lastTargetKey("usr_1", "acme")).not.toBe(lastTargetKey("usr_2", "acme"));
  });
});
