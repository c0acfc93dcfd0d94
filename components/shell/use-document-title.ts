"use client";

import { useEffect } from "react";

/**
 * Names the browser tab after the thing shown ("Research brief · Teams · Cadre") once it has loaded: the page's static
 * title (its section) is what shows until then.
 */
export function useDocumentTitle(parts: (string | null | undefined)[]): void {
  const title = parts.filter(Boolean).join(" · ");
  useEffect(() => {
    if (title) document.title = `${title} · Cadre`;
  }, [title]);
}
