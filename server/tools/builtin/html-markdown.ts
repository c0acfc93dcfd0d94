/**
 * HTML to Markdown, shared by the tool web_fetch (./web-fetch.ts) and document ingestion (server/memory/documents):
 * Readability on a linkedom document (no scripts run) finds the article, turndown writes it as Markdown, title first;
 * a page Readability finds no article in gives its body text.
 */
import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import TurndownService from "turndown";

const turndown = new TurndownService({ headingStyle: "atx", codeBlockStyle: "fenced", bulletListMarker: "-" });
turndown.remove(["script", "style", "noscript", "iframe", "img"]);

/** HTML to Markdown: the article Readability finds (title first), or the body's text when it finds none. */
export function htmlToMarkdown(html: string): string {
  const { document } = parseHTML(html);
  const pageTitle = document.title?.trim() ?? "";
  let article: ReturnType<Readability["parse"]> = null;
  try {
    article = new Readability(document as unknown as Document).parse();
  } catch {
    article = null;
  }
  const title = article?.title?.trim() || pageTitle;
  const body = article?.content ? turndown.turndown(article.content).trim() : (parseHTML(html).document.body?.textContent?.replace(/\s+/g, " ").trim() ?? "");
  return title ? `# ${title}\n\n${body}` : body;
}
