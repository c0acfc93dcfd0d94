/**
 * `next/link` in the tests (vitest.config.ts points the import here): a plain anchor with the link's `href` and other
 * props. Next's Link needs a mounted App Router to prefetch and navigate; the tests check where a link goes.
 */
import { createElement, type AnchorHTMLAttributes, type ReactNode } from "react";

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & {
  href: string | { pathname?: string };
  children?: ReactNode;
  prefetch?: boolean | null;
  replace?: boolean;
  scroll?: boolean;
};

export default function Link({ href, children, prefetch: _prefetch, replace: _replace, scroll: _scroll, ...rest }: LinkProps) {
  return createElement("a", { href: typeof href === "string" ? href : (href.pathname ?? ""), ...rest }, children);
}
