/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (server mode). */
import { env } from "../server/env";
import { migrate } from "../server/db/migrate";

const url = env().DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set (the embedded database is migrated by `npm start`)");
  process.exit(1);
}
migrate(url)
  .then((applied) => console.log(applied.length ? `applied: ${applied.join(", ")}` : "up to date"))
  .catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
