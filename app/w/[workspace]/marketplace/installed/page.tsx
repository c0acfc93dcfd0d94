import type { Metadata } from "next";
import { InstalledPage } from "@/components/marketplace/installed-page";

export const metadata: Metadata = { title: "Installed · Marketplace" };

export default function Page() {
  return <InstalledPage />;
}
