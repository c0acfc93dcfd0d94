import { describe, expect, it } from "vitest";
import { DEFAULT_TRIGGER_TEMPLATE, renderTriggerTemplate, triggerTemplateProblem } from "./trigger-template";

const delivery = (payload: unknown, body = JSON.stringify(payload)) => ({ body, payload, webhook: { id: "msg_1", timestamp: "1700000000" } });

describe("trigger templates", () => {
  it("fills paths into the payload, indexes, the raw body and the webhook id; strings as themselves, the rest as JSON", () => {
    const d = delivery({ issue: { title: "Crash", labels: [{ name: "bug" }], number: 7, open: true, "x-y": "dash" } });
    expect(renderTriggerTemplate("{{ payload.issue.title }} #{{payload.issue.number}} {{ payload.issue.labels[0].name }} {{ payload.issue.open }}", d)).toBe(
      "Crash #7 bug true",
    );
    expect(renderTriggerTemplate("{{ payload.issue.x-y }} / {{ webhook.id }}", d)).toBe("dash / msg_1");
    expect(renderTriggerTemplate("{{ payload.issue.labels }}", d)).toBe(JSON.stringify([{ name: "bug" }], null, 2));
    expect(renderTriggerTemplate("{{ body }}", delivery(undefined, "plain text"))).toBe("plain text");
  });

  it("the default template is the whole body as JSON text", () => {
    const payload = { a: 1, b: ["x"] };
    expect(JSON.parse(renderTriggerTemplate(DEFAULT_TRIGGER_TEMPLATE, delivery(payload)))).toEqual(payload);
  });

  it("a path the payload does not have is an error naming it (also through arrays, primitives and prototypes)", () => {
    const d = delivery({ issue: { title: "x" }, list: [1] });
    expect(() => renderTriggerTemplate("{{ payload.issue.body }}", d)).toThrow("The payload has no value at payload.issue.body");
    expect(() => renderTriggerTemplate("{{ payload.list[3] }}", d)).toThrow("payload.list[3]");
    expect(() => renderTriggerTemplate("{{ payload.issue.title.length }}", d)).toThrow("payload.issue.title.length");
    expect(() => renderTriggerTemplate("{{ payload.constructor }}", d)).toThrow("payload.constructor");
    expect(() => renderTriggerTemplate("{{ payload.x }}", delivery(undefined, "not json"))).toThrow("the body is not JSON");
  });

  it("refuses anything that is not a path: no expressions, calls or other roots; a value is never expanded again", () => {
    expect(triggerTemplateProblem("{{ payload.a }} and {{ body }}")).toBeNull();
    expect(triggerTemplateProblem("{{ process.env.SECRET }}")).toContain("start it with payload, body or webhook");
    expect(triggerTemplateProblem("{{ payload.a + 1 }}")).toContain("names (.name) and indexes");
    expect(triggerTemplateProblem("{{ payload.a() }}")).toContain("names (.name) and indexes");
    expect(triggerTemplateProblem("{{ webhook.secret }}")).toContain("only id and timestamp");
    expect(triggerTemplateProblem("{{ body.x }}")).toContain("no fields");
    expect(renderTriggerTemplate("{{ payload.a }}", delivery({ a: "{{ webhook.id }}" }))).toBe("{{ webhook.id }}");
  });
});
