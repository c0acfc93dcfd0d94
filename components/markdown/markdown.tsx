"use client";

/**
 * Agent output as Markdown, rendered for people and never trusted: no raw HTML (dropped), nothing the browser loads
 * by itself (an image becomes a line of text with its address: an output must not be able to send data out through
 * an image URL), links only to http(s) and mailto addresses, opened in a new tab with
 * rel="noopener noreferrer nofollow", headings demoted below the page's own. Code blocks: a copy button, and
 * highlighting loaded on demand (./highlight.ts). Streamed text may end anywhere (half a fence, half a link): it
 * renders as far as it parses.
 */
import { memo, type ComponentProps, type ReactNode } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import rehypeSanitize, { defaultSchema } from "rehype-sanitize";
import { cn } from "@/lib/cn";
import { CodeBlock } from "./code-block";

/** The address a link may keep: absolute http(s) or mailto; anything else (javascript:, data:, relative) none. */
export function safeUrl(url: string): string {
  const trimmed = url.trim();
  return /^(https?:\/\/|mailto:)/i.test(trimmed) ? trimmed : "";
}

// the default schema (no iframe, object, video, style, event handlers), code's class only for its language; `img`
// stays in the tree for the component below, which renders it as text
const schema = {
  ...defaultSchema,
  attributes: {
    ...defaultSchema.attributes,
    code: [["className", /^language-[\w+#-]+$/]],
    img: ["alt", "src"],
  },
  protocols: { href: ["http", "https", "mailto"], src: ["http", "https"] },
};

const heading = (Tag: "h3" | "h4" | "h5" | "h6", size: string) =>
  function Heading({ node: _node, ...props }: ComponentProps<"h1"> & { node?: unknown }) {
    return <Tag {...props} className={cn("mt-4 mb-2 font-semibold text-foreground first:mt-0", size)} />;
  };

const components: Components = {
  h1: heading("h3", "text-lg"),
  h2: heading("h4", "text-base"),
  h3: heading("h5", "text-sm"),
  h4: heading("h6", "text-sm"),
  h5: heading("h6", "text-sm"),
  h6: heading("h6", "text-sm"),
  a({ node: _node, href, children, ...props }) {
    const target = href ? safeUrl(href) : "";
    if (!target) return <span>{children}</span>;
    return (
      <a {...props} href={target} target="_blank" rel="noopener noreferrer nofollow" className="text-primary underline underline-offset-2 break-words">
        {children}
      </a>
    );
  },
  // never an <img>: the browser would fetch it
  img({ alt, src }) {
    return (
      <span className="text-muted-foreground" data-md-image="">
        [image{alt ? `: ${alt}` : ""}
        {typeof src === "string" && src ? ` (${src})` : ""}]
      </span>
    );
  },
  pre({ children }) {
    return <>{children}</>;
  },
  code({ node: _node, className, children, ...props }) {
    const language = /language-([\w+#-]+)/.exec(className ?? "")?.[1];
    const text = String(children ?? "");
    // fenced blocks end with a newline (or carry a language); inline code does not
    if (language || text.includes("\n")) return <CodeBlock code={text.replace(/\n$/, "")} language={language} />;
    return (
      <code {...props} className="rounded bg-muted px-1 py-0.5 font-mono text-[0.85em]">
        {children}
      </code>
    );
  },
  table({ node: _node, ...props }) {
    return (
      <div className="my-3 overflow-x-auto">
        <table {...props} className="w-full border-collapse text-sm" />
      </div>
    );
  },
  th({ node: _node, ...props }) {
    return <th {...props} className="border border-border bg-muted px-2 py-1 text-left font-medium" />;
  },
  td({ node: _node, ...props }) {
    return <td {...props} className="border border-border px-2 py-1 align-top" />;
  },
};

/** One block of Markdown, memoised: a streamed output re-renders only its last, still growing block. */
const Block = memo(function Block({ text }: { text: string }) {
  return (
    <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={[[rehypeSanitize, schema]]} skipHtml urlTransform={safeUrl} components={components}>
      {text}
    </ReactMarkdown>
  );
});

/**
 * Splits Markdown into top-level blocks at blank lines outside code fences, so that finished blocks keep their
 * rendering while the text grows (a fence still open at the end stays one block with everything after it).
 */
export function splitBlocks(text: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  let fence: string | null = null;
  for (const line of text.split("\n")) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker) {
      if (fence === null) fence = marker[0]!.repeat(marker.length);
      else if (marker.startsWith(fence)) fence = null;
    }
    if (fence === null && line.trim() === "" && current.length > 0) {
      blocks.push(current.join("\n"));
      current = [];
      continue;
    }
    current.push(line);
  }
  if (current.length) blocks.push(current.join("\n"));
  return blocks;
}

export function Markdown({ text, className, testId }: { text: string; className?: string; testId?: string }): ReactNode {
  // reference links and footnotes resolve across blocks only as one document: render such text whole
  const whole = /^\s{0,3}\[[^\]]+\]:\s/m.test(text);
  const blocks = whole ? [text] : splitBlocks(text);
  return (
    <div
      className={cn(
        "md-output min-w-0 text-sm leading-relaxed break-words [&_ol]:list-decimal [&_ol]:pl-6 [&_p]:my-2 [&_ul]:list-disc [&_ul]:pl-6 [&_blockquote]:border-l-2 [&_blockquote]:border-border [&_blockquote]:pl-3 [&_blockquote]:text-muted-foreground",
        className,
      )}
      data-testid={testId}
    >
      {blocks.map((block, i) => (
        // a block's index is its identity: earlier blocks never change while text is appended
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Block key={i} text={block} />
      ))}
    </div>
  );
}
