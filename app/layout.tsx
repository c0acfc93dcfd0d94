import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import "./globals.css";

// Every page is rendered per request: the CSP nonce (proxy.ts) must reach Next's scripts, and most
// pages read the session.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Cadre", template: "%s · Cadre" },
  description: "Cadre: an operating system for teams of AI agents",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#09090b" },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // the CSP nonce proxy.ts put on the request: next-themes' inline script (the theme class before first paint) needs it
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    // next-themes sets the theme's class on <html> before React hydrates
    <html lang="en" suppressHydrationWarning>
      <body>
        <Providers nonce={nonce}>{children}</Providers>
      </body>
    </html>
  );
}
