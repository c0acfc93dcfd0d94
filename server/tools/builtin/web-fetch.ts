/**
 * web_fetch: a page's readable text as Markdown. GET through the egress guard; HTML goes through Readability (on a
 * linkedom document, no scripts run) and turndown, title first; a page Readability finds no article in gives its body
 * text; other text is returned as it came. The page is untrusted data: the loop marks it so in the prompt.
 */
import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import TurndownService from "turndown";
import { answerMeta, decodeText, failureOutcome, isTextual, toolFetch } from "../http-outcome";
import type { ToolExecutor } from "../types";

const ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,application/json;q=0.8,*/*;q=0.5";

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

function isHtml(contentType: string | null, text: string): boolean {
  const type = contentType ? contentType.split(";")[0]!.trim().toLowerCase() : "";
  if (type) return type === "text/html" || type === "application/xhtml+xml";
  return /^\s*(<!doctype html|<html)/i.test(text);
}

function cut(text: string, maxChars: number): { text: string; truncated: boolean } {
  return text.length > maxChars ? { text: text.slice(0, maxChars), truncated: true } : { text, truncated: false };
}

export const webFetch: ToolExecutor = async (input, call) => {
  const { url } = input as { url: string };
  let answer: Awaited<ReturnType<typeof toolFetch>>;
  try {
    answer = await toolFetch(url, { method: "GET", headers: { accept: ACCEPT } }, call);
  } catch (error) {
    return failureOutcome(error, call);
  }
  const meta = answerMeta(answer);
  if (answer.status < 200 || answer.status >= 300) return { isError: true, output: `the page answered ${answer.status}`, meta };
  const contentType = answer.headers.get("content-type");
  if (!isTextual(contentType)) return { isError: true, output: `the page is not text (${contentType})`, meta };
  const raw = decodeText(answer.bytes, answer.truncated);
  const markdown = isHtml(contentType, raw) ? htmlToMarkdown(raw) : raw;
  const { text, truncated } = cut(markdown, call.tool.maxResponseBytes);
  return { output: { url: answer.url, content: text, truncated: truncated || answer.truncated }, meta };
};
