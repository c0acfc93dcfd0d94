import { handlers } from "@/server/rest/define";
import { listDatasetItemsRoute, addDatasetItemRoute } from "@/server/rest/routes/datasets";

export const { GET, POST } = handlers(listDatasetItemsRoute, addDatasetItemRoute);
