import type { Metadata } from "next";
import { LabellingPage } from "@/components/labels/labelling-page";

export const metadata: Metadata = { title: "Labelling" };

export default function Page() {
  return <LabellingPage />;
}
