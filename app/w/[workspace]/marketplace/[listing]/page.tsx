import type { Metadata } from "next";
import { ListingPage } from "@/components/marketplace/listing-page";

export const metadata: Metadata = { title: "Marketplace" };

export default async function Page({ params }: { params: Promise<{ listing: string }> }) {
  const { listing } = await params;
  return <ListingPage listing={decodeURIComponent(listing)} />;
}
