"use client";

import { useEffect } from "react";
import { documentTitle } from "./page-title";

/**
 * Names the browser tab after the thing shown ("Research brief · Teams · Cadre") once it has loaded: the page's static
 * title (its section) is what shows until then.
 */
export function useDocumentTitle(parts: (string | null | undefined)[]): void {
  const title = documentTitle(parts);
  useEffect(() => {
    if (title) document.title = title;
  }, [title]);
}
