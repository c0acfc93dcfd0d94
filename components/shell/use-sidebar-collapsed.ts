"use client";

import { useCallback, useEffect, useState } from "react";

const KEY = "cadre.sidebar.collapsed";

/** The sidebar's collapsed state, kept in the browser; Ctrl/Cmd-B toggles it. */
export function useSidebarCollapsed(): [boolean, () => void] {
  const [collapsed, setCollapsed] = useState(false);
  // read after mount: the server renders it expanded, so the first paint matches
  useEffect(() => {
    setCollapsed(localStorage.getItem(KEY) === "1");
  }, []);
  const toggle = useCallback(() => {
    setCollapsed((was) => {
      localStorage.setItem(KEY, was ? "0" : "1");
      return !was;
    });
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "b") {
        e.preventDefault();
        toggle();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [toggle]);
  return [collapsed, toggle];
}
