import { describe, expect, it } from "vitest";
import { documentTitle, workspaceTitleMetadata } from "./page-title";

// Next resolves a page's title with the nearest layout's template (resolveTitle in next/dist/lib/metadata)
const resolve = (template: string, title: string) => template.replace(/%s/g, title);

describe("page titles", () => {
  it("name the section and the workspace on every workspace page", () => {
    const { title } = workspaceTitleMetadata("acme");
    expect(title).toEqual({ default: "acme", template: "%s · acme · Cadre" });
    expect(resolve((title as { template: string }).template, "Agents")).toBe("Agents · acme · Cadre");
    // the layout's default goes through the root layout's template
    expect(resolve("%s · Cadre", (title as { default: string }).default)).toBe("acme · Cadre");
  });

  it("name the agent, team or run on a detail page once it loaded", () => {
    expect(documentTitle(["Writer", "Agents", "Acme"])).toBe("Writer · Agents · Acme · Cadre");
    expect(documentTitle([undefined, "Agents", null])).toBe("Agents · Cadre");
    expect(documentTitle([null, undefined])).toBeNull();
  });
});
