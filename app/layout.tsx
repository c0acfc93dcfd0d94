import type { Metadata, Viewport } from "next";
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
  themeColor: "#ffffff",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
