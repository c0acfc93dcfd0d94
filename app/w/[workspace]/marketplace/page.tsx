import type { Metadata } from "next";
import { MarketplaceBrowsePage } from "@/components/marketplace/browse-page";

export const metadata: Metadata = { title: "Marketplace" };

export default function Page() {
  return <MarketplaceBrowsePage />;
}
