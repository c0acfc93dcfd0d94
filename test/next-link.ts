/**
 * `next/link` in the tests (vitest.config.ts points the import here): a plain anchor with the link's `href` and other
 * props. Next's Link needs a mounted App Router to prefetch and navigate; the tests check where a link goes.
 */
import { createElement, type AnchorHTMLAttributes } from "react";

export default function Link({ href, children, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  return createElement("a", { href, ...rest }, children);
}
