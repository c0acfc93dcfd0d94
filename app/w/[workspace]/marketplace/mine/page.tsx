import type { Metadata } from "next";
import { MyListingsPage } from "@/components/marketplace/mine-page";

export const metadata: Metadata = { title: "My listings · Marketplace" };

export default function Page() {
  return <MyListingsPage />;
}
