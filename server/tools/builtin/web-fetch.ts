/**
 * web_fetch: a page's readable text as Markdown. GET through the egress guard; HTML goes through Readability (on a
 * linkedom document, no scripts run) and turndown, title first; a page Readability finds no article in gives its body
 * text; other text is returned as it came. The page is untrusted data: the loop marks it so in the prompt.
 */
import { htmlToMarkdown } from "./html-markdown";
import { answerMeta, decodeText, failureOutcome, isTextual, toolFetch } from "../http-outcome";
import type { ToolExecutor } from "../types";

const ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,application/json;q=0.8,*/*;q=0.5";

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
